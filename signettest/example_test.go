package signettest_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/logincreds"
	"github.com/aws/aws-sdk-go-v2/credentials/ssocreds"
	"github.com/aws/aws-sdk-go-v2/service/signin"
	"github.com/aws/aws-sdk-go-v2/service/sso"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/signet-auth/signet/signettest"
)

// callerARN calls STS GetCallerIdentity on the server with creds.
func callerARN(t *testing.T, ctx context.Context, cfg aws.Config, creds aws.CredentialsProvider) string {
	t.Helper()
	out, err := sts.NewFromConfig(cfg, func(o *sts.Options) { o.Credentials = creds }).
		GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.Arn)
}

// TestSSOAndSignInCredentials: a user assigned to an account and role gets
// credentials through the SDK's ssocreds and logincreds providers, from
// the caches LoginSSO and LoginSignIn write, and STS names the role.
func TestSSOAndSignInCredentials(t *testing.T) {
	ctx := context.Background()
	srv := signettest.Start(t, signettest.WithUser("alice", "correct horse battery staple",
		signettest.Assignment{AccountID: "111122223333", RoleName: "Deploy"}))
	cfg, err := srv.AWSConfig(ctx)
	if err != nil {
		t.Fatal(err)
	}
	const want = "arn:aws:sts::111122223333:assumed-role/Deploy/alice"

	tokenFile, err := srv.LoginSSO(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	ssoCreds := ssocreds.New(sso.NewFromConfig(cfg), "111122223333", "Deploy", srv.StartURL(),
		func(o *ssocreds.Options) { o.CachedTokenFilepath = tokenFile })
	if got := callerARN(t, ctx, cfg, ssoCreds); got != want {
		t.Errorf("SSO credentials: caller %s, want %s", got, want)
	}

	cacheFile, err := srv.LoginSignIn(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	loginCreds := logincreds.New(signin.NewFromConfig(cfg), cacheFile)
	if got := callerARN(t, ctx, cfg, loginCreds); got != want {
		t.Errorf("Sign-In credentials: caller %s, want %s", got, want)
	}
}
