package bench

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"time"
)

// prover makes DPoP proofs (RFC 9449 §4.2) with one ES256 key: the
// client-side cost of every Sign-In call, paid by the load generator as a
// real client would.
type prover struct {
	key    *ecdsa.PrivateKey
	header string // base64url of the protected header, the same for every proof
	rand   io.Reader
}

func newProver(rand io.Reader) (*prover, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand)
	if err != nil {
		return nil, err
	}
	pub, err := key.PublicKey.Bytes() // 0x04 || X || Y
	if err != nil {
		return nil, err
	}
	h, err := json.Marshal(map[string]any{
		"typ": "dpop+jwt", "alg": "ES256",
		"jwk": map[string]string{
			"kty": "EC", "crv": "P-256",
			"x": base64.RawURLEncoding.EncodeToString(pub[1:33]),
			"y": base64.RawURLEncoding.EncodeToString(pub[33:65]),
		},
	})
	if err != nil {
		return nil, err
	}
	return &prover{key: key, header: base64.RawURLEncoding.EncodeToString(h), rand: rand}, nil
}

// proof signs a proof for method and htu at now, carrying nonce if the
// server asked for one.
func (p *prover) proof(method, htu, nonce string, now time.Time) (string, error) {
	var jti [16]byte
	if _, err := io.ReadFull(p.rand, jti[:]); err != nil {
		return "", err
	}
	claims := map[string]any{
		"jti": base64.RawURLEncoding.EncodeToString(jti[:]),
		"htm": method, "htu": htu, "iat": now.Unix(),
	}
	if nonce != "" {
		claims["nonce"] = nonce
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	input := p.header + "." + base64.RawURLEncoding.EncodeToString(payload)
	sum := sha256.Sum256([]byte(input))
	r, s, err := ecdsa.Sign(p.rand, p.key, sum[:])
	if err != nil {
		return "", err
	}
	// JWS ES256 is R || S, each left-padded to 32 bytes (RFC 7518 §3.4).
	var sig [64]byte
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return input + "." + base64.RawURLEncoding.EncodeToString(sig[:]), nil
}
