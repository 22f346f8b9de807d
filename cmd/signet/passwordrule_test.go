package main

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
)

// TestPW01_AdminAndDevPasswordShowTheRule: the engine's password policy
// reaches the operator as a clear message at admin user add and passwd and
// at serve --dev --dev-password.
func TestPW01_AdminAndDevPasswordShowTheRule(t *testing.T) {
	dir := t.TempDir()
	admin := func(stdin string, args ...string) (int, string) {
		var stderr bytes.Buffer
		code := run(context.Background(), append(append([]string{"admin", "user"}, args...), "--data-dir", dir),
			mapenv(map[string]string{"SIGNET_MASTER_KEY": testMasterKey}), strings.NewReader(stdin+"\n"), io.Discard, &stderr)
		return code, stderr.String()
	}
	for _, tc := range []struct{ pw, says string }{
		{"password", "list of common and breached passwords"},
		{"12345678", "list of common and breached passwords"},
		{"mallory.smith", "user name"},
		{"short", "at least 8 characters"},
	} {
		if code, stderr := admin(tc.pw, "add", "mallory.smith", "--password-stdin"); code == 0 || !strings.Contains(stderr, tc.says) {
			t.Errorf("admin user add with %q: exit %d, stderr %q; want %q", tc.pw, code, stderr, tc.says)
		}
	}
	if code, stderr := admin("correct horse battery staple", "add", "mallory.smith", "--password-stdin"); code != 0 {
		t.Fatalf("admin user add with a good password: exit %d: %s", code, stderr)
	}
	if code, stderr := admin("password1", "passwd", "mallory.smith", "--password-stdin"); code == 0 || !strings.Contains(stderr, "common") {
		t.Errorf("admin user passwd password1: exit %d, stderr %q", code, stderr)
	}

	var stderr bytes.Buffer
	code := run(context.Background(), []string{"serve", "--dev", "--addr", "127.0.0.1:0", "--data-dir", t.TempDir(), "--dev-password", "password"},
		mapenv(nil), strings.NewReader(""), io.Discard, &stderr)
	if code == 0 || !strings.Contains(stderr.String(), "dev user") || !strings.Contains(stderr.String(), "common") {
		t.Errorf("serve --dev-password password: exit %d, stderr %q", code, stderr.String())
	}
}
