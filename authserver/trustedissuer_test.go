package authserver

import (
	"slices"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"
)

// FuzzParseTrustedAssertion: the trusted-issuer assertion parser never
// panics, and what it accepts has an allowed algorithm, iss, sub, aud, exp
// and at most a bounded jti.
func FuzzParseTrustedAssertion(f *testing.F) {
	f.Add("eyJhbGciOiJFUzI1NiIsImtpZCI6ImsxIn0.eyJpc3MiOiJodHRwczovL2lkcCIsInN1YiI6InUiLCJhdWQiOiJhIiwiZXhwIjoyMDAwMDAwMDAwfQ.c2ln")
	f.Add("eyJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJodHRwczovL2lkcCIsInN1YiI6InUiLCJhdWQiOiJhIiwiZXhwIjoyMDAwMDAwMDAwfQ.c2ln")
	f.Add("eyJhbGciOiJub25lIn0.e30.")
	f.Add("a.b.c")
	f.Add("")
	f.Add(strings.Repeat("a", MaxTrustedAssertionLen+1))
	f.Fuzz(func(t *testing.T, s string) {
		a, err := parseTrustedAssertion(s)
		if err != nil {
			return
		}
		c := a.claims
		if c.Issuer == "" || c.Subject == "" || len(c.Audience) == 0 || c.Expiry == nil || len(c.ID) > maxJTILen || a.raw != s {
			t.Fatalf("accepted %+v", c)
		}
		if !slices.ContainsFunc(assertionAlgs(), func(alg jose.SignatureAlgorithm) bool { return string(alg) == a.alg }) {
			t.Fatalf("accepted alg %q", a.alg)
		}
	})
}

// FuzzParseTrustedIssuer: a --trusted-token-issuer value either parses into
// a complete issuer or is an error; it never panics.
func FuzzParseTrustedIssuer(f *testing.F) {
	f.Add("issuer=https://idp.example.com,audiences=a b,claim=email,match=name")
	f.Add("issuer=https://idp.example.com,audiences=a,jwks_url=https://idp.example.com/keys,match=id")
	f.Add("issuer=ftp://x,audiences=")
	f.Add("a=b=c,,")
	f.Fuzz(func(t *testing.T, s string) {
		ti, err := ParseTrustedIssuer(s)
		if err != nil {
			return
		}
		if ti.Issuer == "" || len(ti.Audiences) == 0 || ti.Claim == "" || (ti.Match != MatchName && ti.Match != MatchID) {
			t.Fatalf("accepted %+v", ti)
		}
	})
}

func TestParseTrustedIssuer(t *testing.T) {
	ti, err := ParseTrustedIssuer("issuer=https://idp.example.com, audiences=a b ,claim=email")
	if err != nil {
		t.Fatal(err)
	}
	if ti.Issuer != "https://idp.example.com" || !slices.Equal(ti.Audiences, []string{"a", "b"}) || ti.Claim != "email" || ti.Match != MatchName || ti.JWKSURL != "" {
		t.Fatalf("%+v", ti)
	}
	for _, bad := range []string{
		"",
		"issuer=https://idp.example.com",     // no audience
		"issuer=idp.example.com,audiences=a", // not a URL
		"issuer=https://idp.example.com,audiences=a,match=email", // unknown attribute
		"issuer=https://idp.example.com,audiences=a,jwks_url=file:///etc/keys",
		"issuer=https://idp.example.com,audiences=a,colour=blue",
		"issuer=https://idp.example.com,audiences=a,nonsense",
	} {
		if _, err := ParseTrustedIssuer(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
