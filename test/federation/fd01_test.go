package federation

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/signet-auth/signet"
)

// TestFD01_IDTokenChecks: an ID token with a wrong issuer or audience, one
// that has expired, one with another nonce, unsigned (alg none), MACed
// with the client secret (HS256), signed under a kid the provider does not
// publish, or by another key under its kid: each login is refused with the
// one generic page, nothing is provisioned, and the reason is in the log
// (OIDC Core §3.1.3.7; RFC 8725). A valid token from the same provider
// signs in, so the refusals are the checks' doing.
func TestFD01_IDTokenChecks(t *testing.T) {
	e := newEnv(t)
	h := startHostile(t, "signet-fd01", "hostile-client-secret-0123456789abcdef")
	e.addIdP(t, "hostile", h.URL, h.ClientID, h.Secret)

	for _, tc := range []struct {
		name   string
		token  func(t *testing.T, nonce string, now time.Time) string
		reason string // in the log
	}{
		{"FD-01/WrongIssuer", func(t *testing.T, n string, now time.Time) string {
			c := h.claims(n, now)
			c["iss"] = "https://accounts.other.example"
			return sign(t, c, jose.ES256, h.key, "k1")
		}, "different provider"},
		{"FD-01/WrongAudience", func(t *testing.T, n string, now time.Time) string {
			c := h.claims(n, now)
			c["aud"] = "another-client"
			return sign(t, c, jose.ES256, h.key, "k1")
		}, "audience"},
		{"FD-01/Expired", func(t *testing.T, n string, now time.Time) string {
			c := h.claims(n, now)
			c["iat"], c["exp"] = now.Add(-time.Hour).Unix(), now.Add(-time.Minute).Unix()
			return sign(t, c, jose.ES256, h.key, "k1")
		}, "expired"},
		{"FD-01/NonceMismatch", func(t *testing.T, n string, now time.Time) string {
			return sign(t, h.claims("a-nonce-of-another-login", now), jose.ES256, h.key, "k1")
		}, "nonce"},
		{"FD-01/AlgNone", func(t *testing.T, n string, now time.Time) string {
			return unsigned(h.claims(n, now))
		}, "ID token"},
		{"FD-01/HS256WithClientSecret", func(t *testing.T, n string, now time.Time) string {
			return sign(t, h.claims(n, now), jose.HS256, []byte(h.Secret), "k1")
		}, "ID token"},
		{"FD-01/UnknownKid", func(t *testing.T, n string, now time.Time) string {
			return sign(t, h.claims(n, now), jose.ES256, h.other, "k9")
		}, "ID token"},
		{"FD-01/OtherKeyUnderKnownKid", func(t *testing.T, n string, now time.Time) string {
			return sign(t, h.claims(n, now), jose.ES256, h.other, "k1")
		}, "ID token"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h.setIDToken(func(nonce string) string { return tc.token(t, nonce, e.Clock.Now()) })
			users := userCount(t, e)
			before := len(e.log.String())
			p := newBrowser(t).follow(e.URL+"/login/federated/hostile", nil)
			if p.Status != http.StatusBadRequest || !strings.Contains(p.Body, "could not be completed") {
				t.Fatalf("callback answered %d at %s:\n%s", p.Status, p.URL, p.Body)
			}
			if n := userCount(t, e); n != users {
				t.Errorf("users %d → %d: a refused login provisioned someone", users, n)
			}
			_, err := e.Stores.Federation.GetIdentity(context.Background(), "hostile", "evil-sub-1")
			if !errors.Is(err, signet.ErrNotFound) {
				t.Errorf("identity after a refused login: %v", err)
			}
			logged := e.log.String()[before:]
			if !strings.Contains(logged, "upstream login refused") || !strings.Contains(logged, tc.reason) {
				t.Errorf("log lacks the refusal (%q):\n%s", tc.reason, logged)
			}
		})
	}

	t.Run("a valid token signs in", func(t *testing.T) {
		h.setIDToken(func(nonce string) string { return sign(t, h.claims(nonce, e.Clock.Now()), jose.ES256, h.key, "k1") })
		p := newBrowser(t).follow(e.URL+"/login/federated/hostile", nil)
		if p.Status != http.StatusOK || !strings.Contains(p.Body, "mallory") {
			t.Fatalf("%d at %s:\n%s\n%s", p.Status, p.URL, p.Body, e.log.String())
		}
	})
}
