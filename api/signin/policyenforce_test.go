package signin_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/signin"

	"github.com/signet-auth/signet/internal/signintest"
)

// policy is an admin's view of the account's Sign-In policy: it replaces
// every statement with the given ones and turns console authorization on
// or off.
type policy struct {
	t *testing.T
	c *signin.Client
}

func (p policy) set(enforced bool, stmts ...*signin.PutResourcePermissionStatementInput) {
	p.t.Helper()
	ctx := context.Background()
	list, err := p.c.ListResourcePermissionStatements(ctx, &signin.ListResourcePermissionStatementsInput{})
	if err != nil {
		p.t.Fatal(err)
	}
	for _, s := range list.PermissionStatements {
		if _, err := p.c.DeleteResourcePermissionStatement(ctx, &signin.DeleteResourcePermissionStatementInput{StatementId: s.Sid}); err != nil {
			p.t.Fatal(err)
		}
	}
	for _, s := range stmts {
		in := *s // the SDK writes its idempotency token into the input
		if _, err := p.c.PutResourcePermissionStatement(ctx, &in); err != nil {
			p.t.Fatal(err)
		}
	}
	if enforced {
		_, err = p.c.PutConsoleAuthorizationConfiguration(ctx, &signin.PutConsoleAuthorizationConfigurationInput{})
	} else {
		_, err = p.c.DeleteConsoleAuthorizationConfiguration(ctx, &signin.DeleteConsoleAuthorizationConfigurationInput{})
	}
	if err != nil {
		p.t.Fatal(err)
	}
}

// The test server sees every request from 127.0.0.1.
var (
	outside = &signin.PutResourcePermissionStatementInput{SourceIp: aws.String("10.0.0.0/8")}
	inside  = &signin.PutResourcePermissionStatementInput{SourceIp: aws.String("192.0.2.0/24, 127.0.0.0/8")}
	// The role alice signs in with (signintest.RoleName) is excluded.
	outsideButExcluded = &signin.PutResourcePermissionStatementInput{SourceIp: aws.String("10.0.0.0/8"),
		ExcludedPrincipal: aws.String("arn:aws:iam::" + signintest.AccountID + ":role/" + signintest.RoleName)}
	otherExcluded = &signin.PutResourcePermissionStatementInput{SourceIp: aws.String("10.0.0.0/8"),
		ExcludedPrincipal: aws.String("arn:aws:iam::" + signintest.AccountID + ":role/BreakGlass")}
	vpcOnly = &signin.PutResourcePermissionStatementInput{SourceVpc: aws.String("vpc-0123abcd"), RequestedRegion: aws.String("us-east-1")}
)

// A refresh from outside every allowed range is refused in Sign-In's own
// shape and changes nothing: the same token refreshes once the policy
// allows the network again.
func TestSigninPolicyRefreshFromOutsideRangeRefused(t *testing.T) {
	e := signintest.New(t, signintest.Options{})
	p := policy{t, adminClient(t, e)}
	h := newHolder(t, e)
	rt := h.login().str("refreshToken")

	// Statements without console authorization enforce nothing.
	p.set(false, outside)
	r := h.refresh(rt)
	wantOK(t, r)
	rt = r.str("refreshToken")

	for name, stmts := range map[string][]*signin.PutResourcePermissionStatementInput{
		"outside":                   {outside},
		"inside and outside":        {inside, outside},
		"another principal exempt":  {otherExcluded},
		"outside, VPC also allowed": {outside, vpcOnly},
	} {
		p.set(true, stmts...)
		t.Log(name)
		wantError(t, h.refresh(rt), http.StatusForbidden, "AccessDeniedException", "INSUFFICIENT_PERMISSIONS")
	}
	for name, stmts := range map[string][]*signin.PutResourcePermissionStatementInput{
		"no statement":            nil,
		"inside":                  {inside},
		"outside but excluded":    {outsideButExcluded},
		"VPC conditions only":     {vpcOnly},
		"inside and excluded too": {inside, outsideButExcluded},
	} {
		p.set(true, stmts...)
		r := h.refresh(rt)
		if r.Status != http.StatusOK {
			t.Fatalf("%s: refresh refused: %d %s", name, r.Status, r.Raw)
		}
		rt = r.str("refreshToken")
	}
}

// A login from outside the range gets the Sign-In error page at
// /v1/authorize, and a code issued before the policy cannot be redeemed
// from outside it.
func TestSigninPolicyAuthorizeAndCodeFromOutsideRangeRefused(t *testing.T) {
	e := signintest.New(t, signintest.Options{})
	p := policy{t, adminClient(t, e)}
	h := newHolder(t, e)
	code := e.Code(t, sameDevice, redirect, verifier)

	p.set(true, outside)
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(e.AuthorizeURL(sameDevice, redirect, verifier, "state-2"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden || resp.Header.Get("Location") != "" ||
		!strings.Contains(string(body), "Sign-in not allowed from this network") {
		t.Fatalf("authorize from outside: %d %q", resp.StatusCode, body)
	}
	wantError(t, h.redeem(sameDevice, code, redirect, verifier), http.StatusForbidden, "AccessDeniedException", "INSUFFICIENT_PERMISSIONS")

	// Excluded, the same login goes through.
	p.set(true, outsideButExcluded)
	h.login()
	// Inside the range too.
	p.set(true, inside)
	h.login()
}
