package dpop

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"math/big"
	"strings"
)

// Signature algorithms a verifier may accept (RFC 7518 §3.1, RFC 8037 §3.1).
// There is deliberately no "none" and no HS*: a DPoP proof must be signed by
// the private half of the jwk it carries (RFC 9449 §4.3 step 5, §11.6).
const (
	ES256 = "ES256"
	ES384 = "ES384"
	ES512 = "ES512"
	PS256 = "PS256"
	RS256 = "RS256"
	EdDSA = "EdDSA"
)

// RSA key sizes accepted in a proof. 2048 bits is the floor of RFC 7518
// §3.3; the ceiling bounds the work a hostile proof can ask for.
const (
	minRSABits = 2048
	maxRSABits = 8192
)

// algorithm describes what an alg needs of the key and the signature.
type algorithm struct {
	kty   string         // "EC", "RSA" or "OKP"
	curve elliptic.Curve // EC only
	hash  crypto.Hash    // zero for EdDSA, which signs the message itself
	pss   bool
}

// lookupAlgorithm returns the description of a supported alg.
func lookupAlgorithm(alg string) (algorithm, bool) {
	switch alg {
	case ES256:
		return algorithm{kty: "EC", curve: elliptic.P256(), hash: crypto.SHA256}, true
	case ES384:
		return algorithm{kty: "EC", curve: elliptic.P384(), hash: crypto.SHA384}, true
	case ES512:
		return algorithm{kty: "EC", curve: elliptic.P521(), hash: crypto.SHA512}, true
	case RS256:
		return algorithm{kty: "RSA", hash: crypto.SHA256}, true
	case PS256:
		return algorithm{kty: "RSA", hash: crypto.SHA256, pss: true}, true
	case EdDSA:
		return algorithm{kty: "OKP"}, true
	}
	return algorithm{}, false
}

// fits reports why key cannot be used with a, or nil if it can.
func (a algorithm) fits(key crypto.PublicKey) error {
	switch k := key.(type) {
	case *ecdsa.PublicKey:
		if a.kty == "EC" && k.Curve == a.curve {
			return nil
		}
	case *rsa.PublicKey:
		if a.kty == "RSA" {
			return nil
		}
	case ed25519.PublicKey:
		if a.kty == "OKP" {
			return nil
		}
	}
	return fmt.Errorf("%w: %T", errKeyMismatch, key)
}

// curveSize is the byte length of a coordinate (and of r and s).
func curveSize(c elliptic.Curve) int { return (c.Params().BitSize + 7) / 8 }

// jwkMembers holds the members of a public JWK that RFC 7638 §3.2 requires,
// base64url-encoded in canonical form.
type jwkMembers struct {
	Kty string `json:"kty"`
	Crv string `json:"crv,omitempty"`
	X   string `json:"x,omitempty"`
	Y   string `json:"y,omitempty"`
	N   string `json:"n,omitempty"`
	E   string `json:"e,omitempty"`
}

// canonicalJWK returns the canonical public JWK of key: EC coordinates
// left-padded to the curve size (RFC 7518 §6.2.1.2), RSA integers without
// leading zero octets (RFC 7518 §6.3.1).
func canonicalJWK(key crypto.PublicKey) (jwkMembers, error) {
	switch k := key.(type) {
	case *ecdsa.PublicKey:
		crv := k.Curve.Params().Name
		if crv != "P-256" && crv != "P-384" && crv != "P-521" {
			return jwkMembers{}, fmt.Errorf("%w: curve %s", errJWK, crv)
		}
		point, err := k.Bytes() // 0x04 || X || Y, each padded to the curve size
		if err != nil {
			return jwkMembers{}, fmt.Errorf("%w: %v", errJWK, err)
		}
		size := curveSize(k.Curve)
		return jwkMembers{Kty: "EC", Crv: crv, X: encodeB64(point[1 : 1+size]), Y: encodeB64(point[1+size:])}, nil
	case *rsa.PublicKey:
		return jwkMembers{Kty: "RSA", N: encodeB64(k.N.Bytes()), E: encodeB64(big.NewInt(int64(k.E)).Bytes())}, nil
	case ed25519.PublicKey:
		if len(k) != ed25519.PublicKeySize {
			return jwkMembers{}, fmt.Errorf("%w: Ed25519 key of %d bytes", errJWK, len(k))
		}
		return jwkMembers{Kty: "OKP", Crv: "Ed25519", X: encodeB64(k)}, nil
	}
	return jwkMembers{}, fmt.Errorf("%w: unsupported key type %T", errJWK, key)
}

// thumbprint is RFC 7638 §3: SHA-256 over the required members in
// lexicographic order with no white space, base64url. Every member value is
// base64url or a fixed name, so none needs JSON escaping.
func (m jwkMembers) thumbprint() string {
	var b strings.Builder
	switch m.Kty {
	case "EC":
		b.WriteString(`{"crv":"` + m.Crv + `","kty":"EC","x":"` + m.X + `","y":"` + m.Y + `"}`)
	case "RSA":
		b.WriteString(`{"e":"` + m.E + `","kty":"RSA","n":"` + m.N + `"}`)
	case "OKP":
		b.WriteString(`{"crv":"` + m.Crv + `","kty":"OKP","x":"` + m.X + `"}`)
	}
	sum := sha256.Sum256([]byte(b.String()))
	return encodeB64(sum[:])
}

// KeyThumbprint returns the RFC 7638 SHA-256 thumbprint (base64url) of an
// ECDSA (P-256, P-384, P-521), RSA or Ed25519 public key: the value a
// token's cnf.jkt and a Proof.JKT carry (RFC 9449 §6.1).
func KeyThumbprint(key crypto.PublicKey) (string, error) {
	m, err := canonicalJWK(key)
	if err != nil {
		return "", err
	}
	return m.thumbprint(), nil
}

// Thumbprint returns the RFC 7638 SHA-256 thumbprint of a public JWK given
// as JSON. Members other than the required ones (kid, use, alg, …) and their
// order do not change it, and an EC coordinate shorter than the curve size is
// left-padded first, so that one key has one thumbprint. A JWK with private
// members is refused.
func Thumbprint(jwk []byte) (string, error) {
	key, err := parseJWK(jwk)
	if err != nil {
		return "", err
	}
	return KeyThumbprint(key)
}

// parseJWK reads a public JWK (RFC 7517 §4, RFC 7518 §6, RFC 8037 §2) into
// a checked crypto public key: EC points on their curve, RSA moduli of
// 2048–8192 bits, Ed25519 keys of 32 bytes. Private members and symmetric
// keys are refused: a proof carrying them is broken at best (RFC 9449 §4.3
// step 7). Members it does not know are ignored.
func parseJWK(data []byte) (crypto.PublicKey, error) {
	var kty, crv, x, y, n, e string
	var seen [6]bool // which of kty, crv, x, y, n, e were present
	err := members(data, func(name string, value json.RawMessage) error {
		var dst *string
		switch name {
		case "kty":
			dst, seen[0] = &kty, true
		case "crv":
			dst, seen[1] = &crv, true
		case "x":
			dst, seen[2] = &x, true
		case "y":
			dst, seen[3] = &y, true
		case "n":
			dst, seen[4] = &n, true
		case "e":
			dst, seen[5] = &e, true
		case "d", "p", "q", "dp", "dq", "qi", "oth", "k":
			return fmt.Errorf("%w: private member %q", errPrivateKey, name)
		default:
			return nil
		}
		s, err := jsonString("jwk "+name, value)
		if err != nil {
			return fmt.Errorf("%w: %v", errJWK, err)
		}
		*dst = s
		return nil
	})
	if err != nil {
		return nil, err
	}
	if !seen[0] {
		return nil, fmt.Errorf("%w: no kty", errJWK)
	}
	switch kty {
	case "EC":
		return parseECKey(crv, x, y)
	case "RSA":
		return parseRSAKey(n, e)
	case "OKP":
		if crv != "Ed25519" {
			return nil, fmt.Errorf("%w: OKP curve %.16q", errJWK, crv)
		}
		k, err := decodeB64(x)
		if err != nil || len(k) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("%w: Ed25519 x", errJWK)
		}
		return ed25519.PublicKey(k), nil
	case "oct":
		return nil, fmt.Errorf("%w: symmetric key", errPrivateKey)
	}
	return nil, fmt.Errorf("%w: kty %.16q", errJWK, kty)
}

// parseECKey reads an EC public key, left-padding coordinates shorter than
// the curve size: aws-sdk-go-v2's logincreds writes big.Int.Bytes(), which
// drops leading zero octets (signin.md §4).
func parseECKey(crv, x, y string) (*ecdsa.PublicKey, error) {
	var curve elliptic.Curve
	switch crv {
	case "P-256":
		curve = elliptic.P256()
	case "P-384":
		curve = elliptic.P384()
	case "P-521":
		curve = elliptic.P521()
	default:
		return nil, fmt.Errorf("%w: EC curve %.16q", errJWK, crv)
	}
	size := curveSize(curve)
	point := make([]byte, 1+2*size)
	point[0] = 4 // uncompressed (SEC 1 §2.3.3)
	for i, c := range [...]string{x, y} {
		b, err := decodeB64(c)
		if err != nil || len(b) == 0 || len(b) > size {
			return nil, fmt.Errorf("%w: EC coordinate %c", errJWK, "xy"[i])
		}
		copy(point[1+i*size+size-len(b):1+(i+1)*size], b)
	}
	// ParseUncompressedPublicKey refuses coordinates ≥ p and points off the
	// curve (invalid-curve attacks; RFC 8725 §3.4).
	key, err := ecdsa.ParseUncompressedPublicKey(curve, point)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errJWK, err)
	}
	return key, nil
}

// parseRSAKey reads an RSA public key of minRSABits to maxRSABits with a
// small odd public exponent.
func parseRSAKey(n, e string) (*rsa.PublicKey, error) {
	nb, err := decodeB64(n)
	if err != nil {
		return nil, fmt.Errorf("%w: RSA n", errJWK)
	}
	eb, err := decodeB64(e)
	if err != nil {
		return nil, fmt.Errorf("%w: RSA e", errJWK)
	}
	nb, eb = bytes.TrimLeft(nb, "\x00"), bytes.TrimLeft(eb, "\x00")
	if len(nb) > maxRSABits/8 {
		return nil, fmt.Errorf("%w: RSA modulus of more than %d bits", errWeakKey, maxRSABits)
	}
	N := new(big.Int).SetBytes(nb)
	if N.BitLen() < minRSABits {
		return nil, fmt.Errorf("%w: RSA modulus of %d bits", errWeakKey, N.BitLen())
	}
	if len(eb) == 0 || len(eb) > 4 {
		return nil, fmt.Errorf("%w: RSA exponent of %d bytes", errJWK, len(eb))
	}
	E := int(new(big.Int).SetBytes(eb).Int64())
	if E < 3 || E > 1<<31-1 || E%2 == 0 {
		return nil, fmt.Errorf("%w: RSA exponent %d", errJWK, E)
	}
	return &rsa.PublicKey{N: N, E: E}, nil
}

// verifySignature checks sig over input with key under a.
func (a algorithm) verifySignature(key crypto.PublicKey, input string, sig []byte) bool {
	if a.kty == "OKP" {
		k, ok := key.(ed25519.PublicKey)
		return ok && ed25519.Verify(k, []byte(input), sig)
	}
	h := a.hash.New()
	h.Write([]byte(input))
	digest := h.Sum(nil)
	switch k := key.(type) {
	case *ecdsa.PublicKey:
		// JWS ECDSA signatures are r || s, each padded to the curve size
		// (RFC 7518 §3.4), never ASN.1.
		size := curveSize(k.Curve)
		if len(sig) != 2*size {
			return false
		}
		r, s := new(big.Int).SetBytes(sig[:size]), new(big.Int).SetBytes(sig[size:])
		return ecdsa.Verify(k, digest, r, s)
	case *rsa.PublicKey:
		if a.pss {
			// RFC 7518 §3.5: the salt is as long as the hash.
			return rsa.VerifyPSS(k, a.hash, digest, sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash}) == nil
		}
		return rsa.VerifyPKCS1v15(k, a.hash, digest, sig) == nil
	}
	return false
}
