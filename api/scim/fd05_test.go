package scim_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sso"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
	ssooidctypes "github.com/aws/aws-sdk-go-v2/service/ssooidc/types"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/authserver"
	"github.com/signet-auth/signet/internal/testenv"
)

const (
	ruleAccount = "111122223333"
	ruleRole    = "Developer"
	password    = "scim provisioned person's passphrase 7"
)

// live is one provisioned person's live sessions: an SSO OIDC session
// (as `aws sso login` gets it) and a signed-in browser.
type live struct {
	client  authserver.IssuedClient
	tokens  authserver.TokenResponse
	browser *testenv.Browser
}

// signIn gives the provisioned user with SCIM id scimID a password (as an
// administrator can) and opens both kinds of session.
func signIn(t *testing.T, c *scimClient, scimID string) live {
	t.Helper()
	ctx := context.Background()
	u, err := c.e.Stores.SCIM.GetSCIMUser(ctx, "okta", scimID)
	if err != nil {
		t.Fatal(err)
	}
	e := c.e
	if err := e.Engine.SetPassword(ctx, u.User.ID, password); err != nil {
		t.Fatal(err)
	}
	cl, err := e.Engine.RegisterClient(ctx, authserver.Registration{ClientName: "scim-test", ClientType: "public",
		Scopes: []string{"sso:account:access"}})
	if err != nil {
		t.Fatal(err)
	}
	d, err := e.Engine.StartDevice(ctx, signet.ProtocolSSOOIDC, cl.Client.ID, []string{"sso:account:access"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Engine.ApproveDevice(ctx, d.UserCode, u.User.ID); err != nil {
		t.Fatal(err)
	}
	tok, err := e.Engine.Token(ctx, authserver.TokenRequest{Protocol: signet.ProtocolSSOOIDC, GrantType: signet.GrantDeviceCode,
		Client: authserver.ClientSecret{ID: cl.Client.ID, Secret: cl.Secret}, DeviceCode: d.DeviceCode})
	if err != nil {
		t.Fatal(err)
	}
	b := e.Browser(t)
	b.SignInAs(u.User.Name, password, "")
	if !b.SignedIn() {
		t.Fatal("the browser did not sign in")
	}
	return live{client: cl, tokens: tok, browser: b}
}

// refresh refreshes the SSO OIDC session with the real SDK client.
func (l *live) refresh(c *scimClient) error {
	out, err := ssooidc.New(ssooidc.Options{Region: testenv.Region, BaseEndpoint: aws.String(c.e.URL), RetryMaxAttempts: 1}).
		CreateToken(context.Background(), &ssooidc.CreateTokenInput{ClientId: aws.String(l.client.Client.ID),
			ClientSecret: aws.String(l.client.Secret), GrantType: aws.String("refresh_token"),
			RefreshToken: aws.String(l.tokens.RefreshToken)})
	if err == nil {
		l.tokens.AccessToken, l.tokens.RefreshToken = aws.ToString(out.AccessToken), aws.ToString(out.RefreshToken)
	}
	return err
}

// roles lists the roles the portal gives the access token in ruleAccount.
func (l *live) roles(c *scimClient) ([]string, error) {
	out, err := sso.New(sso.Options{Region: testenv.Region, BaseEndpoint: aws.String(c.e.URL), RetryMaxAttempts: 1}).
		ListAccountRoles(context.Background(), &sso.ListAccountRolesInput{AccessToken: aws.String(l.tokens.AccessToken),
			AccountId: aws.String(ruleAccount)})
	if err != nil {
		return nil, err
	}
	var names []string
	for _, r := range out.RoleList {
		names = append(names, aws.ToString(r.RoleName))
	}
	return names, nil
}

const patchOp = `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[%s]}`

// FD-05: a scripted provisioning run as Okta and Entra ID send it, with
// the effect of each step on live sessions: a group rule gives a SCIM
// group's members their role, leaving the group takes it away at the next
// call, deactivation (Entra's "active":"False") and DELETE end every
// token session and browser session at once.
func TestFD05_ProvisioningRunEndsSessions(t *testing.T) {
	c := newSCIM(t)
	ctx := context.Background()
	if err := c.e.Stores.Federation.AddGroupRule(ctx, signet.GroupRule{Group: "aws-dev", AccountID: ruleAccount, RoleName: ruleRole}); err != nil {
		t.Fatal(err)
	}
	ada := id(c.must(201, "POST", "/Users", user("ada@example.com", "00u1")))
	bob := id(c.must(201, "POST", "/Users", user("bob@example.com", "00u2")))
	// Okta: the user exists? (filter), then the group, then members by PATCH.
	if m := c.must(200, "GET", `/Users?filter=`+urlq(`userName eq "ada@example.com"`)+`&startIndex=1&count=100`, ""); m["totalResults"] != 1.0 {
		t.Fatalf("Okta's lookup by userName: %v", m)
	}
	g := id(c.must(201, "POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"aws-dev","members":[]}`))
	c.must(200, "PATCH", "/Groups/"+g, fmt.Sprintf(patchOp,
		`{"op":"add","path":"members","value":[{"value":"`+ada+`","display":"ada@example.com"},{"value":"`+bob+`","display":"bob@example.com"}]}`))

	la, lb := signIn(t, c, ada), signIn(t, c, bob)
	for name, l := range map[string]*live{"ada": &la, "bob": &lb} {
		if roles, err := l.roles(c); err != nil || !slices.Contains(roles, ruleRole) {
			t.Fatalf("%s in aws-dev: roles %v, %v; want %s", name, roles, err, ruleRole)
		}
	}

	// Entra ID removes bob from the group: his role is gone at his next
	// call, his sessions live on.
	c.must(200, "PATCH", "/Groups/"+g, fmt.Sprintf(patchOp, `{"op":"Remove","path":"members","value":[{"value":"`+bob+`"}]}`))
	if roles, err := lb.roles(c); err != nil || slices.Contains(roles, ruleRole) {
		t.Errorf("bob out of aws-dev: roles %v, %v; want no %s", roles, err, ruleRole)
	}
	if err := lb.refresh(c); err != nil {
		t.Errorf("bob's refresh after leaving a group: %v", err)
	}
	if roles, _ := la.roles(c); !slices.Contains(roles, ruleRole) {
		t.Errorf("ada lost %s when bob left", ruleRole)
	}

	// Entra ID deactivates ada.
	m := c.must(200, "PATCH", "/Users/"+ada, fmt.Sprintf(patchOp, `{"op":"Replace","path":"active","value":"False"}`))
	if m["active"] != false {
		t.Errorf("after deactivation: %v", m)
	}
	ended(t, c, "ada deactivated", &la)
	// Ended, not suspended: making her active again revives none of them.
	c.must(200, "PATCH", "/Users/"+ada, fmt.Sprintf(patchOp, `{"op":"replace","value":{"active":true}}`))
	ended(t, c, "ada reactivated", &la)

	// Okta deletes bob.
	c.must(204, "DELETE", "/Users/"+bob, "")
	ended(t, c, "bob deleted", &lb)
	// The signet user is kept, disabled; an administrator enabling it
	// again revives none of the sessions either.
	u, err := c.e.Stores.Users.GetUserByName(ctx, "bob@example.com")
	if err != nil || !u.Disabled {
		t.Fatalf("the deleted user's signet user: %+v, %v; want kept and disabled", u, err)
	}
	if err := c.e.Engine.SetDisabled(ctx, u.ID, false); err != nil {
		t.Fatal(err)
	}
	ended(t, c, "bob deleted, then enabled", &lb)
	status, em := c.do("GET", "/Users/"+bob, "")
	isSCIMError(t, "GET of a deleted user", status, em, 404, "")
}

// ended asserts that every session of l is over: the refresh is refused
// by the real SDK, the access token by the portal, and the browser is
// signed out.
func ended(t *testing.T, c *scimClient, what string, l *live) {
	t.Helper()
	var ig *ssooidctypes.InvalidGrantException
	if err := l.refresh(c); !errors.As(err, &ig) {
		t.Errorf("%s: refresh = %v, want InvalidGrantException", what, err)
	}
	if _, err := l.roles(c); err == nil {
		t.Errorf("%s: the portal still accepts the access token", what)
	}
	if l.browser.SignedIn() {
		t.Errorf("%s: the browser session lives on", what)
	}
}
