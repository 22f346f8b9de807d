package authserver

import (
	"testing"
	"time"

	"github.com/signet-auth/signet/internal/testsupport"
)

// CC-07: expiresIn stays within 1–900 s for Sign-In and never outlives the
// refresh token's session, and the expiry a node stores is the one it
// announces. Expiry is judged by each node's own clock (there is no shared
// time source), so the documented tolerance between nodes is their clock
// skew: a node 90 s ahead of the one that minted a token sees it end 90 s
// earlier, never later.
func TestCC07_ExpiresInBoundsAndSkew(t *testing.T) {
	var cfg Config
	f := newFixture(t, func(c *Config) {
		c.Lifetimes.Session = time.Hour
		c.Lifetimes.RefreshToken = time.Hour
		cfg = *c
	})
	si := f.signInClient()
	u := f.user("alice")
	const jkt = "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"
	first := f.loginDPoP(si, u, jkt)
	if s := first.ExpiresInSeconds(); s < 1 || s > 900 {
		t.Fatalf("expiresIn %d outside 1–900", s)
	}
	if got, want := first.Tokens.AccessExpiresAt, f.clock.Now().Add(first.ExpiresIn); !got.Equal(want) {
		t.Fatalf("stored expiry %v, announced %v", got, want)
	}

	// Ten minutes before the session ends, a refresh gets at most what is
	// left of the session, not the full 900 s.
	f.clock.Set(first.Session.ExpiresAt.Add(-10 * time.Minute))
	r := f.refreshRequest(si, first.RefreshToken)
	r.DPoPJKT = jkt
	next := f.token(r)
	if s := next.ExpiresInSeconds(); s < 1 || s > 600 {
		t.Fatalf("expiresIn %d near the session's end, want 1–600", s)
	}
	if next.Tokens.AccessExpiresAt.After(next.Session.ExpiresAt) {
		t.Fatalf("access expiry %v after the session's end %v", next.Tokens.AccessExpiresAt, next.Session.ExpiresAt)
	}

	// A second node on the same store whose clock runs 90 s ahead.
	ahead := testsupport.NewClock(f.clock.Now().Add(90 * time.Second))
	cfg.Clock = ahead
	other, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	live := func(s *Server) bool {
		_, err := s.LookupToken(f.ctx, TokenLookup{Token: next.AccessToken})
		return err == nil
	}
	if !live(f.srv) || !live(other) {
		t.Fatal("a fresh token is not live on both nodes")
	}
	// Just before the minting node's expiry: still live there, already
	// over on the node ahead — by exactly the skew, never the other way.
	end := next.Tokens.AccessExpiresAt
	f.clock.Set(end.Add(-time.Second))
	ahead.Set(end.Add(-time.Second).Add(90 * time.Second))
	if !live(f.srv) {
		t.Fatal("token dead on the minting node before its expiry")
	}
	if live(other) {
		t.Fatal("node ahead by 90 s still accepts a token past its own view of the expiry")
	}
	ahead.Set(end.Add(-91 * time.Second))
	if !live(other) {
		t.Fatal("node ahead rejects the token more than the skew early")
	}
}
