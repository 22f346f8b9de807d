package secret

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/signet-auth/signet"
)

// Prefixes of the secrets signet issues. The SSO OIDC and Sign-In ones follow
// what the AWS services hand out (aoa/aor; ASOA/ASOR per the Sign-In
// introspection pattern ^ASO[AR]...); the rest are signet's own.
const (
	PrefixSSOAccess      = "aoa"
	PrefixSSORefresh     = "aor"
	PrefixSignInAccess   = "ASOA"
	PrefixSignInRefresh  = "ASOR"
	PrefixOAuthAccess    = "sat_"
	PrefixOAuthRefresh   = "srt_"
	PrefixCode           = "sac_"
	PrefixDeviceCode     = "sdc_"
	PrefixClientSecret   = "scs_"
	PrefixBrowserSession = "sbs_"
	// PrefixSCIMToken is a SCIM provisioning client's bearer token.
	PrefixSCIMToken = "sst_"
)

// Bytes is how many random bytes back every secret: 256 bits.
const Bytes = 32

// encodedLen is the unpadded base64url length of Bytes (RFC 4648 §5).
const encodedLen = (Bytes*8 + 5) / 6

// Hasher computes digests under the server's HMAC key.
//
// The keyed HMAC states are pooled: hmac.New costs two SHA-256 states and
// two key pads, and a refresh computes half a dozen MACs (the CPU and
// alloc_space profiles of BenchmarkRefresh had hmac.New among their top
// entries). A pooled state is Reset to its keyed start before each use.
type Hasher struct {
	digestKey []byte
	deriveKey []byte
	digests   macPool
	derives   macPool
}

// NewHasher returns a Hasher for the server's HMAC key (≥ 32 bytes). Two
// subkeys are drawn from it so that a digest never equals a derived secret.
func NewHasher(key []byte) (*Hasher, error) {
	if len(key) < 32 {
		return nil, errors.New("secret: HMAC key shorter than 32 bytes")
	}
	h := &Hasher{digestKey: subkey(key, "signet digest v1"), deriveKey: subkey(key, "signet derive v1")}
	h.digests.key, h.derives.key = h.digestKey, h.deriveKey
	return h, nil
}

func subkey(key []byte, label string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(label))
	return m.Sum(nil)
}

// Digest returns the keyed digest of s.
func (h *Hasher) Digest(s string) signet.Digest {
	m := h.digests.get()
	m.writeString(s)
	var d signet.Digest
	m.sum(d[:])
	h.digests.put(m)
	return d
}

// Minter issues secrets from a random source.
type Minter struct {
	rand   io.Reader
	hasher *Hasher
}

// NewMinter returns a Minter drawing from rand (crypto/rand.Reader in
// production; a seeded source in tests).
func NewMinter(rand io.Reader, h *Hasher) *Minter { return &Minter{rand: rand, hasher: h} }

// Hasher returns the hasher the minter digests with.
func (m *Minter) Hasher() *Hasher { return m.hasher }

// New returns a fresh secret with the given prefix and its digest.
func (m *Minter) New(prefix string) (string, signet.Digest, error) {
	var b [Bytes]byte
	if _, err := io.ReadFull(m.rand, b[:]); err != nil {
		return "", signet.Digest{}, fmt.Errorf("secret: random source: %w", err)
	}
	s := prefix + base64.RawURLEncoding.EncodeToString(b[:])
	return s, m.hasher.Digest(s), nil
}

// Derive returns the secret deterministically derived from seed for label,
// with the given prefix, and its digest. Only a holder of the server key and
// of seed (itself a secret) can compute it, so derived secrets are as strong
// as minted ones; the same inputs always give the same secret.
func (m *Minter) Derive(prefix, seed, label string) (string, signet.Digest) {
	mac := m.hasher.derives.get()
	mac.writeString(label)
	mac.writeString("\x00")
	mac.writeString(seed)
	var sum [sha256.Size]byte
	mac.sum(sum[:])
	m.hasher.derives.put(mac)
	s := prefix + base64.RawURLEncoding.EncodeToString(sum[:])
	return s, m.hasher.Digest(s)
}

// idAlphabet is the alphabet of identifiers: letters and digits only, so an
// id never begins with "-" (a command line would read it as an option, as
// the AWS CLI does with --client-id -abc) and needs no escaping anywhere.
const idAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// idLength characters of 62 give 130 bits.
const idLength = 22

// ID returns a random identifier (not a secret: client ids, session ids) of
// about 130 bits: 22 characters of [A-Za-z0-9], drawn without bias (bytes
// ≥ 248 = 4·62 are rejected).
func (m *Minter) ID() (string, error) {
	out := make([]byte, 0, idLength)
	var buf [32]byte
	for len(out) < idLength {
		if _, err := io.ReadFull(m.rand, buf[:]); err != nil {
			return "", fmt.Errorf("secret: random source: %w", err)
		}
		for _, b := range buf {
			if b < 248 && len(out) < idLength {
				out = append(out, idAlphabet[int(b)%len(idAlphabet)])
			}
		}
	}
	return string(out), nil
}

// WellFormed reports whether s has the shape of a secret minted with prefix:
// the prefix and exactly the base64url length of 256 bits. Callers use it to
// refuse garbage before any lookup.
func WellFormed(s, prefix string) bool {
	if !strings.HasPrefix(s, prefix) || len(s) != len(prefix)+encodedLen {
		return false
	}
	for _, c := range s[len(prefix):] {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}
