package main

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
)

func TestRunExitCodes(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"version", []string{"version"}, 0, "signet ", ""},
		{"unknown command", []string{"no-such-command"}, 1, "", `signet: unknown command "no-such-command"`},
		// The client commands print the AWS CLI's message and use its exit
		// codes (252: the command line is wrong); run adds nothing.
		{"client usage error", []string{"sso-oidc", "no-such-operation"}, 252, "", "Invalid choice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), tt.args, mapenv(nil), strings.NewReader(""), &stdout, &stderr)
			if code != tt.code || !strings.Contains(stdout.String(), tt.stdout) || !strings.Contains(stderr.String(), tt.stderr) {
				t.Fatalf("exit %d (want %d)\nstdout %q\nstderr %q", code, tt.code, stdout.String(), stderr.String())
			}
			if tt.stderr != "" && strings.Count(stderr.String(), tt.stderr) != 1 {
				t.Fatalf("the error was printed twice: %q", stderr.String())
			}
		})
	}
}

// A command line that cannot be parsed exits 252 whatever the command, as
// the AWS CLI does for its usage errors; a failure after parsing does not.
func TestUsageErrorsExit252(t *testing.T) {
	for _, args := range [][]string{{"login", "--bogus"}, {"admin", "user", "list", "--no-such-flag"}, {"serve", "--addr"}} {
		var stderr strings.Builder
		if got := run(t.Context(), args, func(string) string { return "" }, strings.NewReader(""), io.Discard, &stderr); got != 252 {
			t.Errorf("%v: exit %d, want 252 (%s)", args, got, stderr.String())
		}
	}
	var stderr strings.Builder
	got := run(t.Context(), []string{"admin", "user", "list", "--data-dir", t.TempDir(), "--database-url", "mysql://nope"},
		func(string) string { return "" }, strings.NewReader(""), io.Discard, &stderr)
	if got == 0 || got == 252 {
		t.Errorf("a failing admin command exited %d", got)
	}
}
