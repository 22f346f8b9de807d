package signin_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/signin"
	"github.com/aws/aws-sdk-go-v2/service/signin/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/iamrole"
	"github.com/signet-auth/signet/iamrole/iamroletest"
	"github.com/signet-auth/signet/internal/signintest"
)

// STS failures behind a bound role reach the Sign-In caller in Sign-In's
// own shapes (a refusal 403 INSUFFICIENT_PERMISSIONS, throttling 429, the
// rest 500), after one STS call each, within the timeout; the same
// refresh token works again once STS is well (nothing cached, nothing
// spent).
func TestAW02_STSFaultsBecomeSignInErrors(t *testing.T) {
	fake := iamroletest.NewFakeSTS(t)
	const timeout = 300 * time.Millisecond
	e := signintest.New(t, signintest.Options{IAM: &iamrole.Config{Endpoint: fake.URL, Timeout: timeout}})
	ctx := context.Background()
	if err := e.Stores.RoleBindings.SetRoleBinding(ctx, signet.RoleBinding{AccountID: signintest.AccountID,
		RoleName: signintest.RoleName, RoleARN: "arn:aws:iam::" + signintest.AccountID + ":role/" + signintest.RoleName,
		CreatedAt: e.Clock.Now(), UpdatedAt: e.Clock.Now()}); err != nil {
		t.Fatal(err)
	}
	c := sdkClient(e, aws.AnonymousCredentials{})
	h := newHolder(t, e)
	out, err := c.CreateOAuth2Token(ctx, &signin.CreateOAuth2TokenInput{TokenInput: &types.CreateOAuth2TokenRequestBody{
		ClientId: aws.String(sameDevice), GrantType: aws.String("authorization_code"), Code: aws.String(e.Code(t, sameDevice, redirect, verifier)),
		RedirectUri: aws.String(redirect), CodeVerifier: aws.String(verifier),
	}}, withDPoP(h.key))
	if err != nil {
		t.Fatal(err)
	}
	rt := out.TokenOutput.RefreshToken
	refresh := func() (*signin.CreateOAuth2TokenOutput, error) {
		return c.CreateOAuth2Token(ctx, &signin.CreateOAuth2TokenInput{TokenInput: &types.CreateOAuth2TokenRequestBody{
			ClientId: aws.String(sameDevice), GrantType: aws.String("refresh_token"), RefreshToken: rt,
		}}, withDPoP(h.key))
	}
	for _, tc := range []struct {
		fault, shape, code string
		status             int
	}{
		{"AccessDenied", "AccessDeniedException", "INSUFFICIENT_PERMISSIONS", 403},
		{"InvalidIdentityToken", "AccessDeniedException", "INSUFFICIENT_PERMISSIONS", 403},
		{"ExpiredTokenException", "AccessDeniedException", "INSUFFICIENT_PERMISSIONS", 403},
		{"IDPCommunicationError", "InternalServerException", "server_error", 500},
		{"Throttling", "TooManyRequestsError", "INVALID_REQUEST", 429},
		{"5xx", "InternalServerException", "server_error", 500},
		{"slow", "InternalServerException", "server_error", 500},
		{"malformed", "InternalServerException", "server_error", 500},
	} {
		t.Run(tc.fault, func(t *testing.T) {
			fake.Set(tc.fault)
			before := fake.Count()
			out, err := refresh()
			var ae smithy.APIError
			var re *smithyhttp.ResponseError
			if out != nil || !errors.As(err, &ae) || ae.ErrorCode() != tc.shape || !errors.As(err, &re) || re.HTTPStatusCode() != tc.status {
				t.Fatalf("got %v, %v; want %d %s", out, err, tc.status, tc.shape)
			}
			if got := oauthCode(err); got != tc.code {
				t.Fatalf("error %q, want %q", got, tc.code)
			}
			if n := fake.Count() - before; n != 1 {
				t.Fatalf("%d STS calls for one request, want 1", n)
			}
			if tc.fault == "slow" && !fake.SlowOutcome() {
				t.Fatalf("the STS call was not abandoned within the %s timeout", timeout)
			}
			fake.Set("")
			out, err = refresh()
			if err != nil || aws.ToInt32(out.TokenOutput.ExpiresIn) > 900 {
				t.Fatalf("after STS recovered: %v", err)
			}
			if n := fake.Count() - before; n != 2 {
				t.Fatalf("%d STS calls for two requests: something was cached", n)
			}
		})
	}
}

// oauthCode is the body's "error" member of a modelled Sign-In exception.
func oauthCode(err error) string {
	var ade *types.AccessDeniedException
	var ise *types.InternalServerException
	var tmr *types.TooManyRequestsError
	switch {
	case errors.As(err, &ade):
		return string(ade.Error_)
	case errors.As(err, &ise):
		return string(ise.Error_)
	case errors.As(err, &tmr):
		return string(tmr.Error_)
	}
	return ""
}
