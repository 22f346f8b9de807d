package archtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
)

// The module's package graph keeps every rule.
func TestArrows(t *testing.T) {
	graph := load(t)
	for _, v := range Check(graph, Rules) {
		t.Error(v)
	}
}

// The check catches each arrow the project has turned around: the graph
// before the stores' contract moved into the root, as it was, and a
// binary that links a test server.
func TestCheckCatchesOldArrows(t *testing.T) {
	pkg := func(rel string, deps ...string) Package {
		p := Package{ImportPath: Module + "/" + rel, Deps: []string{"context"}}
		for _, d := range deps {
			p.Deps = append(p.Deps, Module+"/"+d)
		}
		return p
	}
	graph := map[string]Package{"context": {ImportPath: "context", Standard: true}}
	for _, p := range []Package{
		{ImportPath: Module, Deps: []string{"context", Module + "/internal/failpoint"}},
		pkg("sqlite", "awscreds", "internal/storecore"),
		pkg("postgres"),
		pkg("internal/storecore", "awscreds"),
		pkg("storetest", "awscreds"),
		pkg("ratelimit", "web", "httpserver"),
		pkg("sigv4", "api/awsjson"),
		pkg("api/oauth2", "keyring"),
		pkg("api/signin"),
		pkg("api/ssoportal"),
		pkg("iamrole"),
		pkg("internal/testsupport", "dpop", "internal/signintest"),
		pkg("cmd/signet", "signettest"),
	} {
		graph[p.ImportPath] = p
	}
	got := Check(graph, Rules)
	want := []string{
		Module + " imports " + Module + "/internal/failpoint",
		Module + "/api/oauth2 imports " + Module + "/keyring",
		Module + "/cmd/signet imports " + Module + "/signettest",
		Module + "/internal/storecore imports " + Module + "/awscreds",
		Module + "/internal/testsupport imports " + Module + "/internal/signintest",
		Module + "/ratelimit imports " + Module + "/httpserver",
		Module + "/ratelimit imports " + Module + "/web",
		Module + "/sigv4 imports " + Module + "/api/awsjson",
		Module + "/sqlite imports " + Module + "/awscreds",
		Module + "/storetest imports " + Module + "/awscreds",
	}
	if len(got) != len(want) {
		t.Fatalf("got %d violations, want %d:\n%q", len(got), len(want), got)
	}
	for i := range want {
		if !bytes.HasPrefix([]byte(got[i]), []byte(want[i]+":")) {
			t.Errorf("violation %d: got %q, want %q…", i, got[i], want[i])
		}
	}
	// A rule naming a package the graph lacks is itself reported, so that a
	// renamed package cannot silently escape its rule.
	delete(graph, Module+"/postgres")
	if v := Check(graph, Rules); !slices.Contains(v, Module+"/postgres: not in the package graph") {
		t.Errorf("a missing package was not reported: %q", v)
	}
}

// load runs go list over the module and returns every package it and its
// dependencies consist of, keyed by import path.
func load(t *testing.T) map[string]Package {
	t.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to list the package graph: %v", err)
	}
	cmd := exec.Command(gobin, "list", "-deps", "-json=ImportPath,Standard,Deps,Dir,GoFiles", Module+"/...")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.Bytes())
	}
	graph := map[string]Package{}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p Package
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("go list output: %v", err)
		}
		graph[p.ImportPath] = p
		if !p.Standard {
			readSources(t, p)
		}
	}
	if _, ok := graph[Module]; !ok {
		t.Fatalf("go list did not list %s", Module)
	}
	return graph
}

// readSources reads p's directory and Go files, so that go test's cache,
// which does not see what the go list child process read, takes them as
// the test's inputs and reruns it when an import changes.
func readSources(t *testing.T, p Package) {
	t.Helper()
	if _, err := os.ReadDir(p.Dir); err != nil {
		t.Fatal(err)
	}
	for _, f := range p.GoFiles {
		if _, err := os.ReadFile(filepath.Join(p.Dir, f)); err != nil {
			t.Fatal(err)
		}
	}
}
