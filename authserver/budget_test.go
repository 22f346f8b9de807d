package authserver

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/ratelimit"
	"github.com/signet-auth/signet/sqlite"
)

// budgetNode is an engine with a client cache and the client-auth failure
// budget (3 failures a minute) kept in its own SQLite database, as
// signet serve has them; db counts the statements.
func budgetNode(t *testing.T) (*fixture, *sqlite.DB) {
	t.Helper()
	f, cfg := newFixtureConfig(t)
	db, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "signet.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	f.stores = db.Stores()
	cfg.Users, cfg.Clients, cfg.Grants, cfg.Browser = f.stores.Users, f.stores.Clients, f.stores.Grants, f.stores.Browser
	cfg.ClientCache = 100
	p := ratelimit.DefaultPolicy()
	p.ClientAuth = ratelimit.Limit{N: 3, Per: time.Minute}
	l, err := ratelimit.New(ratelimit.Config{Store: f.stores.RateLimit, Policy: p, Clock: f.clock, GrantStore: true})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Limiter = l
	if f.srv, err = New(cfg); err != nil {
		t.Fatal(err)
	}
	return f, db
}

// CL-04 with the budget read by the rotation: a refresh whose secret the
// cache confirms reads its budget with the rotation's snapshot, not on
// its own (one statement fewer), and every answer is still the one of the
// budget asked first. From an address whose budget is spent, the right
// secret, a wrong one and a malformed request all get too_many_requests,
// the wrong secret is not counted again, and nothing rotates: the token
// still works from another address.
func TestCL04_RefreshReadsItsBudgetWithTheRotation(t *testing.T) {
	f, db := budgetNode(t)
	c := f.ssoClient()
	rt := f.login(c, f.user("dana")).RefreshToken
	refresh := func(rt, origin string) TokenRequest {
		r := f.refreshRequest(c, rt)
		r.Origin = origin
		return r
	}
	rt = f.token(refresh(rt, "192.0.2.1")).RefreshToken // the client is now cached

	before := db.Statements()
	rt = f.token(refresh(rt, "192.0.2.1")).RefreshToken
	// The snapshot (with the budget's window), then one write transaction:
	// BEGIN, the session's move, the rotation mark, the successor, COMMIT
	// (this engine has no auditor).
	if n := db.Statements() - before; n != 6 {
		t.Errorf("a cached refresh ran %d statements, want 6 (no read of the budget of its own)", n)
	}

	// Spend the budget of 192.0.2.66 with wrong secrets.
	wrong := refresh(rt, "192.0.2.66")
	wrong.Client = ClientSecret{ID: c.Client.ID, Secret: c.Secret + "x"}
	for range 3 {
		_, err := f.srv.Token(f.ctx, wrong)
		wantErr(t, err, signet.CodeInvalidClient, "")
	}
	_, err := f.srv.Token(f.ctx, refresh(rt, "192.0.2.66"))
	wantErr(t, err, signet.CodeTooManyRequests, "")
	_, err = f.srv.Token(f.ctx, wrong)
	wantErr(t, err, signet.CodeTooManyRequests, "")
	malformed := refresh(rt, "192.0.2.66")
	malformed.Scopes = []string{"bad scope\x00"}
	_, err = f.srv.Token(f.ctx, malformed)
	wantErr(t, err, signet.CodeTooManyRequests, "")
	unknown := refresh("not-a-token", "192.0.2.66")
	_, err = f.srv.Token(f.ctx, unknown)
	wantErr(t, err, signet.CodeTooManyRequests, "")
	// Locked out, the wrong secret was not counted again.
	l := f.srv.limiter.(*ratelimit.Limiter)
	if n, _, err := f.stores.RateLimit.Count(f.ctx, l.ClientAuthBudget(f.ctx, c.Client.ID, "192.0.2.66").Key, f.clock.Now()); err != nil || n != 3 {
		t.Errorf("failures counted: %d, %v; want 3", n, err)
	}
	// Nothing rotated: the same token works from another address.
	f.token(refresh(rt, "192.0.2.2"))
}
