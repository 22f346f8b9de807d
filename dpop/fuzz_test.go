package dpop

import (
	"context"
	"crypto/elliptic"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/signet-auth/signet"
)

// FuzzVerify feeds arbitrary DPoP header values to Verify. Whatever comes
// in, Verify must not panic, must refuse with invalid_dpop_proof (the store
// and the configured URL never fail here), and an accepted proof must carry
// the thumbprint of its key and be refused when replayed.
func FuzzVerify(f *testing.F) {
	key := newECKey(f, elliptic.P256())
	short := shortCoordinateKey(f)
	valid := proofFor(f, key, "seed")
	p := validParts(f, key, "parts")
	seeds := []string{
		valid,
		awsSDKProof(f, pemKey(f, short), testURL, t0),
		proofFor(f, key, "nonce", WithNonce("n"), WithAccessToken("at")),
		p.sign(f, key, ES256),
		"",
		".",
		"..",
		"a.b.c",
		valid + ".",
		valid[:len(valid)-2],
		strings.Replace(valid, ".", "", 1),
		`{"payload":"e30","protected":"e30","signature":""}`,
		"eyJhbGciOiJub25lIn0.e30.",
		strings.Repeat("A", MaxProofSize+1),
	}
	for _, edit := range []func(parts){
		func(p parts) { p.header["alg"] = "none" },
		func(p parts) { p.header["typ"] = "JWT" },
		func(p parts) { delete(p.header, "jwk") },
		func(p parts) { p.header["jwk"] = map[string]any{"kty": "EC", "crv": "P-256", "x": "AA", "y": "AA"} },
		func(p parts) { p.claims["iat"] = "now" },
		func(p parts) { p.claims["htu"] = "https://SIGNIN.example.test:443/v1/token?q#f" },
	} {
		q := validParts(f, key, "edit")
		edit(q)
		seeds = append(seeds, q.sign(f, key, ES256))
	}
	for _, s := range seeds {
		f.Add(s)
	}
	v := newVerifier(f)
	f.Fuzz(func(t *testing.T, header string) {
		r := request(header)
		p, err := v.Verify(context.Background(), r)
		if err != nil {
			if code := signet.ErrorCodeOf(err); code != signet.CodeInvalidDPoPProof {
				t.Fatalf("code %s: %v", code, err)
			}
			return
		}
		if len(header) > MaxProofSize {
			t.Fatalf("accepted a proof of %d bytes", len(header))
		}
		if jkt, err := KeyThumbprint(p.Key); err != nil || jkt != p.JKT {
			t.Fatalf("jkt %s for a key whose thumbprint is %s (%v)", p.JKT, jkt, err)
		}
		if p.JTI == "" || len(p.JTI) > maxJTILen || p.IssuedAt.Sub(t0).Abs() > time.Minute {
			t.Fatalf("accepted claims %+v", p)
		}
		if _, err := v.Verify(context.Background(), r); !errors.Is(err, errReplay) {
			t.Fatalf("replay gave %v", err)
		}
	})
}

// FuzzThumbprint feeds arbitrary JWKs to Thumbprint: no panic, and an
// accepted key's thumbprint is that of its canonical form.
func FuzzThumbprint(f *testing.F) {
	f.Add([]byte(rfc7638Key))
	f.Add([]byte(`{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}`))
	f.Add([]byte(`{"kty":"oct","k":"c2VjcmV0"}`))
	f.Add([]byte(`{"kty":"EC","crv":"P-256","x":"AA","y":"AA"}`))
	f.Add([]byte(`[]`))
	for _, c := range []elliptic.Curve{elliptic.P256(), elliptic.P384(), elliptic.P521()} {
		m, _ := canonicalJWK(&newECKey(f, c).PublicKey)
		f.Add([]byte(`{"kty":"EC","crv":"` + m.Crv + `","x":"` + m.X + `","y":"` + m.Y + `","kid":"k"}`))
	}
	m, _ := canonicalJWK(&shortCoordinateKey(f).PublicKey)
	f.Add([]byte(`{"kty":"EC","crv":"P-256","x":"` + m.X + `","y":"` + m.Y + `"}`))
	f.Fuzz(func(t *testing.T, jwk []byte) {
		jkt, err := Thumbprint(jwk)
		if err != nil {
			return
		}
		key, err := parseJWK(jwk)
		if err != nil {
			t.Fatalf("Thumbprint accepted what parseJWK refuses: %v", err)
		}
		c, err := canonicalJWK(key)
		if err != nil || c.thumbprint() != jkt {
			t.Fatalf("thumbprint %s differs from the canonical form's (%v)", jkt, err)
		}
	})
}
