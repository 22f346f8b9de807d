package ssoportal_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/ssocreds"
	"github.com/aws/aws-sdk-go-v2/service/sso"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/iamrole"
	"github.com/signet-auth/signet/internal/mototest"
	"github.com/signet-auth/signet/internal/testenv"
)

// A bound (account, role) hands out STS's credentials: the SDK's SSO
// credential provider, through signet's portal, gets credentials from moto's
// AssumeRoleWithWebIdentity, and moto's GetCallerIdentity names the role
// session signet chose after the person (catalogue AW-03). An unbound role
// of the same user keeps signet's own credentials.
func TestAW03_SSOCredentialsFromRealSTSNameThePerson(t *testing.T) {
	motoURL := mototest.Start(t)
	e := testenv.New(t, testenv.Options{IAM: &iamrole.Config{Endpoint: motoURL, Region: testenv.Region}})
	ctx := context.Background()
	const roleARN = "arn:aws:iam::" + testenv.AccountID + ":role/team/AdminAccess"
	if err := e.Stores.RoleBindings.SetRoleBinding(ctx, signet.RoleBinding{AccountID: testenv.AccountID, RoleName: "Admin",
		RoleARN: roleARN, MaxDuration: 2 * time.Hour, CreatedAt: e.Clock.Now(), UpdatedAt: e.Clock.Now()}); err != nil {
		t.Fatal(err)
	}
	_, tok := e.SSOTokens(t, "sso:account:access")
	cache := filepath.Join(t.TempDir(), "token.json")
	b, _ := json.Marshal(map[string]string{"accessToken": tok.AccessToken,
		"expiresAt": time.Now().Add(time.Hour).UTC().Format(time.RFC3339), "region": testenv.Region, "startUrl": "https://example.com/start"})
	if err := os.WriteFile(cache, b, 0o600); err != nil {
		t.Fatal(err)
	}
	portal := sso.New(sso.Options{Region: testenv.Region, BaseEndpoint: aws.String(e.URL), RetryMaxAttempts: 1})
	retrieve := func(role string) aws.Credentials {
		t.Helper()
		c, err := ssocreds.New(portal, testenv.AccountID, role, "https://example.com/start",
			func(o *ssocreds.Options) { o.CachedTokenFilepath = cache }).Retrieve(ctx)
		if err != nil {
			t.Fatalf("%s: %v", role, err)
		}
		return c
	}
	caller := func(endpoint string, c aws.Credentials) string {
		t.Helper()
		out, err := sts.New(sts.Options{Region: testenv.Region, BaseEndpoint: aws.String(endpoint), RetryMaxAttempts: 1,
			Credentials: credentials.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey, c.SessionToken)}).
			GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(out.Arn)
	}

	real := retrieve("Admin")
	// Moto names the session after the role's name, without its path.
	if got, want := caller(motoURL, real), "arn:aws:sts::"+testenv.AccountID+":assumed-role/AdminAccess/"+testenv.UserName; got != want {
		t.Fatalf("moto GetCallerIdentity: %s, want %s", got, want)
	}
	// STS's expiry, as STS said it: the binding asked for two hours, the
	// portal's one-hour bound on role credentials shortened that.
	if d := time.Until(real.Expires); d < 55*time.Minute || d > 61*time.Minute {
		t.Fatalf("real credentials expire in %s, want about an hour", d)
	}
	// signet's own STS does not know them: they are not signet's.
	if _, err := sts.New(sts.Options{Region: testenv.Region, BaseEndpoint: aws.String(e.URL), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider(real.AccessKeyID, real.SecretAccessKey, real.SessionToken)}).
		GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err == nil {
		t.Fatal("signet's STS accepted STS's credentials")
	}

	// A name STS refuses as a session name is cut to STS's characters and
	// made unique by a digest of the user id.
	u, err := e.Stores.Users.GetUser(ctx, e.User.ID)
	if err != nil {
		t.Fatal(err)
	}
	u.Name = "Zoë O'Neil"
	if err := e.Stores.Users.UpdateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	arn := caller(motoURL, retrieve("Admin"))
	session, ok := strings.CutPrefix(arn, "arn:aws:sts::"+testenv.AccountID+":assumed-role/AdminAccess/")
	if !ok || !regexp.MustCompile(`^Zo__O_Neil-[0-9a-f]{8}$`).MatchString(session) {
		t.Fatalf("moto GetCallerIdentity for %q: %s", u.Name, arn)
	}
	u.Name = testenv.UserName
	if err := e.Stores.Users.UpdateUser(ctx, u); err != nil {
		t.Fatal(err)
	}

	local := retrieve("ReadOnly")
	if got := caller(e.URL, local); got != "arn:aws:sts::"+testenv.AccountID+":assumed-role/ReadOnly/"+testenv.UserName {
		t.Fatalf("local credentials: %s", got)
	}
}
