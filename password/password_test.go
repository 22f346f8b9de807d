package password

import (
	"bytes"
	"crypto/rand"
	"errors"
	"strings"
	"testing"
)

// cheap keeps the tests fast; the defaults are exercised once below.
var cheap = Params{Memory: MinMemory, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

func newHasher(t testing.TB, p Params) *Hasher {
	t.Helper()
	h, err := New(rand.Reader, p)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestDefaultsAreOWASP(t *testing.T) {
	p := DefaultParams()
	if p.Memory != 19456 || p.Time != 2 || p.Threads != 1 {
		t.Fatalf("defaults %+v, want m=19456 t=2 p=1", p)
	}
	h := newHasher(t, p)
	enc, err := h.Hash("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(enc, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("PHC string %q", enc)
	}
	if ok, err := h.Verify(enc, "correct horse"); !ok || err != nil {
		t.Fatalf("Verify = %v, %v", ok, err)
	}
}

func TestHashVerify(t *testing.T) {
	h := newHasher(t, cheap)
	enc, err := h.Hash("s3cret password")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		pw   string
		want bool
	}{
		{"s3cret password", true},
		{"s3cret passwor", false},
		{"S3cret password", false},
		{"", false},
	} {
		ok, err := h.Verify(enc, tc.pw)
		if err != nil || ok != tc.want {
			t.Errorf("Verify(%q) = %v, %v; want %v", tc.pw, ok, err, tc.want)
		}
	}
}

// Two hashes of one password differ (fresh salt each time) and both verify.
func TestSaltFromInjectedSource(t *testing.T) {
	zero, err := New(bytes.NewReader(make([]byte, 16)), cheap)
	if err != nil {
		t.Fatal(err)
	}
	enc, _ := zero.Hash("pw")
	if !strings.Contains(enc, "$AAAAAAAAAAAAAAAAAAAAAA$") {
		t.Fatalf("salt not drawn from the injected reader: %q", enc)
	}
	if _, err := zero.Hash("pw"); err == nil {
		t.Fatal("exhausted random source not reported")
	}
	h := newHasher(t, cheap)
	a, _ := h.Hash("pw")
	b, _ := h.Hash("pw")
	if a == b {
		t.Fatal("two hashes with the same salt")
	}
}

func TestVerifyOtherParams(t *testing.T) {
	old := newHasher(t, Params{Memory: 2048, Time: 1, Threads: 2, SaltLen: 8, KeyLen: 16})
	enc, _ := old.Hash("pw")
	h := newHasher(t, cheap)
	if ok, err := h.Verify(enc, "pw"); !ok || err != nil {
		t.Fatalf("hash made with other params does not verify: %v, %v", ok, err)
	}
	if !h.NeedsRehash(enc) {
		t.Fatal("NeedsRehash false for other params")
	}
	mine, _ := h.Hash("pw")
	if h.NeedsRehash(mine) {
		t.Fatal("NeedsRehash true for own params")
	}
	if !h.NeedsRehash("garbage") {
		t.Fatal("NeedsRehash false for garbage")
	}
}

// A known-answer test against the reference implementation's output
// (argon2 CLI: echo -n password | argon2 somesalt -id -t 2 -m 16 -p 1).
func TestKnownAnswer(t *testing.T) {
	const enc = "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc"
	h := newHasher(t, cheap)
	if ok, err := h.Verify(enc, "password"); !ok || err != nil {
		t.Fatalf("reference vector: %v, %v", ok, err)
	}
}

func TestNewRejectsOutOfBounds(t *testing.T) {
	for _, p := range []Params{
		{Memory: 8, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32},
		{Memory: MaxMemory + 1, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32},
		{Memory: MinMemory, Time: 0, Threads: 1, SaltLen: 16, KeyLen: 32},
		{Memory: MinMemory, Time: 1, Threads: 0, SaltLen: 16, KeyLen: 32},
		{Memory: MinMemory, Time: 1, Threads: 1, SaltLen: 4, KeyLen: 32},
		{Memory: MinMemory, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 8},
	} {
		if _, err := New(rand.Reader, p); err == nil {
			t.Errorf("New(%+v) accepted", p)
		}
	}
	if _, err := New(nil, cheap); err == nil {
		t.Error("New(nil reader) accepted")
	}
}

var malformed = []string{
	"",
	"$",
	"$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ",
	"$argon2i$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
	"$argon2id$v=16$m=19456,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
	"$argon2id$v=19$m=4294967295,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
	"$argon2id$v=19$m=19456,t=4294967295,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
	"$argon2id$v=19$m=19456,t=2,p=255$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
	"$argon2id$v=19$m=19456,t=2,p=0$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
	"$argon2id$v=19$m=019456,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
	"$argon2id$v=19$m=-1,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
	"$argon2id$v=19$t=2,m=19456,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
	"$argon2id$v=19$m=19456,t=2,p=1,k=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
	"$argon2id$v=19$m=19456,t=2,p=1$$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
	"$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ=$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
	"$argon2id$v=19$m=19456,t=2,p=1$c29t$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
	"$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$CTFh",
	"$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$" + strings.Repeat("A", 200),
	"$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc$",
	"x$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
}

func TestParseRejectsMalformed(t *testing.T) {
	h := newHasher(t, cheap)
	for _, s := range malformed {
		if _, _, _, err := Parse(s); !errors.Is(err, ErrMalformed) {
			t.Errorf("Parse(%q) = %v, want ErrMalformed", s, err)
		}
		if ok, err := h.Verify(s, "password"); ok || err == nil {
			t.Errorf("Verify(%q) = %v, %v", s, ok, err)
		}
	}
}

// FuzzParse: no input panics, and whatever parses stays inside the caps, so a
// Verify of it can never allocate more than MaxMemory KiB; a parsed string
// re-encodes to itself (the encoding is canonical).
func FuzzParse(f *testing.F) {
	f.Add("$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc")
	for _, s := range malformed {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, salt, key, err := Parse(s)
		if err != nil {
			return
		}
		if err := p.Validate(); err != nil {
			t.Fatalf("Parse(%q) gave out-of-bounds params: %v", s, err)
		}
		if int(p.SaltLen) != len(salt) || int(p.KeyLen) != len(key) {
			t.Fatalf("lengths not recorded: %+v", p)
		}
		if got := encode(p, salt, key); got != s {
			t.Fatalf("re-encoding %q gave %q", s, got)
		}
	})
}
