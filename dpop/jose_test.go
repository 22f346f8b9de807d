package dpop

import (
	"crypto"
	"crypto/elliptic"
	"encoding/json"
	"testing"

	"github.com/go-jose/go-jose/v4"
)

// TestEveryAlgorithm checks each supported alg in both directions against
// an independent JOSE implementation: proofs go-jose signs verify here,
// proofs NewProof builds verify here and in go-jose, and both compute the
// same RFC 7638 thumbprint.
func TestEveryAlgorithm(t *testing.T) {
	rsa := rsaKey(t, 2048)
	v := newVerifier(t, func(o *Options) { o.Algorithms = []string{ES256, ES384, ES512, EdDSA, PS256, RS256} })
	cases := []struct {
		alg string
		key crypto.Signer
	}{
		{ES256, newECKey(t, elliptic.P256())},
		{ES384, newECKey(t, elliptic.P384())},
		{ES512, newECKey(t, elliptic.P521())},
		{EdDSA, ed25519Key(t)},
		{PS256, rsa},
		{RS256, rsa},
	}
	for _, tc := range cases {
		t.Run(tc.alg, func(t *testing.T) {
			alg := jose.SignatureAlgorithm(tc.alg)
			signer, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: tc.key},
				(&jose.SignerOptions{EmbedJWK: true}).WithType("dpop+jwt"))
			if err != nil {
				t.Fatal(err)
			}
			claims, _ := json.Marshal(map[string]any{"jti": "jose-" + tc.alg, "htm": "POST", "htu": testURL, "iat": t0.Unix()})
			jws, err := signer.Sign(claims)
			if err != nil {
				t.Fatal(err)
			}
			compact, err := jws.CompactSerialize()
			if err != nil {
				t.Fatal(err)
			}
			p := mustVerify(t, v, request(compact))

			jwk := jose.JSONWebKey{Key: tc.key.Public()}
			sum, err := jwk.Thumbprint(crypto.SHA256)
			if err != nil {
				t.Fatal(err)
			}
			if p.JKT != encodeB64(sum) {
				t.Errorf("jkt %s, go-jose thumbprint %s", p.JKT, encodeB64(sum))
			}

			ours := proofFor(t, tc.key, "ours-"+tc.alg, WithAlgorithm(tc.alg))
			if q := mustVerify(t, v, request(ours)); q.JKT != p.JKT {
				t.Errorf("jkt %s from NewProof, %s from go-jose", q.JKT, p.JKT)
			}
			parsed, err := jose.ParseSignedCompact(ours, []jose.SignatureAlgorithm{alg})
			if err != nil {
				t.Fatal(err)
			}
			embedded := parsed.Signatures[0].Protected.JSONWebKey
			if embedded == nil {
				t.Fatal("go-jose found no jwk")
			}
			if _, err := parsed.Verify(embedded); err != nil {
				t.Errorf("go-jose refuses NewProof's signature: %v", err)
			}
		})
	}
}
