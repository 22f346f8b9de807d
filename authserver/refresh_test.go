package authserver

import (
	"testing"
	"time"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/secret"
)

func TestRefreshRotates(t *testing.T) {
	f := newFixture(t)
	c, u := f.ssoClient(), f.user("alice")
	first := f.login(c, u)
	f.clock.Add(time.Minute)
	next := f.token(f.refreshRequest(c, first.RefreshToken))
	if next.RefreshToken == first.RefreshToken || next.AccessToken == first.AccessToken || next.Seed == first.Seed {
		t.Fatal("refresh did not rotate")
	}
	if next.Tokens.Generation != 1 || next.Retry || next.Session.ID != first.Session.ID {
		t.Fatalf("generation %d retry %v", next.Tokens.Generation, next.Retry)
	}
	if !secret.WellFormed(next.RefreshToken, secret.PrefixSSORefresh) {
		t.Fatalf("successor prefix: %q", next.RefreshToken)
	}
	if f.obs.count(signet.ProtocolSSOOIDC, signet.GrantRefreshToken) != 1 {
		t.Fatal("observer not told")
	}
}

// RT-01: a rotated-out SSO refresh token presented after the grace window
// revokes the whole family.
func TestRT01_ReuseAfterGraceRevokesFamily(t *testing.T) {
	f := newFixture(t)
	c, u := f.ssoClient(), f.user("alice")
	first := f.login(c, u)
	next := f.token(f.refreshRequest(c, first.RefreshToken))
	f.clock.Add(5 * time.Second) // grace is [rotation, rotation+5 s)
	_, err := f.srv.Token(f.ctx, f.refreshRequest(c, first.RefreshToken))
	wantErr(t, err, signet.CodeInvalidGrant, signet.ReasonReuseDetected)
	_, err = f.srv.Token(f.ctx, f.refreshRequest(c, next.RefreshToken))
	wantErr(t, err, signet.CodeInvalidGrant, signet.ReasonTokenExpired)
	if f.active(next.AccessToken) || f.active(first.AccessToken) {
		t.Fatal("an access token of a revoked family is active")
	}
}

// RT-02: a retry with the previous token inside the grace window gets the
// same successor back; the previous access token stays inactive; nothing is
// revoked.
func TestRT02_RetryWithinGrace(t *testing.T) {
	f := newFixture(t)
	c, u := f.ssoClient(), f.user("alice")
	first := f.login(c, u)
	next := f.token(f.refreshRequest(c, first.RefreshToken))
	f.clock.Add(5*time.Second - time.Millisecond)
	again := f.token(f.refreshRequest(c, first.RefreshToken))
	if !again.Retry || again.RefreshToken != next.RefreshToken || again.AccessToken != next.AccessToken || again.Seed != next.Seed {
		t.Fatalf("retry gave a different set (retry=%v)", again.Retry)
	}
	if again.ExpiresIn != next.ExpiresIn-(5*time.Second-time.Millisecond) {
		t.Fatalf("retry ExpiresIn %v, want the remaining life of the same token", again.ExpiresIn)
	}
	if f.active(first.AccessToken) {
		t.Fatal("rotated-out access token still active")
	}
	if !f.active(next.AccessToken) {
		t.Fatal("successor access token inactive after a retry")
	}
	if f.obs.count(signet.ProtocolSSOOIDC, signet.GrantRefreshToken) != 1 {
		t.Fatal("a retry counted as a new grant")
	}
	f.token(f.refreshRequest(c, next.RefreshToken)) // the family lives on
}

// RT-03: Sign-In refresh is idempotent for the access-token lifetime: the
// same DPoP-bound token refreshed again and again gives one consistent
// result and revokes nothing.
func TestRT03_SignInRefreshIdempotent(t *testing.T) {
	f := newFixture(t)
	c, u := f.signInClient(), f.user("alice")
	first := f.loginDPoP(c, u, jktA)
	if first.ExpiresInSeconds() != 900 || !secret.WellFormed(first.RefreshToken, secret.PrefixSignInRefresh) {
		t.Fatalf("Sign-In first set: %v %q", first.ExpiresIn, first.RefreshToken)
	}
	r := f.refreshRequest(c, first.RefreshToken)
	r.DPoPJKT = jktA
	f.clock.Add(10 * time.Second)
	want := f.token(r)
	for _, step := range []time.Duration{time.Second, time.Minute, 10 * time.Minute, 900*time.Second - 10*time.Minute - time.Minute - time.Second - time.Millisecond} {
		f.clock.Add(step)
		got := f.token(r)
		if got.RefreshToken != want.RefreshToken || got.Seed != want.Seed || got.Tokens.Generation != want.Tokens.Generation {
			t.Fatalf("after +%v: forked lineage", step)
		}
		if s := got.ExpiresInSeconds(); s < 1 || s > 900 {
			t.Fatalf("expiresIn %d", s)
		}
	}
	f.token(TokenRequest{Protocol: signet.ProtocolSignIn, GrantType: signet.GrantRefreshToken, Client: PublicClient{ID: signInID},
		RefreshToken: want.RefreshToken, DPoPJKT: jktA})
}

// RT-04: a refresh token past its end fails, even inside a grace window.
func TestRT04_ExpiredRefreshToken(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.Lifetimes.Session = time.Minute })
	c, u := f.ssoClient(), f.user("alice")
	first := f.login(c, u)
	f.clock.Add(time.Minute - 2*time.Second)
	next := f.token(f.refreshRequest(c, first.RefreshToken))
	if !next.Tokens.RefreshExpiresAt.Equal(next.Session.ExpiresAt) || next.ExpiresIn != 2*time.Second {
		t.Fatalf("successor outlives its session: %v, expires in %v", next.Tokens.RefreshExpiresAt, next.ExpiresIn)
	}
	f.clock.Add(2*time.Second - time.Millisecond)
	f.token(f.refreshRequest(c, first.RefreshToken)) // just inside: grace retry works
	f.clock.Add(time.Millisecond)                    // at the session's end; grace still open
	_, err := f.srv.Token(f.ctx, f.refreshRequest(c, first.RefreshToken))
	wantErr(t, err, signet.CodeInvalidGrant, signet.ReasonTokenExpired)
	_, err = f.srv.Token(f.ctx, f.refreshRequest(c, next.RefreshToken))
	wantErr(t, err, signet.CodeInvalidGrant, signet.ReasonTokenExpired)
}

// RT-05: client B cannot use A's token, and A's token keeps working; A with
// a wrong secret is invalid_client.
func TestRT05_RefreshBoundToClient(t *testing.T) {
	f := newFixture(t)
	a, b, u := f.ssoClient(), f.ssoClient(), f.user("alice")
	first := f.login(a, u)
	stolen := f.refreshRequest(b, first.RefreshToken)
	_, err := f.srv.Token(f.ctx, stolen)
	wantErr(t, err, signet.CodeInvalidGrant, signet.ReasonClientMismatch)
	wrong := f.refreshRequest(a, first.RefreshToken)
	wrong.Client = ClientSecret{ID: a.Client.ID, Secret: b.Secret}
	_, err = f.srv.Token(f.ctx, wrong)
	wantErr(t, err, signet.CodeInvalidClient, "")
	f.token(f.refreshRequest(a, first.RefreshToken))
}

// RT-06: a wider scope is invalid_scope and changes nothing; a narrower one
// is granted.
func TestRT06_RefreshScope(t *testing.T) {
	f := newFixture(t)
	c, u := f.ssoClient(), f.user("alice")
	first := f.login(c, u, func(r *AuthorizeRequest) { r.Scopes = []string{"sso:account:access"} })
	for _, scopes := range [][]string{{"openid"}, {"sso:account:access", "openid"}, {"admin"}} {
		r := f.refreshRequest(c, first.RefreshToken)
		r.Scopes = scopes
		_, err := f.srv.Token(f.ctx, r)
		wantErr(t, err, signet.CodeInvalidScope, "")
	}
	r := f.refreshRequest(c, first.RefreshToken)
	r.Scopes = []string{"sso:account:access"}
	if got := f.token(r); len(got.Scopes) != 1 || got.Scopes[0] != "sso:account:access" {
		t.Fatalf("scopes %v", got.Scopes)
	}
}

// RT-07: a password change after the session began, or a disabled user,
// fails the next refresh.
func TestRT07_SecurityEvents(t *testing.T) {
	f := newFixture(t)
	c, u := f.ssoClient(), f.user("alice")
	first := f.login(c, u)
	f.clock.Add(time.Second)
	if err := f.srv.SetPassword(f.ctx, u.ID, "another good password"); err != nil {
		t.Fatal(err)
	}
	_, err := f.srv.Token(f.ctx, f.refreshRequest(c, first.RefreshToken))
	wantErr(t, err, signet.CodeInvalidGrant, signet.ReasonCredentialsChanged)

	second := f.login(c, u) // a login after the change is fine
	f.token(f.refreshRequest(c, second.RefreshToken))

	v := f.user("victor")
	s := f.login(c, v)
	if err := f.srv.SetDisabled(f.ctx, v.ID, true); err != nil {
		t.Fatal(err)
	}
	_, err = f.srv.Token(f.ctx, f.refreshRequest(c, s.RefreshToken))
	wantErr(t, err, signet.CodeInvalidGrant, signet.ReasonUserDisabled)
	if err := f.srv.SetDisabled(f.ctx, v.ID, false); err != nil {
		t.Fatal(err)
	}
	f.token(f.refreshRequest(c, s.RefreshToken)) // refused refreshes changed nothing
}

// DP-01, DP-02 (engine side): a DPoP-bound session refuses a refresh without
// a proof or with another key's, and the token keeps working for its key.
func TestRefreshDPoPBinding(t *testing.T) {
	f := newFixture(t)
	c, u := f.signInClient(), f.user("alice")
	first := f.loginDPoP(c, u, jktA)
	for _, jkt := range []string{"", jktB} {
		r := f.refreshRequest(c, first.RefreshToken)
		r.DPoPJKT = jkt
		_, err := f.srv.Token(f.ctx, r)
		wantErr(t, err, signet.CodeInvalidDPoPProof, signet.ReasonDPoPKeyMismatch)
	}
	r := f.refreshRequest(c, first.RefreshToken)
	r.DPoPJKT = jktA
	if got := f.token(r); got.Retry || got.Tokens.Generation != 1 {
		t.Fatalf("refused refreshes changed the family: generation %d", got.Tokens.Generation)
	}
}

func TestRefreshMalformedAndCrossProtocol(t *testing.T) {
	f := newFixture(t)
	c, u := f.ssoClient(), f.user("alice")
	first := f.login(c, u)
	for _, rt := range []string{"garbage", first.RefreshToken[:len(first.RefreshToken)-1], first.AccessToken,
		secret.PrefixOAuthRefresh + first.RefreshToken[3:]} {
		_, err := f.srv.Token(f.ctx, f.refreshRequest(c, rt))
		wantErr(t, err, signet.CodeInvalidGrant, signet.ReasonTokenExpired)
	}
	r := f.refreshRequest(c, first.RefreshToken)
	r.Protocol = signet.ProtocolOAuth2 // an SSO token at the OAuth 2.0 endpoint
	_, err := f.srv.Token(f.ctx, r)
	wantErr(t, err, signet.CodeInvalidGrant, signet.ReasonTokenExpired)
	f.token(f.refreshRequest(c, first.RefreshToken))
}
