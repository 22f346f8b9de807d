package secret

import (
	"fmt"
	"io"
	"strings"

	"github.com/signet-auth/signet"
)

// UserCodeAlphabet has 20 upper-case consonants: no vowels (no words), no
// look-alikes (0/O, 1/I/L, 5/S, 2/Z absent as digits). RFC 8628 §6.1.
const UserCodeAlphabet = "BCDFGHJKLMNPQRSTVWXZ"

// UserCodeLength is 10 characters: 20^10 ≈ 2^43.2 codes, so that RFC 8628
// §5.1's odds (≤ 2^-32 per code lifetime) hold through per-account guess
// budgets rather than a deployment-wide lock (catalogue AB-01; see
// ratelimit.UserCodeOdds).
const UserCodeLength = 10

// NewUserCode draws a user code and returns it as shown (XXXXX-XXXXX).
// Draws are unbiased: bytes ≥ 240 are rejected (240 = 12·20).
func (m *Minter) NewUserCode() (string, error) {
	out := make([]byte, 0, UserCodeLength+1)
	var b [1]byte
	for len(out) < UserCodeLength+1 {
		if len(out) == UserCodeLength/2 {
			out = append(out, '-')
			continue
		}
		if _, err := io.ReadFull(m.rand, b[:]); err != nil {
			return "", fmt.Errorf("secret: random source: %w", err)
		}
		if b[0] >= 240 {
			continue
		}
		out = append(out, UserCodeAlphabet[int(b[0])%len(UserCodeAlphabet)])
	}
	return string(out), nil
}

// NormalizeUserCode folds what a person typed to the stored form: upper
// case, with dashes and white space removed. It returns "" if the result is
// not UserCodeLength characters of the alphabet, so that a lookup is never
// made for a malformed code.
func NormalizeUserCode(typed string) string {
	if len(typed) > 64 {
		return ""
	}
	// Fold ASCII only: strings.ToUpper would also turn U+017F (ſ) into S
	// and so accept a character outside the alphabet.
	b := make([]byte, 0, UserCodeLength)
	for i := 0; i < len(typed); i++ {
		c := typed[i]
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		switch {
		case c == '-' || c == ' ' || c == '\t':
			continue
		case strings.IndexByte(UserCodeAlphabet, c) >= 0:
			b = append(b, c)
		default:
			return ""
		}
	}
	if len(b) != UserCodeLength {
		return ""
	}
	return string(b)
}

// UserCodeDigest returns the digest a user code is stored by: the digest of
// its normalised form, so that any accepted spelling finds it. Malformed
// input gives ok=false.
func (h *Hasher) UserCodeDigest(typed string) (d signet.Digest, ok bool) {
	n := NormalizeUserCode(typed)
	if n == "" {
		return d, false
	}
	return h.Digest("usercode:" + n), true
}
