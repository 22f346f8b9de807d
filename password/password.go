package password

import (
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Params are the argon2id cost parameters (RFC 9106 §3.1).
type Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes
	Threads uint8  // lanes
	SaltLen uint32 // bytes
	KeyLen  uint32 // bytes of output
}

// DefaultParams returns OWASP's recommended argon2id configuration:
// m=19456 KiB (19 MiB), t=2, p=1, with a 16-byte salt and a 32-byte hash
// (https://cheatsheetseries.owasp.org/cheatsheets/Password_Storage_Cheat_Sheet.html#argon2id).
func DefaultParams() Params {
	return Params{Memory: 19456, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}
}

// Bounds on every parameter, for configuration and for parsing stored
// hashes alike. A hash outside them is refused rather than computed, so no
// stored string can make Verify allocate more than MaxMemory KiB.
const (
	MinMemory  = 1024    // 1 MiB: a floor for tests and small machines; production keeps the default
	MaxMemory  = 1 << 20 // 1 GiB
	MinTime    = 1
	MaxTime    = 64
	MinThreads = 1
	MaxThreads = 64
	MinSaltLen = 8 // RFC 9106 §3.1: 16 recommended, 8 the floor the PHC format allows
	MaxSaltLen = 64
	MinKeyLen  = 16
	MaxKeyLen  = 64
	// MaxEncodedLen bounds the PHC string itself: nothing longer is parsed.
	MaxEncodedLen = 256
)

const (
	algorithm = "argon2id"
	version   = argon2.Version // 0x13 = 19
)

// ErrMalformed is returned for a stored hash that is not an argon2id PHC
// string within the bounds above.
var ErrMalformed = errors.New("password: malformed or unsupported hash")

var b64 = base64.RawStdEncoding

// Validate reports whether p is within the bounds.
func (p Params) Validate() error {
	switch {
	case p.Memory < MinMemory || p.Memory > MaxMemory:
		return fmt.Errorf("password: memory %d KiB outside [%d, %d]", p.Memory, MinMemory, MaxMemory)
	case p.Time < MinTime || p.Time > MaxTime:
		return fmt.Errorf("password: time %d outside [%d, %d]", p.Time, MinTime, MaxTime)
	case p.Threads < MinThreads || p.Threads > MaxThreads:
		return fmt.Errorf("password: threads %d outside [%d, %d]", p.Threads, MinThreads, MaxThreads)
	case p.SaltLen < MinSaltLen || p.SaltLen > MaxSaltLen:
		return fmt.Errorf("password: salt length %d outside [%d, %d]", p.SaltLen, MinSaltLen, MaxSaltLen)
	case p.KeyLen < MinKeyLen || p.KeyLen > MaxKeyLen:
		return fmt.Errorf("password: key length %d outside [%d, %d]", p.KeyLen, MinKeyLen, MaxKeyLen)
	}
	return nil
}

// Hasher hashes and verifies passwords with one set of parameters.
type Hasher struct {
	params Params
	rand   io.Reader
}

// New returns a Hasher that draws salts from rand (crypto/rand.Reader in
// production) and hashes with p.
func New(rand io.Reader, p Params) (*Hasher, error) {
	if rand == nil {
		return nil, errors.New("password: nil random source")
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return &Hasher{params: p, rand: rand}, nil
}

// Params returns the parameters new hashes are made with.
func (h *Hasher) Params() Params { return h.params }

// Hash returns the PHC string of password under a fresh salt.
func (h *Hasher) Hash(password string) (string, error) {
	salt := make([]byte, h.params.SaltLen)
	if _, err := io.ReadFull(h.rand, salt); err != nil {
		return "", fmt.Errorf("password: random source: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, h.params.Time, h.params.Memory, h.params.Threads, h.params.KeyLen)
	return encode(h.params, salt, key), nil
}

func encode(p Params, salt, key []byte) string {
	return fmt.Sprintf("$%s$v=%d$m=%d,t=%d,p=%d$%s$%s",
		algorithm, version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// Verify reports whether password matches the stored PHC string. The
// comparison is constant-time; a malformed hash gives ErrMalformed (and
// false), never a panic.
func (h *Hasher) Verify(encoded, password string) (bool, error) {
	p, salt, key, err := Parse(encoded)
	if err != nil {
		return false, err
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

// NeedsRehash reports whether the stored hash was made with parameters other
// than h's (or cannot be parsed), so that the caller should store a new hash
// after the next successful login.
func (h *Hasher) NeedsRehash(encoded string) bool {
	p, _, _, err := Parse(encoded)
	if err != nil {
		return true
	}
	return p != h.params
}

// Parse decodes an argon2id PHC string. Every number is bounded before
// anything is allocated from it; the salt and hash lengths are recorded in
// the returned Params.
func Parse(encoded string) (p Params, salt, key []byte, err error) {
	if len(encoded) > MaxEncodedLen {
		return Params{}, nil, nil, ErrMalformed
	}
	// "", "argon2id", "v=19", "m=…,t=…,p=…", salt, hash
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != algorithm || parts[2] != "v="+strconv.Itoa(version) {
		return Params{}, nil, nil, ErrMalformed
	}
	if p, err = parseParams(parts[3]); err != nil {
		return Params{}, nil, nil, err
	}
	if salt, err = decodeBounded(parts[4], MinSaltLen, MaxSaltLen); err != nil {
		return Params{}, nil, nil, err
	}
	if key, err = decodeBounded(parts[5], MinKeyLen, MaxKeyLen); err != nil {
		return Params{}, nil, nil, err
	}
	p.SaltLen, p.KeyLen = uint32(len(salt)), uint32(len(key))
	return p, salt, key, nil
}

// parseParams reads "m=<n>,t=<n>,p=<n>" in that order (the order libargon2
// writes and requires).
func parseParams(s string) (Params, error) {
	fields := strings.Split(s, ",")
	if len(fields) != 3 {
		return Params{}, ErrMalformed
	}
	var vals [3]uint64
	for i, name := range []string{"m=", "t=", "p="} {
		digits, ok := strings.CutPrefix(fields[i], name)
		// Canonical decimal only: no sign, no leading zeros, at most 10 digits.
		if !ok || digits == "" || len(digits) > 10 || (digits[0] == '0' && len(digits) > 1) {
			return Params{}, ErrMalformed
		}
		v, err := strconv.ParseUint(digits, 10, 32)
		if err != nil {
			return Params{}, ErrMalformed
		}
		vals[i] = v
	}
	p := Params{Memory: uint32(vals[0]), Time: uint32(vals[1])}
	if vals[0] < MinMemory || vals[0] > MaxMemory || vals[1] < MinTime || vals[1] > MaxTime ||
		vals[2] < MinThreads || vals[2] > MaxThreads {
		return Params{}, ErrMalformed
	}
	p.Threads = uint8(vals[2])
	return p, nil
}

func decodeBounded(s string, minLen, maxLen int) ([]byte, error) {
	// The decoder skips CR and LF; refuse them so the encoding stays canonical.
	if s == "" || b64.DecodedLen(len(s)) > maxLen || strings.ContainsAny(s, "\r\n") {
		return nil, ErrMalformed
	}
	b, err := b64.Strict().DecodeString(s)
	if err != nil || len(b) < minLen || len(b) > maxLen {
		return nil, ErrMalformed
	}
	return b, nil
}
