package iamrole_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sso"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/signet-auth/signet/iamrole"
	"github.com/signet-auth/signet/iamrole/iamroletest"
	"github.com/signet-auth/signet/internal/testenv"
)

// Every STS failure reaches the portal's caller as one of the portal's own
// errors, after exactly one STS call, within the timeout; nothing is
// cached, so the next request asks STS again and gets credentials once STS
// is well.
func TestAW02_STSFaultsBecomePortalErrors(t *testing.T) {
	fake := iamroletest.NewFakeSTS(t)
	const timeout = 300 * time.Millisecond
	e := boundEnv(t, fake, iamrole.Config{Timeout: timeout})
	_, tok := e.SSOTokens(t, "sso:account:access")
	pc := portal(e)
	get := func() (*sso.GetRoleCredentialsOutput, error) {
		return pc.GetRoleCredentials(context.Background(), &sso.GetRoleCredentialsInput{
			AccessToken: aws.String(tok.AccessToken), AccountId: aws.String(testenv.AccountID), RoleName: aws.String("Admin")})
	}
	for _, tc := range []struct {
		fault, code string
		status      int
	}{
		{"AccessDenied", "ResourceNotFoundException", 404},
		{"InvalidIdentityToken", "ResourceNotFoundException", 404},
		{"ExpiredTokenException", "ResourceNotFoundException", 404},
		{"IDPRejectedClaim", "ResourceNotFoundException", 404},
		{"IDPCommunicationError", "InternalServerException", 500},
		{"Throttling", "TooManyRequestsException", 429},
		{"5xx", "InternalServerException", 500},
		{"slow", "InternalServerException", 500},
		{"malformed", "InternalServerException", 500},
		{"incomplete", "InternalServerException", 500},
	} {
		t.Run(tc.fault, func(t *testing.T) {
			fake.Set(tc.fault)
			before := fake.Count()
			out, err := get()
			var ae smithy.APIError
			var re *smithyhttp.ResponseError
			if out != nil || !errors.As(err, &ae) || ae.ErrorCode() != tc.code ||
				!errors.As(err, &re) || re.HTTPStatusCode() != tc.status {
				t.Fatalf("got %v, %v; want %d %s", out, err, tc.status, tc.code)
			}
			if n := fake.Count() - before; n != 1 {
				t.Fatalf("%d STS calls for one request, want 1", n)
			}
			if tc.fault == "slow" && !fake.SlowOutcome() {
				t.Fatalf("the STS call was not abandoned within the %s timeout", timeout)
			}
			fake.Set("")
			if out, err := get(); err != nil || aws.ToString(out.RoleCredentials.AccessKeyId) == "" {
				t.Fatalf("after STS recovered: %v", err)
			}
			if n := fake.Count() - before; n != 2 {
				t.Fatalf("%d STS calls for two requests: something was cached", n)
			}
		})
	}
}
