package ssooidc_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc/types"

	"github.com/signet-auth/signet/internal/testenv"
	"github.com/signet-auth/signet/internal/testsupport"
)

// An `aws sso login` device flow, with the real SDK, for a user who must
// use a second factor: the CLI keeps polling while the person has given
// only the password, and gets its tokens once the code from the app is in
// and the device approved (catalogue MF-03).
func TestMF03_SSOLoginCompletesOnlyAfterSecondFactor(t *testing.T) {
	e := testenv.New(t, testenv.Options{MFA: "required"})
	ctx := context.Background()
	secret, _ := e.Browser(t).EnrolTOTP(e.Clock.Now, "")
	e.Clock.Add(time.Minute)

	oc := oidcClient(e, nil)
	reg, err := oc.RegisterClient(ctx, &ssooidc.RegisterClientInput{ClientName: aws.String("botocore-client-mfa"), ClientType: aws.String("public")})
	if err != nil {
		t.Fatal(err)
	}
	da, err := oc.StartDeviceAuthorization(ctx, &ssooidc.StartDeviceAuthorizationInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret, StartUrl: aws.String(startURL)})
	if err != nil {
		t.Fatal(err)
	}
	poll := func() (*ssooidc.CreateTokenOutput, error) {
		e.Clock.Add(devicePollWait)
		return oc.CreateToken(ctx, &ssooidc.CreateTokenInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret,
			GrantType: aws.String("urn:ietf:params:oauth:grant-type:device_code"), DeviceCode: da.DeviceCode})
	}

	b := e.Browser(t)
	start := "/device?user_code=" + url.QueryEscape(aws.ToString(da.UserCode))
	loc := b.SignInAs(testenv.UserName, testenv.UserPassword, start)
	if !strings.HasPrefix(loc, "/login/mfa") {
		t.Fatalf("after the password: %s", loc)
	}
	// The password alone reaches no device page.
	if p := b.Get(start); p.Status != 303 || !strings.HasPrefix(p.Location, "/login") {
		t.Fatalf("device page with the password alone: %d %s", p.Status, p.Location)
	}
	var pending *types.AuthorizationPendingException
	if _, err := poll(); !errors.As(err, &pending) {
		t.Fatalf("poll after the password alone: %v", err)
	}

	p := b.SecondStep(loc, "code", testsupport.TOTPCode(secret, e.Clock.Now()))
	if p.Status != 303 || p.Location != start {
		t.Fatalf("second step: %d %s, want back to %s", p.Status, p.Location, start)
	}
	if p := b.DecideDevice(aws.ToString(da.UserCode), true); !strings.Contains(p.Body, "Device approved") {
		t.Fatalf("approval: %d %s", p.Status, p.Body)
	}
	tok, err := poll()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(aws.ToString(tok.AccessToken), "aoa") {
		t.Fatalf("token: %+v", tok)
	}
}
