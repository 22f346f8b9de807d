package oauth2_test

import (
	"context"
	"database/sql"
	"net/http"
	"strconv"
	"testing"

	"github.com/signet-auth/signet/internal/testenv"
)

// holdWriteLock takes the SQLite file's write lock from a connection of
// its own, as another process sharing the file would, until the test
// releases it (or ends).
func holdWriteLock(t *testing.T, path string) (release func()) {
	t.Helper()
	other, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Close() })
	conn, err := other.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(context.Background(), "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	done := false
	release = func() {
		if !done {
			done = true
			conn.ExecContext(context.Background(), "ROLLBACK")
			conn.Close()
		}
	}
	t.Cleanup(release)
	return release
}

// TestCC06_StoreUnavailableIs503WithRetryAfter refreshes while another
// process holds the database's write lock past the store's bounded wait:
// the token endpoint answers 503 temporarily_unavailable with Retry-After
// (RFC 7009 §2.2.1's answer for a store that cannot serve now), not a 200
// without a durable write and not a cut connection. Nothing was written:
// once the lock is gone the same refresh token works as a first use, where
// a half-done rotation would have made it a reused one.
func TestCC06_StoreUnavailableIs503WithRetryAfter(t *testing.T) {
	t.Parallel()
	e := newEnv(t, testenv.Options{})
	a := webClient(t, e)
	g := grant(t, e, a)
	rt := g.str("refresh_token")

	release := holdWriteLock(t, e.DBPath)
	r := refresh(t, e, a, rt)
	wantError(t, r, http.StatusServiceUnavailable, "temporarily_unavailable")
	if s, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || s < 1 {
		t.Errorf("Retry-After = %q, want whole seconds ≥ 1", r.Header.Get("Retry-After"))
	}
	release()

	r = refresh(t, e, a, rt)
	if r.Status != http.StatusOK || r.str("refresh_token") == "" || r.str("refresh_token") == rt {
		t.Fatalf("refresh after the lock is gone: %d %s", r.Status, r.Raw)
	}
}
