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
// copy in docs/spec and the tests in the tree.
func TestDocUpToDate(t *testing.T) {
	spec := filepath.Join(repoRoot, SpecPath)
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

// sharedDir is the reference the copies in docs/ come from, checked out
// beside the repository (scripts/sync-spec.sh).
const sharedDir = repoRoot + "/../shared"

// TestSpecCopyCurrent fails while docs/spec or docs/design.md differs from
// the shared reference beside the repository. A clone on its own has only
// the copies and skips; CI always has the reference and must compare.
func TestSpecCopyCurrent(t *testing.T) {
	if _, err := os.Stat(filepath.Join(sharedDir, "spec")); errors.Is(err, fs.ErrNotExist) {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s/spec not found: CI runs with the shared reference beside the clone", sharedDir)
		}
		t.Skipf("%s/spec not present beside the repository; the copies in docs/ are all there is", sharedDir)
	}
	pairs := map[string]string{filepath.Join(sharedDir, "DESIGN.md"): filepath.Join(repoRoot, "docs/design.md")}
	src := filepath.Join(sharedDir, "spec")
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		pairs[p] = filepath.Join(repoRoot, "docs/spec", rel)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for from, to := range pairs {
		a, err := os.ReadFile(from)
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(to)
		if err != nil || !bytes.Equal(a, b) {
			t.Errorf("%s differs from %s: run `go generate ./internal/catalog`", to, from)
		}
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
