package oauth2_test

import (
	"context"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/signet-auth/signet/httpserver"
	"github.com/signet-auth/signet/internal/testenv"
)

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

	release := e.HoldWriteLock(t)
	start := time.Now()
	r := refresh(t, e, a, rt)
	if took := time.Since(start); took >= httpserver.WriteTimeout {
		t.Errorf("answered after %v: the server's WriteTimeout (%v) would have cut the connection first", took, httpserver.WriteTimeout)
	}
	wantError(t, r, http.StatusServiceUnavailable, "temporarily_unavailable")
	if s, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || s < 1 {
		t.Errorf("Retry-After = %q, want whole seconds ≥ 1", r.Header.Get("Retry-After"))
	}
	release()
	// Nothing of the failed rotation is in the database, nor comes later.
	sess, gen, err := e.Stores.Grants.LookupRefresh(context.Background(), e.Hasher.Digest(rt))
	if err != nil || sess.Generation != 0 || !gen.RotatedAt.IsZero() || !sess.RevokedAt.IsZero() {
		t.Fatalf("after the failed refresh: session %+v, generation %+v, %v; want generation 0 live and not rotated", sess, gen, err)
	}

	r = refresh(t, e, a, rt)
	if r.Status != http.StatusOK || r.str("refresh_token") == "" || r.str("refresh_token") == rt {
		t.Fatalf("refresh after the lock is gone: %d %s", r.Status, r.Raw)
	}
}
