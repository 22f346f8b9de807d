package main

import (
	"strings"
	"testing"

	"github.com/signet-auth/signet/internal/failpoint"
)

// Fail-points let a request kill the server (catalogue CC-05's crash
// test), so SIGNET_FAILPOINTS is refused outside --dev and a mistyped one
// stops the start instead of arming nothing.
func TestServeFailPointsNeedDev(t *testing.T) {
	for _, tc := range []struct {
		name, spec string
		args       []string
		want       string
	}{
		{"without --dev", "grant-claimed=kill", nil, "needs --dev"},
		{"unknown point", "grant-claimd=kill", []string{"--dev"}, `unknown point "grant-claimd"`},
		{"unknown action", "grant-claimed=panic", []string{"--dev"}, `unknown action "panic"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"serve", "--addr", "127.0.0.1:0", "--data-dir", t.TempDir()}, tc.args...)
			code, _, stderr := runCLI(map[string]string{failpoint.EnvVar: tc.spec}, args...)
			if code == 0 || !strings.Contains(stderr, failpoint.EnvVar) || !strings.Contains(stderr, tc.want) {
				t.Fatalf("exit %d, stderr %q; want a refusal naming %s: %s", code, stderr, failpoint.EnvVar, tc.want)
			}
		})
	}
}

// An armed server says so at the top of its log. (No token request is
// made: the server runs inside the test process.)
func TestServeWarnsWhenFailPointsAreArmed(t *testing.T) {
	s := startServe(t, map[string]string{failpoint.EnvVar: "reuse-revoked=kill"}, "--dev", "--addr", "127.0.0.1:0", "--data-dir", t.TempDir())
	if code := s.stop(); code != 0 {
		t.Fatalf("exit %d:\n%s", code, s.stderr)
	}
	if logs := s.stderr.String(); !strings.Contains(logs, "level=ERROR") || !strings.Contains(logs, "FAIL-POINTS ARMED") ||
		!strings.Contains(logs, "points=reuse-revoked") {
		t.Fatalf("no warning about the armed fail-points:\n%s", logs)
	}
	s = startServe(t, nil, "--dev", "--addr", "127.0.0.1:0", "--data-dir", t.TempDir())
	if code := s.stop(); code != 0 || strings.Contains(s.stderr.String(), "FAIL-POINT") {
		t.Fatalf("exit %d; a server without fail-points mentions them:\n%s", code, s.stderr)
	}
}
