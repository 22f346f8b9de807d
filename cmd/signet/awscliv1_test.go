package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/iamrole"
	"github.com/signet-auth/signet/internal/mototest"
	"github.com/signet-auth/signet/internal/testenv"
)

// needAWSCLI returns the aws CLI on PATH; without one the test is skipped,
// except under CI=true, where it fails: CI runs the CLI interop tests.
func needAWSCLI(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("aws")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("aws CLI not found on PATH; CI runs the AWS CLI v1 interop tests")
		}
		t.Skip("aws CLI not on PATH")
	}
	return p
}

// browserWriter is the commands' stdout and the person at the browser: the
// login commands, run with --no-browser, print the authorization URL on a
// line of its own, and the writer opens it with an HTTP client that
// follows redirects. The server's dev auto-approve answers the URL with
// the redirect to the command's loopback listener.
type browserWriter struct {
	pw *io.PipeWriter
}

func newBrowserWriter(t *testing.T, ctx context.Context, out io.Writer) *browserWriter {
	pr, pw := io.Pipe()
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			line := sc.Text()
			io.WriteString(out, line+"\n")
			if !strings.HasPrefix(line, "http://") && !strings.HasPrefix(line, "https://") {
				continue
			}
			go func() {
				req, err := http.NewRequestWithContext(ctx, http.MethodGet, line, nil)
				if err != nil {
					t.Error(err)
					return
				}
				if resp, err := http.DefaultClient.Do(req); err == nil {
					resp.Body.Close()
				}
			}()
		}
		io.Copy(io.Discard, pr)
	}()
	return &browserWriter{pw: pw}
}

func (b *browserWriter) Write(p []byte) (int, error) { return b.pw.Write(p) }
func (b *browserWriter) Close()                      { b.pw.Close() }

// lockedOutput is what the commands printed, written by the browser's
// goroutine and read by the test.
type lockedOutput struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedOutput) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedOutput) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// signetLogin runs `signet ARGS --no-browser` through run with vars as the
// environment, within a bound, and fails the test if it does not succeed.
func signetLogin(t *testing.T, vars map[string]string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out lockedOutput
	bw := newBrowserWriter(t, ctx, &out)
	var errb strings.Builder
	code := run(ctx, append(args, "--no-browser"), func(k string) string { return vars[k] }, strings.NewReader(""), bw, &errb)
	bw.Close()
	if code != 0 {
		t.Fatalf("signet %s: exit %d\n%s\n%s", strings.Join(args, " "), code, out.String(), errb.String())
	}
	return out.String()
}

// awsCLI runs the aws CLI with env and returns its stdout, or its output
// and the error.
func awsCLI(t *testing.T, env []string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "aws", args...)
	cmd.Env = env
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return out.String() + errb.String(), err
	}
	return out.String(), nil
}

// callerARN is the Arn of `aws sts get-caller-identity`'s answer.
func callerARN(t *testing.T, out string) string {
	t.Helper()
	var id struct{ Arn string }
	if err := json.Unmarshal([]byte(out), &id); err != nil {
		t.Fatalf("get-caller-identity printed %q: %v", out, err)
	}
	return id.Arn
}

// The AWS CLI v1 on the machine uses what `signet sso login` and `signet
// login` leave behind, with real credentials: the assignment is bound to
// a role of moto's STS, the CLI gets the role's credentials from signet's
// portal (sso-session profile) and calls moto's GetCallerIdentity, which
// names the role session signet chose after the person (catalogue AW-03).
//
// botocore 1.43's login credential provider (login_session profiles, what
// `aws login` writes) needs awscrt for its DPoP key; without it the CLI
// refuses the profile with its own message, and the test then gives the
// CLI a profile whose credential_process is `signet configure
// export-credentials` of the login profile, which refreshes the expired
// cached credentials through Sign-In (and so through moto's STS).
func TestAW03_AWSCLIv1UsesRealCredentialsAfterSignetLogin(t *testing.T) {
	needAWSCLI(t)
	motoURL := mototest.Start(t)
	e := testenv.New(t, testenv.Options{DevAutoApprove: true, IAM: &iamrole.Config{Endpoint: motoURL, Region: testenv.Region}})
	ctx := context.Background()
	const roleARN = "arn:aws:iam::" + testenv.AccountID + ":role/Developer"
	if err := e.Stores.RoleBindings.SetRoleBinding(ctx, signet.RoleBinding{AccountID: testenv.AccountID, RoleName: "Admin",
		RoleARN: roleARN, CreatedAt: e.Clock.Now(), UpdatedAt: e.Clock.Now()}); err != nil {
		t.Fatal(err)
	}
	const wantARN = "arn:aws:sts::" + testenv.AccountID + ":assumed-role/Developer/" + testenv.UserName

	home := t.TempDir()
	configFile := filepath.Join(home, ".aws", "config")
	loginCache := filepath.Join(home, ".aws", "login", "cache")
	if err := os.MkdirAll(filepath.Dir(configFile), 0o700); err != nil {
		t.Fatal(err)
	}
	conf := "[profile real-sso]\nsso_session = signet\nsso_account_id = " + testenv.AccountID + "\nsso_role_name = Admin\nregion = " + testenv.Region +
		"\n\n[sso-session signet]\nsso_start_url = " + e.URL + "/start\nsso_region = " + testenv.Region + "\nsso_registration_scopes = sso:account:access\n"
	if err := os.WriteFile(configFile, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{
		"HOME": home, "AWS_CONFIG_FILE": configFile, "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(home, ".aws", "credentials"),
		"AWS_LOGIN_CACHE_DIRECTORY": loginCache,
		"AWS_ENDPOINT_URL_SSO_OIDC": e.URL, "AWS_ENDPOINT_URL_SSO": e.URL, "AWS_ENDPOINT_URL_SIGNIN": e.URL,
	}
	// The CLI's process: the same home and config, signet for SSO OIDC,
	// the portal and Sign-In, moto for STS; no other credentials.
	env := []string{"PATH=" + os.Getenv("PATH"), "AWS_ENDPOINT_URL_STS=" + motoURL, "AWS_PAGER=", "AWS_EC2_METADATA_DISABLED=true"}
	for k, v := range vars {
		env = append(env, k+"="+v)
	}
	for _, k := range []string{"PYENV_ROOT", "PYENV_VERSION"} {
		if v := os.Getenv(k); v != "" {
			env = append(env, k+"="+v)
		}
	}

	t.Run("sso", func(t *testing.T) {
		signetLogin(t, vars, "sso", "login", "--profile", "real-sso")
		out, err := awsCLI(t, env, "sts", "get-caller-identity", "--profile", "real-sso", "--output", "json")
		if err != nil {
			t.Fatalf("aws sts get-caller-identity: %v\n%s", err, out)
		}
		if got := callerARN(t, out); got != wantARN {
			t.Fatalf("moto says %s, want %s", got, wantARN)
		}
	})

	t.Run("login", func(t *testing.T) {
		signetLogin(t, vars, "login", "--profile", "real-login", "--region", testenv.Region)
		out, err := awsCLI(t, env, "sts", "get-caller-identity", "--profile", "real-login", "--output", "json")
		if err == nil {
			if got := callerARN(t, out); got != wantARN {
				t.Fatalf("moto says %s, want %s", got, wantARN)
			}
			return
		}
		if !strings.Contains(out, "botocore[crt]") {
			t.Fatalf("aws sts get-caller-identity --profile real-login: %v\n%s", err, out)
		}
		t.Logf("botocore has no awscrt, so the CLI refuses the login_session profile: %s", strings.TrimSpace(out))

		// credential_process: signet resolves the login_session profile
		// itself, refreshing through Sign-In. The cached credentials are
		// expired first, so the CLI gets refreshed ones.
		files, err := filepath.Glob(filepath.Join(loginCache, "*.json"))
		if err != nil || len(files) != 1 {
			t.Fatalf("login cache: %v %v", files, err)
		}
		before := expireLoginCache(t, files[0])
		exe := signetExecutable(t)
		f, err := os.OpenFile(configFile, os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(f, "\n[profile real-login-v1]\nregion = %s\ncredential_process = %s configure export-credentials --profile real-login --format process\n", testenv.Region, exe)
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		out, err = awsCLI(t, env, "sts", "get-caller-identity", "--profile", "real-login-v1", "--output", "json")
		if err != nil {
			t.Fatalf("aws sts get-caller-identity --profile real-login-v1: %v\n%s", err, out)
		}
		if got := callerARN(t, out); got != wantARN {
			t.Fatalf("moto says %s, want %s", got, wantARN)
		}
		if after := loginCacheKeyID(t, files[0]); after == before {
			t.Fatalf("the cached credentials %s were not refreshed", after)
		}
	})
}

// loginCacheKeyID is the access key id in a login cache file.
func loginCacheKeyID(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var c struct {
		AccessToken struct {
			AccessKeyID string `json:"accessKeyId"`
		} `json:"accessToken"`
	}
	if err := json.Unmarshal(b, &c); err != nil || c.AccessToken.AccessKeyID == "" {
		t.Fatalf("login cache %s: %v", path, err)
	}
	return c.AccessToken.AccessKeyID
}

// expireLoginCache moves the cached credentials' expiry into the past, as
// time would, and returns their access key id.
func expireLoginCache(t *testing.T, path string) string {
	t.Helper()
	id := loginCacheKeyID(t, path)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var c map[string]any
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	c["accessToken"].(map[string]any)["expiresAt"] = time.Now().Add(-time.Minute).UTC().Format(time.RFC3339)
	if b, err = json.Marshal(c); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return id
}

// signetExecutable is a "signet" that runs run: a link named signet to
// this test binary, which TestMain turns into the command.
func signetExecutable(t *testing.T) string {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	exe := filepath.Join(t.TempDir(), "signet")
	if err := os.Symlink(self, exe); err != nil {
		t.Fatal(err)
	}
	return exe
}
