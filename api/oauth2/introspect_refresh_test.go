package oauth2_test

import (
	"context"
	"net/url"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/signet-auth/signet/internal/testenv"
)

// RFC 7662 introspection of refresh tokens obtained with golang.org/x/oauth2:
// active, with the session's fields and the refresh token's own end, for
// the client it was issued to, with and without token_type_hint; inactive,
// and nothing more, once rotated out, revoked, expired, or when another
// client asks (catalogue SD-01: no oracle for other clients' tokens).
func TestSD01_IntrospectRefreshTokens(t *testing.T) {
	e := newEnv(t, testenv.Options{})
	a, b := webClient(t, e), webClient(t, e)
	ctx := context.Background()
	cfg := config(e, a, "openid", "profile")
	obtain := func() *oauth2.Token {
		t.Helper()
		verifier := oauth2.GenerateVerifier()
		code := authorize(t, e, cfg.AuthCodeURL("st", oauth2.S256ChallengeOption(verifier)))
		tok, err := cfg.Exchange(ctx, code, oauth2.VerifierOption(verifier))
		if err != nil || tok.RefreshToken == "" {
			t.Fatalf("exchange: %+v %v", tok, err)
		}
		return tok
	}
	ask := func(caller string, token, hint string) reply {
		t.Helper()
		c := a
		if caller == "b" {
			c = b
		}
		f := secretAuth(url.Values{"token": {token}}, c)
		if hint != "" {
			f.Set("token_type_hint", hint)
		}
		return post(t, e, "/oauth2/introspect", f)
	}
	inactiveOnly := func(t *testing.T, r reply) {
		t.Helper()
		if r.Status != 200 || r.Raw != `{"active":false}` {
			t.Fatalf("got %d %s, want exactly {\"active\":false}", r.Status, r.Raw)
		}
	}

	tok := obtain()
	for _, hint := range []string{"", "refresh_token", "access_token"} {
		t.Run("live, hint "+hint, func(t *testing.T) {
			r := ask("a", tok.RefreshToken, hint)
			want := e.Clock.Now().Add(e.Engine.Lifetimes().Session).Unix()
			if r.Status != 200 || r.Body["active"] != true || r.str("client_id") != a.Client.ID || r.str("sub") != e.User.ID ||
				r.str("username") != testenv.UserName || r.str("scope") != "openid profile" || r.str("iss") != e.URL ||
				int64(r.Body["exp"].(float64)) != want || r.Body["token_type"] != nil {
				t.Fatalf("got %d %s (want exp %d)", r.Status, r.Raw, want)
			}
		})
	}
	t.Run("SD-01/another client's live refresh token", func(t *testing.T) {
		inactiveOnly(t, ask("b", tok.RefreshToken, "refresh_token"))
	})

	// x/oauth2's TokenSource, holding only the refresh token, rotates it;
	// the old one is inactive at once, the new one active.
	next, err := cfg.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
	if err != nil || next.RefreshToken == tok.RefreshToken {
		t.Fatalf("refresh: %+v %v", next, err)
	}
	t.Run("SD-01/rotated out", func(t *testing.T) { inactiveOnly(t, ask("a", tok.RefreshToken, "refresh_token")) })
	if r := ask("a", next.RefreshToken, ""); r.Body["active"] != true {
		t.Fatalf("successor: %s", r.Raw)
	}

	t.Run("SD-01/revoked", func(t *testing.T) {
		tok := obtain()
		if r := post(t, e, "/oauth2/revoke", secretAuth(url.Values{"token": {tok.AccessToken}}, a)); r.Status != 200 {
			t.Fatalf("revoke: %d %s", r.Status, r.Raw)
		}
		inactiveOnly(t, ask("a", tok.RefreshToken, "refresh_token"))
	})
	t.Run("SD-01/expired", func(t *testing.T) {
		tok := obtain()
		e.Clock.Add(e.Engine.Lifetimes().Session + time.Second)
		inactiveOnly(t, ask("a", tok.RefreshToken, ""))
	})
}
