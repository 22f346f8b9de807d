package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// postgresURL returns SIGNET_TEST_POSTGRES_URL pointed at a fresh schema
// that is dropped when the test ends. CI must have a database; elsewhere the
// test skips without one.
func postgresURL(t *testing.T) string {
	t.Helper()
	base := os.Getenv("SIGNET_TEST_POSTGRES_URL")
	if base == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("SIGNET_TEST_POSTGRES_URL not set; CI needs PostgreSQL")
		}
		t.Skip("SIGNET_TEST_POSTGRES_URL not set; skipping PostgreSQL tests")
	}
	ctx := context.Background()
	schema := "signet_cmd_" + strings.ToLower(rand.Text())
	exec := func(sql string) error {
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, sql)
		return err
	}
	if err := exec("CREATE SCHEMA " + pgx.Identifier{schema}.Sanitize()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := exec("DROP SCHEMA " + pgx.Identifier{schema}.Sanitize() + " CASCADE"); err != nil {
			t.Error(err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema) // pgx passes unknown parameters to the server
	u.RawQuery = q.Encode()
	return u.String()
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
