package catalog

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const repoRoot = "../.."

// TestDocUpToDate fails while docs/security.md does not match the catalogue
// and the tests in the tree. The catalogue lives outside the repository, so
// a clone on its own skips rather than fails.
func TestDocUpToDate(t *testing.T) {
	spec := filepath.Join(repoRoot, SpecPath)
	if _, err := os.Stat(spec); errors.Is(err, fs.ErrNotExist) {
		t.Skipf("catalogue %s not present beside the repository; cannot check %s", spec, DocPath)
	}
	want, err := Generate(repoRoot, spec)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(repoRoot, DocPath))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s is stale: run `go generate ./internal/catalog`", DocPath)
	}
}

func TestIDsInFuncName(t *testing.T) {
	for _, tc := range []struct {
		name string
		want []string
	}{
		{"TestAC02_FailedVerifierBurnsCode", []string{"AC-02"}},
		{"TestAC01AC02_Both", []string{"AC-01", "AC-02"}},
		{"TestSignIn_DP03", []string{"DP-03"}},
		{"TestHTTP20", nil},    // a longer run of capitals is not an ID
		{"TestAC012", nil},     // three digits is not an ID
		{"TestRoundTrip", nil}, // no digits
		{"FuzzIN02Nesting", []string{"IN-02"}},
	} {
		if got := IDsInFuncName(tc.name); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("IDsInFuncName(%q) = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestIDInLiteral(t *testing.T) {
	for _, tc := range []struct {
		s, want string
	}{
		{"AC-02/FailedCheckBurnsCode", "AC-02"},
		{"DV02_SlowDownStoredForEveryNode", "DV-02"},
		{"IN-05 text/plain", "IN-05"},
		{"ES256", ""},
		{"HS256 with the public key", ""},
		{"see AC-02", ""},
	} {
		got, _ := IDInLiteral(tc.s)
		if got != tc.want {
			t.Errorf("IDInLiteral(%q) = %q, want %q", tc.s, got, tc.want)
		}
	}
}

func TestParseSpec(t *testing.T) {
	const spec = "## 1\n\n| ID | Pri | Bad input | Outcome | Source |\n|---|---|---|---|---|\n" +
		"| AC-01 | P0 | Token request omits `code_verifier` | rejected | RFC 7636 |\n" +
		"| XX | P0 | not a row | - | - |\n" +
		"| SE-06 | P2 | grep logs for `a\\|b` | none | - |\n"
	rows, err := ParseSpec(strings.NewReader(spec))
	if err != nil {
		t.Fatal(err)
	}
	want := []Row{
		{"AC-01", "P0", "Token request omits `code_verifier`"},
		{"SE-06", "P2", `grep logs for ` + "`a\\"},
	}
	if !reflect.DeepEqual(rows, want) {
		t.Fatalf("rows = %q, want %q", rows, want)
	}
	if _, err := ParseSpec(strings.NewReader(spec + "| AC-01 | P0 | again | - | - |\n")); err == nil {
		t.Fatal("a duplicated row ID was accepted")
	}
}

func TestRender(t *testing.T) {
	rows := []Row{{"AC-01", "P0", "short"}, {"AC-02", "P1", strings.Repeat("word ", 40)}}
	tests := map[string][]Test{"AC-01": {{"a", "T1"}, {"a", "T2"}, {"b", "T3"}, {"c", "T4/AC-01 x"}, {"d", "T5"}}}
	var b strings.Builder
	if err := Render(&b, rows, tests); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"| AC-01 | P0 | short | `a.T1`<br>`a.T2`<br>`b.T3`<br>+2 more | covered |",
		"| AC-02 | P1 | word word",
		"… | — | **not covered** |",
		"- P0: 1 of 1 rows covered",
		"- P1: 0 of 1 rows covered",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("page lacks %q:\n%s", want, out)
		}
	}
}
