package authserver

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/signet-auth/signet"
)

// FuzzParseAssertion: the client-assertion parser never panics, and what
// it accepts always names its client in both iss and sub, has an aud, an
// exp and a bounded jti.
func FuzzParseAssertion(f *testing.F) {
	f.Add("eyJhbGciOiJFUzI1NiIsImtpZCI6ImsxIn0.eyJpc3MiOiJjIiwic3ViIjoiYyIsImF1ZCI6Imh0dHBzOi8vYS9vYXV0aDIvdG9rZW4iLCJleHAiOjIwMDAwMDAwMDAsImp0aSI6IngifQ.c2ln")
	f.Add("eyJhbGciOiJub25lIn0.e30.")
	f.Add("a.b.c")
	f.Add("")
	f.Add(strings.Repeat("a", 9000))
	f.Fuzz(func(t *testing.T, s string) {
		a, err := parseAssertion(s)
		if err != nil {
			return
		}
		c := a.claims
		if c.Issuer == "" || c.Issuer != c.Subject || len(c.Audience) == 0 || c.Expiry == nil || c.ID == "" || len(c.ID) > maxJTILen {
			t.Fatalf("accepted %+v", c)
		}
	})
}

// CL-09: the engine's private_key_jwt rules. A fresh assertion for this
// server, signed by the client's key, authenticates it once; its jti
// replayed, another audience, an exp too far ahead or already reached,
// another client's id, a foreign key, or a client without keys is
// invalid_client.
func TestCL09_ClientAssertionRules(t *testing.T) {
	f := newKeyedFixture(t)
	c, key := f.jwtClient()
	other, _ := f.jwtClient()
	stranger, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	now := f.clock.Now()
	claims := func(jti string, mutate ...func(*jwt.Claims)) jwt.Claims {
		cl := jwt.Claims{Issuer: c.Client.ID, Subject: c.Client.ID, Audience: jwt.Audience{testIssuer + "/oauth2/token"},
			Expiry: jwt.NewNumericDate(now.Add(time.Minute)), IssuedAt: jwt.NewNumericDate(now), ID: jti}
		for _, m := range mutate {
			m(&cl)
		}
		return cl
	}
	auds := []string{testIssuer, testIssuer + "/oauth2/token"}
	auth := func(id, raw string) error {
		_, err := f.srv.AuthenticateClient(f.ctx, ClientAuth{Credential: ClientAssertion{ID: id, JWT: raw, Audiences: auds}})
		return err
	}
	good := f.assertion(key, claims("j1"))
	got, err := f.srv.AuthenticateClient(f.ctx, ClientAuth{Credential: ClientAssertion{JWT: good, Audiences: auds}})
	if err != nil || got.ID != c.Client.ID {
		t.Fatalf("good assertion: %v, %+v", err, got)
	}
	for name, raw := range map[string]string{
		"replayed jti":      good,
		"another audience":  f.assertion(key, claims("j2", func(c *jwt.Claims) { c.Audience = jwt.Audience{"https://elsewhere.example"} })),
		"exp too far ahead": f.assertion(key, claims("j3", func(c *jwt.Claims) { c.Expiry = jwt.NewNumericDate(now.Add(maxAssertionLife + time.Second)) })),
		"exp reached":       f.assertion(key, claims("j4", func(c *jwt.Claims) { c.Expiry = jwt.NewNumericDate(now) })),
		"iat in the future": f.assertion(key, claims("j5", func(c *jwt.Claims) { c.IssuedAt = jwt.NewNumericDate(now.Add(time.Minute)) })),
		"a key not its own": f.assertion(stranger, claims("j6")),
		"garbage":           "a.b.c",
	} {
		t.Run(name, func(t *testing.T) { wantErr(t, auth("", raw), signet.CodeInvalidClient, "") })
	}
	wantErr(t, auth(other.Client.ID, f.assertion(key, claims("j7"))), signet.CodeInvalidClient, "")
	keyless, err := f.srv.CreateClient(f.ctx, ClientSpec{Name: "k", Type: signet.ClientConfidential, GrantTypes: []string{signet.GrantClientCredentials}})
	if err != nil {
		t.Fatal(err)
	}
	wantErr(t, auth("", f.assertion(key, claims("j8", func(c *jwt.Claims) { c.Issuer, c.Subject = keyless.Client.ID, keyless.Client.ID }))),
		signet.CodeInvalidClient, "")
	// Without a key store private_key_jwt is off.
	plain := newFixture(t)
	_, err = plain.srv.AuthenticateClient(plain.ctx, ClientAuth{Credential: ClientAssertion{JWT: f.assertion(key, claims("j9")), Audiences: auds}})
	wantErr(t, err, signet.CodeInvalidClient, "")
}
