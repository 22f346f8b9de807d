package ratelimit_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/internal/testsupport"
	"github.com/signet-auth/signet/ratelimit"
	"github.com/signet-auth/signet/sqlite"
)

// t0 is the tests' start of time.
var t0 = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

func newClock() *testsupport.Clock { return testsupport.NewClock(t0) }

// newLimiter returns a Limiter over store with policy p.
func newLimiter(t testing.TB, store signet.RateLimitStore, p ratelimit.Policy, c signet.Clock) *ratelimit.Limiter {
	t.Helper()
	l, err := ratelimit.New(ratelimit.Config{Store: store, Policy: p, Clock: c})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// twoNodes opens two SQLite handles on one file: two signet processes
// sharing a database.
func twoNodes(t testing.TB) (*sqlite.DB, *sqlite.DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "signet.db")
	return openDB(t, path), openDB(t, path), path
}

func openDB(t testing.TB, path string) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// from is a request from the peer address addr (host:port).
func from(addr string) *http.Request {
	r := httptest.NewRequest("POST", "http://signet.test/token", nil)
	r.RemoteAddr = addr
	return r
}

// code returns the domain code of a refusal ("" for none).
func code(e *signet.Error) signet.ErrorCode {
	if e == nil {
		return ""
	}
	return e.Code
}

// only returns a policy with every limit off but those set by set.
func only(set func(*ratelimit.Policy)) ratelimit.Policy {
	var p ratelimit.Policy
	set(&p)
	return p
}

// clientAuth asks l's client-authentication budget for r's address, as the
// engine does before it checks a secret.
func clientAuth(l *ratelimit.Limiter, r *http.Request, clientID string) *signet.Error {
	if err := l.AdmitClientAuth(r.Context(), clientID, l.Origin(r)); err != nil {
		return signet.AsError(err)
	}
	return nil
}

// clientAuthResult counts an authentication's outcome for r's address, as
// the engine does after it checked a secret.
func clientAuthResult(l *ratelimit.Limiter, r *http.Request, clientID string, err error) {
	l.CountClientAuth(r.Context(), clientID, l.Origin(r), err)
}
