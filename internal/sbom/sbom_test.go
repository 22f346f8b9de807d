package sbom

import (
	"encoding/json"
	"regexp"
	"runtime/debug"
	"slices"
	"strings"
	"testing"
	"time"
)

func info(goVersion string, deps ...*debug.Module) *debug.BuildInfo {
	return &debug.BuildInfo{
		GoVersion: goVersion,
		Main:      debug.Module{Path: "example.com/app", Version: "(devel)"},
		Deps:      deps,
	}
}

var at = time.Date(2026, 12, 7, 1, 2, 3, 0, time.FixedZone("", 3600))

// Two platforms of one release: the union of their modules, sorted, each
// once; the replacement is what is listed, with what it replaced.
func TestBuild(t *testing.T) {
	sys := &debug.Module{Path: "golang.org/x/sys", Version: "v0.30.0", Sum: "h1:sys="}
	linux := info("go1.26.8", sys, &debug.Module{Path: "example.com/lib", Version: "v1.0.0", Sum: "h1:lib=",
		Replace: &debug.Module{Path: "example.com/fork", Version: "v1.0.1", Sum: "h1:fork="}})
	windows := info("go1.26.8", sys, &debug.Module{Path: "example.com/winonly", Version: "v0.1.0", Sum: "h1:win="})
	b, err := Build([]*debug.BuildInfo{linux, windows}, "v2.0.0", at)
	if err != nil {
		t.Fatal(err)
	}
	if b.BOMFormat != "CycloneDX" || b.SpecVersion != "1.5" || b.Version != 1 {
		t.Errorf("header: %+v", b)
	}
	if !regexp.MustCompile(`^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(b.SerialNumber) {
		t.Errorf("serial number %q is not a version 5 UUID URN", b.SerialNumber)
	}
	if b.Metadata.Timestamp != "2026-12-07T00:02:03Z" {
		t.Errorf("timestamp %q", b.Metadata.Timestamp)
	}
	app := b.Metadata.Component
	if app.Type != "application" || app.Name != "example.com/app" || app.Version != "v2.0.0" || app.PURL != "pkg:golang/example.com/app@v2.0.0" {
		t.Errorf("main component: %+v", app)
	}
	var refs []string
	for _, c := range b.Components {
		refs = append(refs, c.BOMRef)
	}
	want := []string{
		"pkg:golang/example.com/fork@v1.0.1",
		"pkg:golang/example.com/winonly@v0.1.0",
		"pkg:golang/golang.org/x/sys@v0.30.0",
		"pkg:golang/stdlib@go1.26.8",
	}
	if !slices.Equal(refs, want) {
		t.Errorf("components %q, want %q", refs, want)
	}
	fork := b.Components[0]
	if !slices.Contains(fork.Properties, Property{"go:sum", "h1:fork="}) ||
		!slices.Contains(fork.Properties, Property{"go:replaces", "example.com/lib@v1.0.0"}) {
		t.Errorf("replacement: %+v", fork.Properties)
	}
	if len(b.Dependencies) != 1 || b.Dependencies[0].Ref != app.BOMRef || !slices.Equal(b.Dependencies[0].DependsOn, want) {
		t.Errorf("dependencies: %+v", b.Dependencies)
	}
}

// The same inputs give the same document, byte for byte; another version
// gives another serial number.
func TestBuildIsDeterministic(t *testing.T) {
	deps := []*debug.Module{{Path: "b.example/x", Version: "v1.0.0"}, {Path: "a.example/y", Version: "v1.0.0"}}
	one, err := Build([]*debug.BuildInfo{info("go1.26.8", deps...)}, "v1", at)
	if err != nil {
		t.Fatal(err)
	}
	slices.Reverse(deps)
	two, err := Build([]*debug.BuildInfo{info("go1.26.8", deps...)}, "v1", at)
	if err != nil {
		t.Fatal(err)
	}
	j1, _ := json.Marshal(one)
	j2, _ := json.Marshal(two)
	if string(j1) != string(j2) {
		t.Errorf("two documents:\n%s\n%s", j1, j2)
	}
	three, err := Build([]*debug.BuildInfo{info("go1.26.8", deps...)}, "v2", at)
	if err != nil {
		t.Fatal(err)
	}
	if three.SerialNumber == one.SerialNumber {
		t.Error("another version kept the serial number")
	}
}

func TestBuildRefuses(t *testing.T) {
	if _, err := Build(nil, "v1", at); err == nil {
		t.Error("no binaries: no error")
	}
	other := info("go1.26.8")
	other.Main.Path = "example.com/other"
	if _, err := Build([]*debug.BuildInfo{info("go1.26.8"), other}, "v1", at); err == nil || !strings.Contains(err.Error(), "two modules") {
		t.Errorf("two main modules: %v", err)
	}
}

// The running test binary's own build information: the real input shape.
func TestBuildFromThisBinary(t *testing.T) {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		t.Fatal("no build information in the test binary")
	}
	b, err := Build([]*debug.BuildInfo{bi}, "", at)
	if err != nil {
		t.Fatal(err)
	}
	if b.Metadata.Component.Name != "github.com/signet-auth/signet" {
		t.Errorf("main module %q", b.Metadata.Component.Name)
	}
	if !slices.ContainsFunc(b.Components, func(c Component) bool { return c.Name == "stdlib" && c.Version == bi.GoVersion }) {
		t.Errorf("no stdlib %s component: %+v", bi.GoVersion, b.Components)
	}
}
