package authserver

import (
	"testing"
	"time"

	"github.com/signet-auth/signet"
)

// An access token is live strictly before AccessExpiresAt.
func TestAccessTokenExpiryBoundary(t *testing.T) {
	f := newFixture(t)
	c, u := f.ssoClient(), f.user("alice")
	resp := f.login(c, u)
	info, err := f.srv.LookupToken(f.ctx, TokenLookup{Token: resp.AccessToken})
	sess, gen := info.Session, info.Tokens
	if err != nil || sess.ID != resp.Session.ID || gen.Generation != 0 {
		t.Fatalf("lookup: %v", err)
	}
	f.clock.Add(time.Hour - time.Millisecond)
	if !f.active(resp.AccessToken) {
		t.Fatal("inactive just inside its lifetime")
	}
	f.clock.Add(time.Millisecond)
	_, err = f.srv.LookupToken(f.ctx, TokenLookup{Token: resp.AccessToken})
	wantErr(t, err, signet.CodeInvalidGrant, signet.ReasonTokenExpired)
}

func TestLookupAccessTokenRefusesOthers(t *testing.T) {
	f := newFixture(t)
	c, u := f.ssoClient(), f.user("alice")
	resp := f.login(c, u)
	for _, tok := range []string{resp.RefreshToken, "garbage", "sat_" + resp.AccessToken[3:], "ASOA" + resp.AccessToken[3:]} {
		_, err := f.srv.LookupToken(f.ctx, TokenLookup{Token: tok})
		wantErr(t, err, signet.CodeInvalidGrant, signet.ReasonTokenExpired)
	}
}

func TestRevokeToken(t *testing.T) {
	f := newFixture(t)
	a, b, u := f.ssoClient(), f.ssoClient(), f.user("alice")
	for _, pick := range []func(TokenResponse) string{
		func(r TokenResponse) string { return r.RefreshToken },
		func(r TokenResponse) string { return r.AccessToken },
	} {
		resp := f.login(a, u)
		tok := pick(resp)
		// Another client may not revoke it (SD-02) and nothing changes.
		wantErr(t, f.srv.RevokeToken(f.ctx, b.Client.ID, tok), signet.CodeUnauthorizedClient, "")
		if !f.active(resp.AccessToken) {
			t.Fatal("refused revocation changed the session")
		}
		if err := f.srv.RevokeToken(f.ctx, a.Client.ID, tok); err != nil {
			t.Fatal(err)
		}
		if f.active(resp.AccessToken) {
			t.Fatal("access token active after revocation")
		}
		_, err := f.srv.Token(f.ctx, f.refreshRequest(a, resp.RefreshToken))
		wantErr(t, err, signet.CodeInvalidGrant, signet.ReasonTokenExpired)
		if err := f.srv.RevokeToken(f.ctx, a.Client.ID, tok); err != nil {
			t.Fatalf("revoking twice: %v", err)
		}
	}
	for _, tok := range []string{"", "garbage", "aor" + "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"} {
		if err := f.srv.RevokeToken(f.ctx, a.Client.ID, tok); err != nil {
			t.Fatalf("unknown token: %v", err)
		}
	}
}

func TestRevokeAndListSessions(t *testing.T) {
	f := newFixture(t)
	c, u := f.ssoClient(), f.user("alice")
	one, two := f.login(c, u), f.login(c, u)
	if err := f.srv.RevokeSession(f.ctx, one.Session.ID); err != nil {
		t.Fatal(err)
	}
	wantErr(t, f.srv.RevokeSession(f.ctx, "nope"), signet.CodeNotFound, "")
	live, err := f.srv.ListSessions(f.ctx, signet.SessionFilter{UserID: u.ID, LiveOnly: true})
	if err != nil || len(live) != 1 || live[0].ID != two.Session.ID {
		t.Fatalf("live sessions %v, %v", live, err)
	}
	if f.active(one.AccessToken) || !f.active(two.AccessToken) {
		t.Fatal("revocation hit the wrong session")
	}
}
