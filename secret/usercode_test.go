package secret

import (
	"crypto/rand"
	"strings"
	"testing"
)

// bytesSource is a deterministic random source that hands out b, then fails.
type bytesSource struct{ b []byte }

func (s *bytesSource) Read(p []byte) (int, error) {
	if len(s.b) == 0 {
		return failing{}.Read(p)
	}
	n := copy(p, s.b)
	s.b = s.b[n:]
	return n, nil
}

func TestNewUserCode_Format(t *testing.T) {
	m := NewMinter(rand.Reader, hasher(t, "k"))
	for range 1000 {
		c, err := m.NewUserCode()
		if err != nil {
			t.Fatal(err)
		}
		if len(c) != UserCodeLength+1 || c[UserCodeLength/2] != '-' {
			t.Fatalf("user code %q is not XXXXX-XXXXX", c)
		}
		for i, r := range strings.ReplaceAll(c, "-", "") {
			if !strings.ContainsRune(UserCodeAlphabet, r) {
				t.Fatalf("user code %q: character %d (%q) is not in the alphabet", c, i, r)
			}
		}
		if NormalizeUserCode(c) != strings.ReplaceAll(c, "-", "") {
			t.Fatalf("a drawn user code %q does not normalise to itself", c)
		}
	}
}

func TestUserCodeAlphabet(t *testing.T) {
	if len(UserCodeAlphabet) != 20 {
		t.Fatalf("alphabet has %d letters; the rejection bound 240 assumes 20", len(UserCodeAlphabet))
	}
	// RFC 8628 §6.1: no vowels (no words), no characters that read as others.
	for _, c := range "AEIOUY0123456789" {
		if strings.ContainsRune(UserCodeAlphabet, c) {
			t.Errorf("alphabet contains %q", c)
		}
	}
	for i := range UserCodeAlphabet {
		if strings.Count(UserCodeAlphabet, UserCodeAlphabet[i:i+1]) != 1 {
			t.Errorf("alphabet repeats %q", UserCodeAlphabet[i])
		}
	}
}

// Bytes of 240 and above would favour the first 16 letters; they are
// skipped, and nothing else is.
func TestNewUserCode_SkipsBiasedBytes(t *testing.T) {
	src := &bytesSource{b: []byte{
		240, 0, 255, 19, 250, 20, 239, 241, 242, 243, 244, 245, 246, 247, 248, 249, 1, 119, 200, 39, 5, 6,
	}}
	c, err := NewMinter(src, hasher(t, "k")).NewUserCode()
	if err != nil {
		t.Fatal(err)
	}
	// 0→B, 19→Z, 20→B, 239→Z, 1→C, 119→Z, 200→B, 39→Z, 5→H, 6→J.
	if c != "BZBZC-ZBZHJ" {
		t.Errorf("NewUserCode = %q, want BZBZC-ZBZHJ", c)
	}
	if len(src.b) != 0 {
		t.Errorf("%d bytes left unread", len(src.b))
	}
}

// Every accepted byte value maps to one letter, each letter from exactly 12
// of them: over the 240 accepted values every letter comes up 12 times.
func TestNewUserCode_Unbiased(t *testing.T) {
	m := NewMinter(&counter{}, hasher(t, "k"))
	count := map[rune]int{}
	for range 240 / UserCodeLength {
		c, err := m.NewUserCode()
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range strings.ReplaceAll(c, "-", "") {
			count[r]++
		}
	}
	for _, r := range UserCodeAlphabet {
		if count[r] != 12 {
			t.Errorf("letter %q drawn %d times from the 240 accepted byte values, want 12", r, count[r])
		}
	}
}

func TestDV08_NormalizeUserCode(t *testing.T) {
	tests := []struct{ typed, want string }{
		{"BCDF-GHJKMN", "BCDFGHJKMN"},
		{"bcdf-ghjkmn", "BCDFGHJKMN"},
		{"BcDf-gHjKmN", "BCDFGHJKMN"},
		{"bcdfghjkmn", "BCDFGHJKMN"},
		{"BCDF--GHJKMN", "BCDFGHJKMN"},
		{"B-C-D-F-G-H-J-K-M-N", "BCDFGHJKMN"},
		{" bcdf ghjkmn ", "BCDFGHJKMN"},
		{"bcdf - ghjkmn", "BCDFGHJKMN"},
		{"bcdf\tghjkmn", "BCDFGHJKMN"},
		{"-BCDF-GHJKMN-", "BCDFGHJKMN"},
		// Vowels, digits and look-alikes are not in the alphabet.
		{"BCDA-GHJKMN", ""},
		{"BCDE-GHJKMN", ""},
		{"BCDI-GHJKMN", ""},
		{"BCDO-GHJKMN", ""},
		{"BCDU-GHJKMN", ""},
		{"BCDY-GHJKMN", ""},
		{"BCD0-GHJKMN", ""},
		{"BCD1-GHJKMN", ""},
		{"BCD5-GHJKMN", ""},
		{"BCD2-GHJKMN", ""},
		// Only ASCII folds: letters that upper-case to an alphabet letter
		// outside ASCII (U+017F long s → S) or look like one are refused.
		{"BCDſ-GHJKMN", ""},
		{"ＢCDF-GHJKMN", ""},
		{"BCDF-GHJΚ", ""}, // Greek capital kappa
		{"BCDF-GHJKMN\u212a", ""},
		{"BCDF\u00a0GHJKMN", ""},
		{"BCDF_GHJKMN", ""},
		{"BCDF.GHJKMN", ""},
		{"BCDF\nGHJKMN", ""},
		{"BCDF-GHJ", ""},
		{"BCDF-GHJKMNL", ""},
		{"", ""},
		{"--------", ""},
		{strings.Repeat("-", 60) + "BCDFGHJKMN", ""},
		{"BCDF-GHJ\xff", ""},
	}
	for _, tt := range tests {
		if got := NormalizeUserCode(tt.typed); got != tt.want {
			t.Errorf("NormalizeUserCode(%q) = %q, want %q", tt.typed, got, tt.want)
		}
	}
}

func TestUserCodeDigest(t *testing.T) {
	h := hasher(t, "k")
	d, ok := h.UserCodeDigest("BCDF-GHJKMN")
	if !ok {
		t.Fatal("a well-formed code was refused")
	}
	for _, typed := range []string{"bcdfghjkmn", " bcdf - GHJKMN ", "B-C-D-F-G-H-J-K-M-N"} {
		if got, ok := h.UserCodeDigest(typed); !ok || got != d {
			t.Errorf("UserCodeDigest(%q) differs from the canonical spelling's", typed)
		}
	}
	if _, ok := h.UserCodeDigest("BCDA-GHJKMN"); ok {
		t.Error("a malformed code gave a digest")
	}
	if other, _ := hasher(t, "j").UserCodeDigest("BCDF-GHJKMN"); other == d {
		t.Error("the user code digest ignores the key (SE-01: no offline brute force without it)")
	}
	// Kept apart from token digests: a user code is not a token.
	if d == h.Digest("BCDFGHJKMN") {
		t.Error("a user code digest equals the plain digest of the code")
	}
}

func FuzzNormalizeUserCode(f *testing.F) {
	for _, s := range []string{"BCDF-GHJKMN", "bcdf ghjkmn", "B-C-D-F-G-H-J-K-M-N", "BCDſ-GHJKMN", "", "\xff", "ＢCDF-GHJKMN"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, typed string) {
		n := NormalizeUserCode(typed)
		if n == "" {
			return
		}
		if len(n) != UserCodeLength {
			t.Fatalf("NormalizeUserCode(%q) = %q: not %d characters", typed, n, UserCodeLength)
		}
		for _, r := range n {
			if !strings.ContainsRune(UserCodeAlphabet, r) {
				t.Fatalf("NormalizeUserCode(%q) = %q: %q is not in the alphabet", typed, n, r)
			}
		}
		// What was typed is the code in ASCII letters of either case, with
		// separators around: nothing else folds into an accepted code.
		stripped := strings.Map(func(r rune) rune {
			if r == '-' || r == ' ' || r == '\t' {
				return -1
			}
			return r
		}, typed)
		if asciiUpper(stripped) != n {
			t.Fatalf("NormalizeUserCode(%q) = %q, which is not what was typed", typed, n)
		}
		if NormalizeUserCode(n) != n {
			t.Fatalf("not idempotent: %q → %q → %q", typed, n, NormalizeUserCode(n))
		}
	})
}

func asciiUpper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}
