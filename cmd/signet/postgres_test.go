package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/signet-auth/signet/internal/pgtest"
)

// postgresURL returns SIGNET_TEST_POSTGRES_URL pointed at a fresh schema
// that is dropped when the test ends. CI must have a database; elsewhere the
// test skips without one.
func postgresURL(t *testing.T) string {
	t.Helper()
	return pgtest.SchemaURL(t, "signet_cmd_")
}

func TestServePostgres(t *testing.T) {
	db := postgresURL(t)
	env := map[string]string{
		"SIGNET_DATABASE_URL": db,
		"SIGNET_MASTER_KEY":   "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
	}
	s := startServe(t, env, "--dev", "--addr", "127.0.0.1:0", "--data-dir", t.TempDir())
	if status, body := httpGet(t, s.base+"/readyz"); status != http.StatusOK {
		t.Fatalf("readyz: %d %q", status, body)
	}
	if code := s.stop(); code != 0 {
		t.Fatalf("exit %d:\n%s", code, s.stderr)
	}
	if !strings.Contains(s.stderr.String(), "store=postgres") {
		t.Fatalf("not served from PostgreSQL:\n%s", s.stderr)
	}
	if strings.Contains(s.stderr.String(), "0001020304") {
		t.Fatalf("the master key appears in the log")
	}

	var out bytes.Buffer
	if code := run(context.Background(), []string{"admin", "user", "list"}, mapenv(env), nil, &out, io.Discard); code != 0 {
		t.Fatalf("admin user list: exit %d", code)
	}
	if !strings.Contains(out.String(), "000000000000/Developer") {
		t.Fatalf("admin user list on PostgreSQL:\n%s", out.String())
	}
}
