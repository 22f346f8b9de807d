package authserver

import (
	"strings"
	"testing"
	"time"

	"github.com/signet-auth/signet"
)

// Only an administrator's confidential client may register the
// client_credentials grant (RFC 6749 §4.4; catalogue CL-07); public and
// dynamically registered clients may not.
func TestClientCredentialsOnlyForConfidentialClients(t *testing.T) {
	f := newFixture(t)
	cc := []string{signet.GrantClientCredentials}
	if _, err := f.srv.CreateClient(f.ctx, ClientSpec{Name: "svc", Type: signet.ClientConfidential, GrantTypes: cc}); err != nil {
		t.Fatalf("confidential: %v", err)
	}
	if _, err := f.srv.CreateClient(f.ctx, ClientSpec{Name: "app", Type: signet.ClientPublic, GrantTypes: cc}); signet.ErrorCodeOf(err) != signet.CodeUnsupportedGrantType {
		t.Errorf("public: %v", err)
	}
	if _, err := f.srv.RegisterClient(f.ctx, Registration{ClientName: "dyn", ClientType: "public", GrantTypes: cc}); signet.ErrorCodeOf(err) != signet.CodeUnsupportedGrantType {
		t.Errorf("dynamic: %v", err)
	}
}

// CL-07: the client_credentials grant is the engine's. A confidential
// client gets a self-contained token of its own scopes (narrowed on
// request, never widened), bound to a DPoP key when the request proved
// one; only the standard surface offers the grant.
func TestCL07_ClientCredentialsGrant(t *testing.T) {
	f := newKeyedFixture(t)
	c, err := f.srv.CreateClient(f.ctx, ClientSpec{Name: "svc", Type: signet.ClientConfidential,
		GrantTypes: []string{signet.GrantClientCredentials}, Scopes: []string{"read", "write"}})
	if err != nil {
		t.Fatal(err)
	}
	req := func(scopes ...string) TokenRequest {
		return TokenRequest{Protocol: signet.ProtocolOAuth2, GrantType: signet.GrantClientCredentials,
			Client: ClientSecret{ID: c.Client.ID, Secret: c.Secret}, Issuer: testIssuer, Scopes: scopes}
	}
	all := f.token(req())
	var claims AccessClaims
	if err := f.kr.VerifyJWT(all.AccessToken, &claims); err != nil {
		t.Fatal(err)
	}
	if claims.Issuer != testIssuer || claims.Audience != testIssuer || claims.ClientID != c.Client.ID || claims.Subject != c.Client.ID ||
		claims.Scope != "read write" || claims.TokenUse != TokenUseAccess || claims.Cnf != nil || claims.ID == "" ||
		claims.Expiry-claims.IssuedAt != int64(f.srv.Lifetimes().AccessToken/time.Second) || all.RefreshToken != "" {
		t.Fatalf("claims %+v, response %+v", claims, all)
	}
	bound := req("write", "write")
	bound.DPoPJKT = strings.Repeat("A", 43)
	narrow := f.token(bound)
	claims = AccessClaims{}
	if err := f.kr.VerifyJWT(narrow.AccessToken, &claims); err != nil {
		t.Fatal(err)
	}
	if claims.Scope != "write" || claims.Cnf == nil || claims.Cnf.JKT != bound.DPoPJKT || narrow.Session.DPoPJKT != bound.DPoPJKT {
		t.Fatalf("narrowed, bound: %+v", claims)
	}
	_, err = f.srv.Token(f.ctx, req("admin"))
	wantErr(t, err, signet.CodeInvalidScope, "")
	sso := req()
	sso.Protocol = signet.ProtocolSSOOIDC
	_, err = f.srv.Token(f.ctx, sso)
	wantErr(t, err, signet.CodeUnsupportedGrantType, "")
}
