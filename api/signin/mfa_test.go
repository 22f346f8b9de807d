package signin_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/signin"
	"github.com/aws/aws-sdk-go-v2/service/signin/types"

	"github.com/signet-auth/signet/internal/signintest"
	"github.com/signet-auth/signet/internal/testenv"
	"github.com/signet-auth/signet/internal/testsupport"
)

// An `aws login` for a user who must use a second factor: the authorize
// page sends the browser to the second step after the password, no code
// reaches the CLI's listener until the app's code is in, and the code the
// consent then sends is redeemed by the real SDK (catalogue MF-03).
func TestMF03_SignInCompletesOnlyAfterSecondFactor(t *testing.T) {
	e := &signintest.Env{Env: testenv.New(t, testenv.Options{MFA: "required"})}
	ctx := context.Background()
	secret, _ := e.Browser(t).EnrolTOTP(e.Clock.Now, "")
	e.Clock.Add(time.Minute)

	u, err := url.Parse(e.AuthorizeURL(sameDevice, redirect, verifier, "st-mfa"))
	if err != nil {
		t.Fatal(err)
	}
	start := u.RequestURI()
	b := e.Browser(t)
	if p := b.Get(start); p.Status != 303 || !strings.HasPrefix(p.Location, "/login") {
		t.Fatalf("authorize before sign-in: %d %s", p.Status, p.Location)
	}
	loc := b.SignInAs(testenv.UserName, testenv.UserPassword, start)
	if !strings.HasPrefix(loc, "/login/mfa") {
		t.Fatalf("after the password: %s", loc)
	}
	if p := b.Get(start); p.Status != 303 || !strings.HasPrefix(p.Location, "/login") {
		t.Fatalf("authorize with the password alone: %d %s", p.Status, p.Location)
	}
	if p := b.SecondStep(loc, "code", testsupport.TOTPCode(secret, e.Clock.Now())); p.Status != 303 || p.Location != start {
		t.Fatalf("second step: %d %s", p.Status, p.Location)
	}
	p := b.Get(start)
	if p.Status != 200 || !strings.Contains(p.Body, `action="/consent"`) {
		t.Fatalf("consent page: %d %s", p.Status, p.Location)
	}
	form := p.Hidden()
	form.Set("decision", "approve")
	form.Set("assignment", signintest.AccountID+"/"+signintest.RoleName)
	p = b.Post("/consent", form)
	back, err := url.Parse(p.Location)
	if err != nil || p.Status != 303 || back.Query().Get("code") == "" || !strings.HasPrefix(p.Location, redirect) {
		t.Fatalf("consent: %d %s", p.Status, p.Location)
	}

	h := newHolder(t, e)
	out, err := sdkClient(e, aws.AnonymousCredentials{}).CreateOAuth2Token(ctx, &signin.CreateOAuth2TokenInput{TokenInput: &types.CreateOAuth2TokenRequestBody{
		ClientId: aws.String(sameDevice), GrantType: aws.String("authorization_code"), Code: aws.String(back.Query().Get("code")),
		RedirectUri: aws.String(redirect), CodeVerifier: aws.String(verifier),
	}}, withDPoP(h.key))
	if err != nil {
		t.Fatal(err)
	}
	if out.TokenOutput == nil || out.TokenOutput.AccessToken == nil || aws.ToString(out.TokenOutput.IdToken) == "" {
		t.Fatalf("token: %+v", out.TokenOutput)
	}
}
