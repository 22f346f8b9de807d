package secret

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"math/bits"
	"slices"
	"strings"
	"testing"
)

var allPrefixes = []string{
	PrefixSSOAccess, PrefixSSORefresh, PrefixSignInAccess, PrefixSignInRefresh, PrefixOAuthAccess,
	PrefixOAuthRefresh, PrefixCode, PrefixDeviceCode, PrefixClientSecret, PrefixBrowserSession,
	PrefixSCIMToken,
}

func hasher(t testing.TB, key string) *Hasher {
	t.Helper()
	h, err := NewHasher([]byte(strings.Repeat(key, 32)[:32]))
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// counter is a deterministic random source: 0, 1, 2, ... (mod 256).
type counter struct{ n byte }

func (c *counter) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = c.n
		c.n++
	}
	return len(p), nil
}

type failing struct{}

func (failing) Read([]byte) (int, error) { return 0, errors.New("entropy exhausted") }

func TestNewHasher_KeyLength(t *testing.T) {
	for _, n := range []int{0, 16, 31} {
		if _, err := NewHasher(make([]byte, n)); err == nil {
			t.Errorf("a %d-byte key was accepted", n)
		}
	}
	for _, n := range []int{32, 64} {
		if _, err := NewHasher(make([]byte, n)); err != nil {
			t.Errorf("a %d-byte key: %v", n, err)
		}
	}
}

func TestNew_PrefixAndLength(t *testing.T) {
	m := NewMinter(rand.Reader, hasher(t, "k"))
	for _, prefix := range allPrefixes {
		t.Run(prefix, func(t *testing.T) {
			s, d, err := m.New(prefix)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(s, prefix) || len(s) != len(prefix)+43 {
				t.Fatalf("secret %q: want prefix %q and %d characters after it", s, prefix, 43)
			}
			raw, err := base64.RawURLEncoding.Strict().DecodeString(s[len(prefix):])
			if err != nil || len(raw) != Bytes {
				t.Fatalf("body does not decode to %d bytes: %v", Bytes, err)
			}
			if !WellFormed(s, prefix) {
				t.Error("a minted secret is not WellFormed")
			}
			if d != m.Hasher().Digest(s) || d.IsZero() {
				t.Error("the digest returned is not the digest of the secret")
			}
		})
	}
}

func TestNew_RandomSourceFails(t *testing.T) {
	m := NewMinter(failing{}, hasher(t, "k"))
	if s, _, err := m.New(PrefixCode); err == nil || s != "" {
		t.Errorf("New = %q, %v; want an error", s, err)
	}
	if s, err := m.ID(); err == nil || s != "" {
		t.Errorf("ID = %q, %v; want an error", s, err)
	}
	if s, err := m.NewUserCode(); err == nil || s != "" {
		t.Errorf("NewUserCode = %q, %v; want an error", s, err)
	}
}

// The minter draws from the source it is given, nothing else.
func TestNew_UsesInjectedSource(t *testing.T) {
	a, _, _ := NewMinter(&counter{}, hasher(t, "k")).New(PrefixCode)
	b, _, _ := NewMinter(&counter{}, hasher(t, "k")).New(PrefixCode)
	want := PrefixCode + base64.RawURLEncoding.EncodeToString([]byte{
		0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31,
	})
	if a != want || b != want {
		t.Errorf("New = %q, %q; want %q", a, b, want)
	}
}

func TestDigest(t *testing.T) {
	h, other := hasher(t, "k"), hasher(t, "j")
	first, again := h.Digest("aoa-x"), h.Digest("aoa-x")
	if first != again {
		t.Error("Digest is not deterministic")
	}
	if h.Digest("aoa-x") == h.Digest("aoa-y") {
		t.Error("Digest ignores its input")
	}
	if h.Digest("aoa-x") == other.Digest("aoa-x") {
		t.Error("Digest ignores the key")
	}
}

func TestDerive(t *testing.T) {
	h := hasher(t, "k")
	m := NewMinter(failing{}, h) // Derive must not draw randomness
	s, d := m.Derive(PrefixSignInAccess, "seed", "access")

	tests := []struct {
		name                string
		hasher              *Hasher
		prefix, seed, label string
		same                bool
	}{
		{"same inputs", h, PrefixSignInAccess, "seed", "access", true},
		{"other key", hasher(t, "j"), PrefixSignInAccess, "seed", "access", false},
		{"other seed", h, PrefixSignInAccess, "seed2", "access", false},
		{"other label", h, PrefixSignInAccess, "seed", "refresh", false},
		// The separator keeps label and seed apart: "ab"+"c" is not "a"+"bc".
		{"label/seed boundary", h, PrefixSignInAccess, "eed", "accesss", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s2, d2 := NewMinter(failing{}, tt.hasher).Derive(tt.prefix, tt.seed, tt.label)
			if (s2 == s) != tt.same || (d2 == d) != tt.same {
				t.Errorf("Derive = %q, want same=%v as %q", s2, tt.same, s)
			}
		})
	}
	if !WellFormed(s, PrefixSignInAccess) {
		t.Errorf("derived secret %q is not WellFormed", s)
	}
	if d != h.Digest(s) {
		t.Error("the digest returned is not the digest of the derived secret")
	}
	// The derivation key is not the digest key: a derived secret never
	// equals the digest of its seed, which the database holds.
	seedDigest := h.Digest("seed")
	if strings.Contains(s, base64.RawURLEncoding.EncodeToString(seedDigest[:])) {
		t.Error("the derived secret is readable from a stored digest")
	}
}

func TestID(t *testing.T) {
	m := NewMinter(rand.Reader, hasher(t, "k"))
	a, err := m.ID()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := m.ID()
	if len(a) != 22 || a == b {
		t.Errorf("ID = %q, %q; want 22 characters, distinct", a, b)
	}
}

func TestWellFormed(t *testing.T) {
	body := strings.Repeat("A", 42) + "g"
	tests := []struct {
		s, prefix string
		want      bool
	}{
		{PrefixCode + body, PrefixCode, true},
		{PrefixCode + strings.Repeat("-_09azAZ", 6)[:43], PrefixCode, true},
		{PrefixCode + body[:42], PrefixCode, false},
		{PrefixCode + body + "A", PrefixCode, false},
		{PrefixDeviceCode + body, PrefixCode, false},
		{body, PrefixCode, false},
		{"", PrefixCode, false},
		{PrefixCode + strings.Repeat("A", 42) + "=", PrefixCode, false},
		{PrefixCode + strings.Repeat("A", 42) + "+", PrefixCode, false},
		{PrefixCode + strings.Repeat("A", 42) + "/", PrefixCode, false},
		{PrefixCode + strings.Repeat("A", 41) + "é", PrefixCode, false},
		{PrefixCode + strings.Repeat("A", 42) + "\x00", PrefixCode, false},
		{PrefixCode + strings.Repeat("A", 42) + " ", PrefixCode, false},
		{"SAC_" + body, PrefixCode, false},
	}
	for _, tt := range tests {
		if got := WellFormed(tt.s, tt.prefix); got != tt.want {
			t.Errorf("WellFormed(%q, %q) = %v, want %v", tt.s, tt.prefix, got, tt.want)
		}
	}
}

func FuzzWellFormed(f *testing.F) {
	f.Add(PrefixCode+strings.Repeat("A", 43), PrefixCode)
	f.Add(PrefixSSOAccess+strings.Repeat("_", 43), PrefixSSOAccess)
	f.Add("", "")
	f.Add(strings.Repeat("é", 22), "")
	f.Fuzz(func(t *testing.T, s, prefix string) {
		if !WellFormed(s, prefix) {
			return
		}
		raw, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(s, prefix))
		if !strings.HasPrefix(s, prefix) || err != nil || len(raw) != Bytes {
			t.Fatalf("WellFormed(%q, %q) but the body is not %d bytes of base64url: %v", s, prefix, Bytes, err)
		}
	})
}

// Catalogue SE-02: a million minted secrets of the kinds the server issues,
// from crypto/rand as production wires it: each carries 256 bits, none
// repeats, and the bits are balanced. Uniqueness is checked on the first 64
// bits of each, which is stricter (two equal secrets share them) and keeps
// the test to a few seconds; a false alarm has odds of 1 in 3·10^7.
func TestSE02_MintedSecretsUnique(t *testing.T) {
	const samples = 1_000_000
	m := NewMinter(rand.Reader, hasher(t, "k"))
	kinds := []string{PrefixClientSecret, PrefixCode, PrefixDeviceCode, PrefixSSORefresh, PrefixSignInRefresh, PrefixOAuthRefresh}
	heads := make([]uint64, 0, samples)
	ones := 0
	var raw [Bytes]byte
	for i := range samples {
		prefix := kinds[i%len(kinds)]
		s, _, err := m.New(prefix)
		if err != nil {
			t.Fatal(err)
		}
		if n, err := base64.RawURLEncoding.Decode(raw[:], []byte(s[len(prefix):])); err != nil || n != Bytes {
			t.Fatalf("secret %d does not carry %d bytes: %v", i, Bytes, err)
		}
		heads = append(heads, binary.LittleEndian.Uint64(raw[:]))
		for j := 0; j < Bytes; j += 8 {
			ones += bits.OnesCount64(binary.LittleEndian.Uint64(raw[j:]))
		}
	}
	slices.Sort(heads)
	if len(slices.Compact(heads)) != samples {
		t.Fatal("two of the minted secrets share their first 64 bits")
	}
	// Binomial(256·10^6, 1/2): sd = 8000; ten sd is a broken source, not bad luck.
	const total, sd = samples * Bytes * 8, 8000
	if diff := ones - total/2; diff > 10*sd || diff < -10*sd {
		t.Errorf("%d one bits of %d: off by %d, more than ten standard deviations", ones, total, diff)
	}
}

// Identifiers are passed on command lines (signet sso-oidc create-token
// --client-id …): one starting with "-" would be read as an option.
func TestIDAlphabet(t *testing.T) {
	m := NewMinter(rand.Reader, hasher(t, "k"))
	seen := map[string]bool{}
	for range 20000 {
		id, err := m.ID()
		if err != nil {
			t.Fatal(err)
		}
		if len(id) != idLength || strings.Trim(id, idAlphabet) != "" {
			t.Fatalf("id %q", id)
		}
		if seen[id] {
			t.Fatalf("duplicate id %q", id)
		}
		seen[id] = true
	}
}
