package main

import (
	"bytes"
	"context"
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
