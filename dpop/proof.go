package dpop

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/asn1"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"time"
)

// ProofOption adjusts a proof NewProof builds.
type ProofOption func(*proofOptions)

type proofOptions struct {
	nonce, accessToken, alg string
	rand                    io.Reader
}

// WithNonce puts a server-provided nonce in the proof (RFC 9449 §8).
func WithNonce(nonce string) ProofOption { return func(o *proofOptions) { o.nonce = nonce } }

// WithAccessToken binds the proof to an access token through ath (RFC 9449
// §4.2), for requests to a resource server.
func WithAccessToken(token string) ProofOption {
	return func(o *proofOptions) { o.accessToken = token }
}

// WithAlgorithm picks the alg; the default follows the key: ES256, ES384 or
// ES512 by curve, PS256 for RSA, EdDSA for Ed25519.
func WithAlgorithm(alg string) ProofOption { return func(o *proofOptions) { o.alg = alg } }

// WithRandom sets the random source handed to the signer (default
// crypto/rand.Reader).
func WithRandom(r io.Reader) ProofOption { return func(o *proofOptions) { o.rand = r } }

// proofHeader and proofClaims give the member order the AWS CLI and SDKs
// use (signin.md §4); verifiers must not care.
type proofHeader struct {
	Typ string     `json:"typ"`
	Alg string     `json:"alg"`
	JWK jwkMembers `json:"jwk"`
}

type proofClaims struct {
	Htm   string `json:"htm"`
	Htu   string `json:"htu"`
	Iat   int64  `json:"iat"`
	Jti   string `json:"jti"`
	Nonce string `json:"nonce,omitempty"`
	Ath   string `json:"ath,omitempty"`
}

// NewProof returns a DPoP proof (RFC 9449 §4.2) for one request: the public
// half of key in the header, htm, htu, iat and jti in the payload (and nonce
// and ath when asked), signed by key. The jti must be unique per proof: a
// UUID or 128 random bits. Key may be any crypto.Signer over an ECDSA
// (P-256, P-384, P-521), RSA or Ed25519 key, so keys in an HSM or agent work.
func NewProof(key crypto.Signer, method, url string, iat time.Time, jti string, opts ...ProofOption) (string, error) {
	o := proofOptions{rand: rand.Reader}
	for _, opt := range opts {
		opt(&o)
	}
	pub := key.Public()
	if o.alg == "" {
		o.alg = defaultAlgorithm(pub)
	}
	a, ok := lookupAlgorithm(o.alg)
	if !ok {
		return "", fmt.Errorf("dpop: unsupported algorithm %q", o.alg)
	}
	if err := a.fits(pub); err != nil {
		return "", fmt.Errorf("%w (alg %s)", err, o.alg)
	}
	jwk, err := canonicalJWK(pub)
	if err != nil {
		return "", err
	}
	c := proofClaims{Htm: method, Htu: url, Iat: iat.Unix(), Jti: jti, Nonce: o.nonce}
	if o.accessToken != "" {
		sum := sha256.Sum256([]byte(o.accessToken))
		c.Ath = encodeB64(sum[:])
	}
	header, err := json.Marshal(proofHeader{Typ: typDPoP, Alg: o.alg, JWK: jwk})
	if err != nil {
		return "", err
	}
	payload, err := json.Marshal(c)
	if err != nil {
		return "", err
	}
	input := encodeB64(header) + "." + encodeB64(payload)
	sig, err := a.sign(key, input, o.rand)
	if err != nil {
		return "", fmt.Errorf("dpop: sign: %w", err)
	}
	return input + "." + encodeB64(sig), nil
}

func defaultAlgorithm(pub crypto.PublicKey) string {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		switch k.Curve.Params().Name {
		case "P-384":
			return ES384
		case "P-521":
			return ES512
		}
		return ES256
	case *rsa.PublicKey:
		return PS256
	case ed25519.PublicKey:
		return EdDSA
	}
	return ""
}

// sign signs input with key under a, giving the JWS signature encoding.
func (a algorithm) sign(key crypto.Signer, input string, random io.Reader) ([]byte, error) {
	if a.kty == "OKP" {
		return key.Sign(random, []byte(input), crypto.Hash(0))
	}
	h := a.hash.New()
	h.Write([]byte(input))
	digest := h.Sum(nil)
	switch a.kty {
	case "RSA":
		var opts crypto.SignerOpts = a.hash
		if a.pss {
			opts = &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: a.hash}
		}
		return key.Sign(random, digest, opts)
	}
	// A crypto.Signer over ECDSA answers ASN.1 DER; JWS wants r || s, each
	// left-padded to the curve size (RFC 7518 §3.4).
	der, err := key.Sign(random, digest, a.hash)
	if err != nil {
		return nil, err
	}
	var rs struct{ R, S *big.Int }
	if rest, err := asn1.Unmarshal(der, &rs); err != nil || len(rest) != 0 {
		return nil, errors.New("ECDSA signature is not ASN.1")
	}
	size := curveSize(a.curve)
	if rs.R.Sign() <= 0 || rs.S.Sign() <= 0 || rs.R.BitLen() > 8*size || rs.S.BitLen() > 8*size {
		return nil, errors.New("ECDSA signature out of range")
	}
	sig := make([]byte, 2*size)
	rs.R.FillBytes(sig[:size])
	rs.S.FillBytes(sig[size:])
	return sig, nil
}
