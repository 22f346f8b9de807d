package signettest_test

import (
	"os"
	"strings"
	"testing"
)

// TestREADMESnippet: the README's "Testing your tool against signet"
// snippet is, line for line, a part of the example test, so it compiles
// and passes.
func TestREADMESnippet(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "## Testing your tool against signet\n")
	_, snippet, ok2 := strings.Cut(section, "```go\n")
	snippet, _, ok3 := strings.Cut(snippet, "```\n")
	if !ok || !ok2 || !ok3 {
		t.Fatal("README: no Go snippet in the section \"Testing your tool against signet\"")
	}
	example, err := os.ReadFile("example_test.go")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(example), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimPrefix(l, "\t")
	}
	if !strings.Contains(strings.Join(lines, "\n"), snippet) {
		t.Errorf("the README snippet is not in example_test.go (one tab less):\n%s", snippet)
	}
}
