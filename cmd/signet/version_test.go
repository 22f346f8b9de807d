package main

import (
	"runtime/debug"
	"strings"
	"testing"
)

// The linker's stamps win over the toolchain's record; without either, the
// answer says it does not know rather than making a value up.
func TestReadBuildInfo(t *testing.T) {
	recorded := &debug.BuildInfo{
		GoVersion: "go1.99",
		Main:      debug.Module{Path: "github.com/signet-auth/signet", Version: "v0.3.0"},
		Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "abc123"},
			{Key: "vcs.time", Value: "2026-01-02T03:04:05Z"},
			{Key: "vcs.modified", Value: "true"},
		},
	}
	got := readBuildInfo(recorded, true, "", "", "")
	want := buildInfo{Version: "v0.3.0", Commit: "abc123", Date: "2026-01-02T03:04:05Z", Modified: true, Go: "go1.99"}
	if got != want {
		t.Errorf("recorded only: %+v, want %+v", got, want)
	}
	got = readBuildInfo(recorded, true, "v1.0.0", "def456", "2026-12-01T00:00:00Z")
	want = buildInfo{Version: "v1.0.0", Commit: "def456", Date: "2026-12-01T00:00:00Z", Modified: true, Go: "go1.99"}
	if got != want {
		t.Errorf("stamped: %+v, want %+v", got, want)
	}
	devel := &debug.BuildInfo{GoVersion: "go1.99", Main: debug.Module{Version: "(devel)"}}
	if got := readBuildInfo(devel, true, "", "", ""); got.Version != "devel" || got.Commit != "unknown" || got.Date != "unknown" {
		t.Errorf("nothing recorded: %+v", got)
	}
	if got := readBuildInfo(nil, false, "v2", "", ""); got.Version != "v2" || got.Commit != "unknown" {
		t.Errorf("no build info: %+v", got)
	}
}

func TestVersionCommand(t *testing.T) {
	var stdout, stderr strings.Builder
	if code := run(t.Context(), []string{"version"}, mapenv(nil), strings.NewReader(""), &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	lines := strings.Split(strings.TrimSuffix(stdout.String(), "\n"), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "signet ") || !strings.HasPrefix(lines[1], "commit ") ||
		!strings.HasPrefix(lines[2], "built  ") || !strings.HasPrefix(lines[3], "go     go1.") {
		t.Fatalf("version output:\n%s", stdout.String())
	}
}
