// Package pgtest gives tests their own PostgreSQL schema on the database
// that SIGNET_TEST_POSTGRES_URL names, so that any number of tests (and
// processes) can share one database without seeing each other's rows.
package pgtest

import (
	"context"
	"crypto/rand"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvURL is the variable that names the test database.
const EnvURL = "SIGNET_TEST_POSTGRES_URL"

// BaseURL returns the test database's URL. Without one the test skips,
// except on CI (CI=true), where a missing database is a failure.
func BaseURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvURL)
	if base == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal(EnvURL + " not set; CI needs PostgreSQL")
		}
		t.Skip(EnvURL + " not set; skipping the PostgreSQL tests")
	}
	return base
}

// SchemaURL creates an empty schema named prefix + a random suffix, drops
// it when the test ends, and returns the database URL with search_path set
// to it (pgx passes unknown URL parameters to the server as run-time
// parameters).
func SchemaURL(t testing.TB, prefix string) string {
	t.Helper()
	base := BaseURL(t)
	schema := pgx.Identifier{prefix + strings.ToLower(rand.Text())}.Sanitize()
	exec := func(sql string) error {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, sql)
		return err
	}
	if err := exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := exec("DROP SCHEMA " + schema + " CASCADE"); err != nil {
			t.Error(err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", strings.Trim(schema, `"`))
	u.RawQuery = q.Encode()
	return u.String()
}
