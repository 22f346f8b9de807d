package catalog

import (
	"bufio"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// SpecPath is where the catalogue sits relative to the repository root: a
// copy of the shared reference kept in docs/spec by scripts/sync-spec.sh.
const SpecPath = "docs/spec/security.md"

// DocPath is the generated page, relative to the repository root.
const DocPath = "docs/security.md"

// selfDir is this package, relative to the repository root.
const selfDir = "internal/catalog"

// Row is one catalogue entry.
type Row struct {
	ID       string // "AC-01"
	Priority string // "P0", "P1" or "P2"
	Title    string // the "Bad input or fault" cell
}

// Test names one test that carries a catalogue ID: Package is the directory
// relative to the repository root, Name the function, optionally followed by
// "/" and the subtest literal.
type Test struct {
	Package string
	Name    string
}

func (t Test) String() string { return t.Package + "." + t.Name }

var rowLine = regexp.MustCompile(`^\|\s*([A-Z]{2}-[0-9]{2})\s*\|\s*(P[0-9])\s*\|(.*)$`)

// ParseSpec reads the catalogue's rows in document order.
func ParseSpec(r io.Reader) ([]Row, error) {
	var rows []Row
	seen := map[string]bool{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		m := rowLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		if seen[m[1]] {
			return nil, fmt.Errorf("catalog: row %s appears twice", m[1])
		}
		seen[m[1]] = true
		title, _, _ := strings.Cut(m[3], "|")
		rows = append(rows, Row{ID: m[1], Priority: m[2], Title: strings.TrimSpace(title)})
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("catalog: no rows found")
	}
	return rows, nil
}

// funcID finds IDs inside a function name, written without the hyphen and
// not glued to a longer run of capitals or digits (so "HTTP20" is not "TP-20").
var funcID = regexp.MustCompile(`(?:^|[^A-Z])([A-Z]{2})([0-9]{2})(?:[^0-9]|$)`)

// literalID finds an ID at the start of a subtest name, with or without the
// hyphen.
var literalID = regexp.MustCompile(`^([A-Z]{2})-?([0-9]{2})(?:[^0-9]|$)`)

// IDsInFuncName returns the IDs a function name carries, in order.
func IDsInFuncName(name string) []string {
	var ids []string
	// Overlapping matches matter (TestAC01AC02), so scan from each match end - 1.
	for s := name; ; {
		loc := funcID.FindStringSubmatchIndex(s)
		if loc == nil {
			return ids
		}
		ids = append(ids, s[loc[2]:loc[3]]+"-"+s[loc[4]:loc[5]])
		s = s[loc[5]:]
	}
}

// IDInLiteral returns the ID a subtest name starts with, if any.
func IDInLiteral(s string) (string, bool) {
	m := literalID.FindStringSubmatch(s)
	if m == nil {
		return "", false
	}
	return m[1] + "-" + m[2], true
}

// Scan walks the Go files under root that import "testing" and returns, for
// every ID found, the tests that carry it, sorted and without duplicates.
func Scan(root string) (map[string][]Test, error) {
	found := map[string]map[Test]bool{}
	add := func(id string, t Test) {
		if found[id] == nil {
			found[id] = map[Test]bool{}
		}
		found[id][t] = true
	}
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			n := d.Name()
			if path != root && (strings.HasPrefix(n, ".") || strings.HasPrefix(n, "_") || n == "testdata" || n == "vendor" || n == "node_modules") {
				return filepath.SkipDir
			}
			// This package's own tests use IDs as sample names.
			if rel, _ := filepath.Rel(root, path); filepath.ToSlash(rel) == selfDir {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return fmt.Errorf("catalog: %w", err)
		}
		if !importsTesting(f) {
			return nil
		}
		rel, err := filepath.Rel(root, filepath.Dir(path))
		if err != nil {
			return err
		}
		pkg := filepath.ToSlash(rel)
		if pkg == "." {
			pkg = f.Name.Name
		}
		for _, decl := range f.Decls {
			owner := ""
			switch d := decl.(type) {
			case *ast.FuncDecl:
				owner = d.Name.Name
				if d.Recv == nil && (strings.HasPrefix(owner, "Test") || strings.HasPrefix(owner, "Fuzz")) {
					for _, id := range IDsInFuncName(owner) {
						add(id, Test{pkg, owner})
					}
				}
			case *ast.GenDecl:
				owner = genDeclName(d)
			}
			ast.Inspect(decl, func(n ast.Node) bool {
				lit, ok := n.(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					return true
				}
				s, err := strconv.Unquote(lit.Value)
				if err != nil {
					return true
				}
				if id, ok := IDInLiteral(s); ok {
					add(id, Test{pkg, owner + "/" + s})
				}
				return true
			})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make(map[string][]Test, len(found))
	for id, set := range found {
		ts := make([]Test, 0, len(set))
		for t := range set {
			ts = append(ts, t)
		}
		sort.Slice(ts, func(i, j int) bool {
			// Whole test functions before subtests, then by name.
			si, sj := strings.Contains(ts[i].Name, "/"), strings.Contains(ts[j].Name, "/")
			if si != sj {
				return !si
			}
			return ts[i].String() < ts[j].String()
		})
		out[id] = ts
	}
	return out, nil
}

func importsTesting(f *ast.File) bool {
	for _, imp := range f.Imports {
		if imp.Path.Value == `"testing"` {
			return true
		}
	}
	return false
}

func genDeclName(d *ast.GenDecl) string {
	for _, s := range d.Specs {
		switch s := s.(type) {
		case *ast.ValueSpec:
			if len(s.Names) > 0 {
				return s.Names[0].Name
			}
		case *ast.TypeSpec:
			return s.Name.Name
		}
	}
	return "_"
}

// maxTests is how many tests a row lists before "+N more".
const maxTests = 3

// maxTitle bounds the row title so the table stays readable.
const maxTitle = 80

// Render writes the page: a summary and one table line per row.
func Render(w io.Writer, rows []Row, tests map[string][]Test) error {
	var b strings.Builder
	type tally struct{ all, covered int }
	byPri := map[string]*tally{}
	var pris []string
	for _, r := range rows {
		if byPri[r.Priority] == nil {
			byPri[r.Priority] = &tally{}
			pris = append(pris, r.Priority)
		}
		byPri[r.Priority].all++
		if len(tests[r.ID]) > 0 {
			byPri[r.Priority].covered++
		}
	}
	sort.Strings(pris)
	b.WriteString("<!-- Code generated by internal/cmd/catalog; DO NOT EDIT. Run `go generate ./internal/catalog`. -->\n\n")
	b.WriteString("# Security catalogue coverage\n\n")
	b.WriteString("Each row of the reliability and security catalogue (`docs/spec/security.md`) and the tests\n")
	b.WriteString("that carry its ID: a test function named after it (`TestAC02_…`) or a subtest whose name\n")
	b.WriteString("starts with it (`\"AC-02/…\"`). Subtests of the storetest conformance suite run against\n")
	b.WriteString("every store backend.\n\n")
	for _, p := range pris {
		t := byPri[p]
		fmt.Fprintf(&b, "- %s: %d of %d rows covered\n", p, t.covered, t.all)
	}
	b.WriteString("\n| ID | Pri | Row | Tests | Status |\n|---|---|---|---|---|\n")
	for _, r := range rows {
		ts := tests[r.ID]
		names := make([]string, 0, maxTests+1)
		for i, t := range ts {
			if i == maxTests {
				names = append(names, fmt.Sprintf("+%d more", len(ts)-maxTests))
				break
			}
			names = append(names, "`"+cell(t.String())+"`")
		}
		status := "covered"
		if len(ts) == 0 {
			status = "**not covered**"
			names = append(names, "—")
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", r.ID, r.Priority, cell(shorten(r.Title)), strings.Join(names, "<br>"), status)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// cell keeps a value from breaking out of its table cell.
func cell(s string) string {
	s = strings.ReplaceAll(s, "\n", " ")
	return strings.ReplaceAll(s, "|", `\|`)
}

// shorten cuts a title at a word boundary and closes any code span it cut.
func shorten(s string) string {
	if len([]rune(s)) <= maxTitle {
		return s
	}
	r := []rune(s)[:maxTitle]
	cut := string(r)
	if i := strings.LastIndex(cut, " "); i > maxTitle/2 {
		cut = cut[:i]
	}
	cut = strings.TrimRight(cut, " ,;:(")
	if strings.Count(cut, "`")%2 == 1 {
		cut += "`"
	}
	return cut + " …"
}

// Generate reads the catalogue at specPath, scans root and returns the page.
func Generate(root, specPath string) ([]byte, error) {
	f, err := os.Open(specPath)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rows, err := ParseSpec(f)
	if err != nil {
		return nil, err
	}
	tests, err := Scan(root)
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	if err := Render(&b, rows, tests); err != nil {
		return nil, err
	}
	return []byte(b.String()), nil
}
