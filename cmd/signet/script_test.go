package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain registers the signet binary for the scripts: `exec signet ...`
// re-executes this test binary, which calls run.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"signet": func() {
			os.Exit(run(context.Background(), os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr))
		},
	})
}

// TestScripts runs the admin command scripts in testdata/script. Each script
// gets its own data directory and a fixed master key.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: filepath.Join("testdata", "script"),
		Setup: func(env *testscript.Env) error {
			env.Setenv("SIGNET_DATA_DIR", filepath.Join(env.WorkDir, "data"))
			env.Setenv("SIGNET_MASTER_KEY", "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")
			// A -race binary sleeps a second at exit by default; the scripts
			// start dozens of them.
			env.Setenv("GORACE", strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0"))
			return nil
		},
	})
}
