package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/signet-auth/signet/internal/testenv"
)

// readmeAWSConfig is the shared config file README's "Using the AWS tools
// with signet" section shows, its ini blocks joined, with the placeholder
// server and account replaced by the test's.
func readmeAWSConfig(t *testing.T, serverURL, accountID string) string {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	start := strings.Index(readme, "\n## Using the AWS tools with signet\n")
	if start < 0 {
		t.Fatal(`README.md has no section "Using the AWS tools with signet"`)
	}
	section := readme[start+1:]
	if end := strings.Index(section, "\n## "); end >= 0 {
		section = section[:end]
	}
	blocks := regexp.MustCompile("(?s)```ini\n(.*?)```").FindAllStringSubmatch(section, -1)
	var conf strings.Builder
	for _, m := range blocks {
		conf.WriteString(m[1] + "\n")
	}
	for _, want := range []string{"[profile dev]", "[profile console]", "[services signet]", "https://signet.example.internal"} {
		if !strings.Contains(conf.String(), want) {
			t.Fatalf("the section's ini blocks lack %q:\n%s", want, conf.String())
		}
	}
	return strings.NewReplacer("https://signet.example.internal", serverURL, "000000000000", accountID).Replace(conf.String())
}

// The configuration README's AWS guide shows works as written: with no
// endpoint variable set, its services section alone takes `signet sso
// login --profile dev` and `signet login --profile console` to signet, and
// takes the Go SDK's SSO and login credential providers (GetRoleCredentials,
// the Sign-In refresh) and its STS client there too.
func TestREADMEAWSGuideConfigWorksAsWritten(t *testing.T) {
	e := testenv.New(t, testenv.Options{DevAutoApprove: true})
	const role = "Developer" // the README's role; the test user has it in OtherAccountID
	wantARN := "arn:aws:sts::" + testenv.OtherAccountID + ":assumed-role/" + role + "/" + testenv.UserName

	home := t.TempDir()
	configFile := filepath.Join(home, ".aws", "config")
	if err := os.MkdirAll(filepath.Dir(configFile), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(configFile, []byte(readmeAWSConfig(t, e.URL, testenv.OtherAccountID)), 0o600); err != nil {
		t.Fatal(err)
	}
	// No endpoint variable: only the config file can point anything at
	// signet.
	t.Setenv("HOME", home)
	for _, k := range []string{"AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_LOGIN_CACHE_DIRECTORY", "AWS_PROFILE",
		"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SSO", "AWS_ENDPOINT_URL_SSO_OIDC", "AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL_SIGNIN",
		"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	vars := map[string]string{"HOME": home}

	callerARN := func(t *testing.T, profile string) string {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		// The SDK computes its default file names once, at start; the
		// caches (~/.aws/sso/cache, ~/.aws/login/cache) it finds through HOME.
		cfg, err := config.LoadDefaultConfig(ctx, config.WithSharedConfigProfile(profile),
			config.WithSharedConfigFiles([]string{configFile}),
			config.WithSharedCredentialsFiles([]string{filepath.Join(home, ".aws", "credentials")}))
		if err != nil {
			t.Fatalf("profile %s: %v", profile, err)
		}
		out, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil {
			t.Fatalf("GetCallerIdentity with profile %s: %v", profile, err)
		}
		return aws.ToString(out.Arn)
	}

	t.Run("sso", func(t *testing.T) {
		signetLogin(t, vars, "sso", "login", "--profile", "dev")
		if got := callerARN(t, "dev"); got != wantARN {
			t.Fatalf("signet's STS says %s, want %s", got, wantARN)
		}
	})

	t.Run("login", func(t *testing.T) {
		signetLogin(t, vars, "login", "--profile", "console")
		files, err := filepath.Glob(filepath.Join(home, ".aws", "login", "cache", "*.json"))
		if err != nil || len(files) != 1 {
			t.Fatalf("login cache: %v %v", files, err)
		}
		// Expired cached credentials: the SDK refreshes them through the
		// services section's signin endpoint.
		before := expireLoginCache(t, files[0])
		// Auto-approved, the Sign-In consent chooses the user's first
		// assignment.
		first := testenv.UserAssignments()[0]
		wantARN := "arn:aws:sts::" + first.AccountID + ":assumed-role/" + first.RoleName + "/" + testenv.UserName
		if got := callerARN(t, "console"); got != wantARN {
			t.Fatalf("signet's STS says %s, want %s", got, wantARN)
		}
		if after := loginCacheKeyID(t, files[0]); after == before {
			t.Fatalf("the cached credentials %s were not refreshed", after)
		}
	})
}
