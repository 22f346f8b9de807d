package ssooidc_test

import (
	"context"
	"testing"
	"time"

	"github.com/signet-auth/signet/httpserver"
	"github.com/signet-auth/signet/internal/testenv"
)

// TestCC06_StoreBusyIsInternalServerException refreshes while another
// process holds the database's write lock past the store's bounded wait:
// CreateToken answers 500 InternalServerException (the only 5xx the model
// lists), never a 200 without a durable write and never a cut connection.
// Nothing was written: once the lock is gone the same refresh token works
// as a first use, where a half-done rotation would have made it a reused
// one and revoked the session.
func TestCC06_StoreBusyIsInternalServerException(t *testing.T) {
	t.Parallel()
	e := testenv.New(t, testenv.Options{})
	c := register(t, e)
	rt := tokens(t, e, c).str("refreshToken")

	release := e.HoldWriteLock(t)
	start := time.Now()
	w := refresh(t, e, c, rt)
	if took := time.Since(start); took >= httpserver.WriteTimeout {
		t.Errorf("answered after %v: the server's WriteTimeout (%v) would have cut the connection first", took, httpserver.WriteTimeout)
	}
	wantError(t, w, 500, "InternalServerException", "server_error")
	release()
	// Nothing of the failed rotation is in the database, nor comes later.
	sess, gen, err := e.Stores.Grants.LookupRefresh(context.Background(), e.Hasher.Digest(rt))
	if err != nil || sess.Generation != 0 || !gen.RotatedAt.IsZero() || !sess.RevokedAt.IsZero() {
		t.Fatalf("after the failed refresh: session %+v, generation %+v, %v; want generation 0 live and not rotated", sess, gen, err)
	}

	w = ok(t, refresh(t, e, c, rt))
	if w.str("refreshToken") == "" || w.str("refreshToken") == rt {
		t.Fatalf("refresh after the lock is gone: %s", w.Raw)
	}
}
