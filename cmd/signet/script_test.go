package main

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
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
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"envfrom": envFrom,
			"absent":  absent,
		},
	})
}

// capture returns the first submatch of the multi-line regexp re in file.
func capture(ts *testscript.TestScript, file, re string) string {
	m := regexp.MustCompile("(?m)" + re).FindStringSubmatch(ts.ReadFile(file))
	if len(m) < 2 || m[1] == "" {
		ts.Fatalf("%s: nothing matches %s", file, re)
	}
	return m[1]
}

// envFrom is `envfrom FILE REGEXP VAR`: VAR is set to the first submatch
// of REGEXP in FILE.
func envFrom(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: envfrom FILE REGEXP VAR")
	}
	ts.Setenv(args[2], capture(ts, args[0], args[1]))
}

// absent is `absent FILE REGEXP PATH...`: the first submatch of REGEXP in
// FILE (a secret the command printed) occurs in none of the files (those
// that exist), e.g. the database and its write-ahead log.
func absent(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 3 {
		ts.Fatalf("usage: absent FILE REGEXP PATH...")
	}
	secret := capture(ts, args[0], args[1])
	for _, p := range args[2:] {
		b, err := os.ReadFile(ts.MkAbs(p))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		ts.Check(err)
		if bytes.Contains(b, []byte(secret)) {
			ts.Fatalf("%s holds the secret printed in %s", p, args[0])
		}
	}
}
