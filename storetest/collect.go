package storetest

import (
	"fmt"
	"time"

	"github.com/signet-auth/signet"
)

// GC: Collect deletes exactly what can no longer matter, at most batch rows
// of each kind per call.
func testCollect(f *fixture) {
	t, ctx, gs := f.t, f.ctx, f.s.Grants
	const retention = 24 * time.Hour
	now := t0.Add(30 * 24 * time.Hour)
	old := now.Add(-retention - time.Millisecond) // ended more than retention ago
	recent := now.Add(-retention)                 // ended exactly retention ago: kept

	// Replay marks: three expired, one live.
	for i := range 3 {
		_, err := f.s.Replay.MarkUsed(ctx, dg("jti", i), now.Add(-time.Duration(i)*time.Second), t0)
		noErr(t, "MarkUsed", err)
	}
	_, err := f.s.Replay.MarkUsed(ctx, dg("jti", "live"), now.Add(time.Millisecond), t0)
	noErr(t, "MarkUsed", err)

	// Rate-limit windows: three ended, one open.
	for i := range 3 {
		_, _, err := f.s.RateLimit.Hit(ctx, dg("window", i), time.Minute, now.Add(-time.Minute-time.Duration(i)*time.Second))
		noErr(t, "Hit", err)
	}
	_, _, err = f.s.RateLimit.Hit(ctx, dg("window", "open"), time.Minute, now.Add(-time.Second))
	noErr(t, "Hit", err)

	// Codes and device authorizations: three ended long ago, one recently.
	ends := []time.Time{old, old.Add(-time.Hour), old.Add(-2 * time.Hour), recent}
	for i, end := range ends {
		c := newCode(fmt.Sprint("code", i), "c", "")
		c.ExpiresAt = end
		noErr(t, "CreateCode", gs.CreateCode(ctx, c))
		d := newDevice(fmt.Sprint("dev", i), "c")
		d.ExpiresAt = end
		noErr(t, "CreateDevice", gs.CreateDevice(ctx, d))
	}

	// Sessions, each with two generations: three ended long ago (expired,
	// revoked, both), three to keep (live, revoked recently, expired
	// recently).
	mk := func(id string, expires, revoked time.Time) signet.TokenGeneration {
		c := newCode("s"+id, "c", "")
		c.ExpiresAt = now.Add(time.Hour) // codes are not what this counts
		noErr(t, "CreateCode", gs.CreateCode(ctx, c))
		r := redemption(c, id, t0)
		grant := r.Grant
		r.Grant = func(c signet.AuthorizationCode) (signet.Session, signet.TokenGeneration) {
			s, g := grant(c)
			s.ExpiresAt = expires
			g.RefreshExpiresAt = expires
			return s, g
		}
		_, _, g, err := gs.RedeemCode(ctx, r)
		noErr(t, "RedeemCode", err)
		_, err = gs.Rotate(ctx, rotation(g, t0.Add(time.Second), 0))
		noErr(t, "Rotate", err)
		if !revoked.IsZero() {
			noErr(t, "RevokeSession", gs.RevokeSession(ctx, id, revoked, "test"))
		}
		return g
	}
	gone := map[string]signet.TokenGeneration{
		"expired":         mk("expired", old, time.Time{}),
		"revoked":         mk("revoked", now.Add(time.Hour), old),
		"expired+revoked": mk("expired+revoked", old, old.Add(-time.Hour)),
	}
	kept := map[string]signet.TokenGeneration{
		"live":           mk("live", now.Add(time.Hour), time.Time{}),
		"revoked-recent": mk("revoked-recent", now.Add(time.Hour), recent),
		"expired-recent": mk("expired-recent", recent, time.Time{}),
	}

	// Clients: two dynamic ones expired long ago; kept: a dynamic one
	// expired recently, a dynamic one without expiry, an administrator's
	// expired one.
	for id, cl := range map[string]struct {
		dynamic bool
		expires time.Time
	}{
		"dyn-old1": {true, old}, "dyn-old2": {true, old.Add(-time.Hour)},
		"dyn-recent": {true, recent}, "dyn-never": {true, time.Time{}}, "admin-old": {false, old},
	} {
		c := newClient(id)
		c.Dynamic, c.ExpiresAt = cl.dynamic, cl.expires
		noErr(t, "CreateClient", f.s.Clients.CreateClient(ctx, c))
	}

	// Browser sessions: three ended long ago (expired, revoked, both),
	// three to keep (live, revoked recently, expired recently).
	f.user("bu", "browser user")
	browser := func(id string, expires, revoked time.Time) signet.BrowserSession {
		s := newBrowserSession(id, "bu", t0)
		s.ExpiresAt = expires
		noErr(t, "CreateBrowserSession", f.s.Browser.CreateBrowserSession(ctx, s))
		if !revoked.IsZero() {
			noErr(t, "RevokeBrowserSession", f.s.Browser.RevokeBrowserSession(ctx, id, revoked, "test"))
		}
		return s
	}
	browserGone := []signet.BrowserSession{
		browser("b-expired", old, time.Time{}), browser("b-revoked", now.Add(time.Hour), old),
		browser("b-expired+revoked", old, old.Add(-time.Hour)),
	}
	browserKept := []signet.BrowserSession{
		browser("b-live", now.Add(time.Hour), time.Time{}), browser("b-revoked-recent", now.Add(time.Hour), recent),
		browser("b-expired-recent", recent, time.Time{}),
	}

	// batch 2: 2 replay marks, 2 rate windows, 2 codes, 2 devices, 2
	// sessions with their 4 generations, 2 browser sessions, 2 clients.
	n, err := f.s.Collector.Collect(ctx, now, retention, 2)
	noErr(t, "Collect", err)
	eq(t, "first batch", n, 18)
	// What is left: 1 replay mark, 1 rate window, 1 code, 1 device, 1
	// session with 2 generations, 1 browser session.
	n, err = f.s.Collector.Collect(ctx, now, retention, 2)
	noErr(t, "Collect", err)
	eq(t, "second batch", n, 8)
	n, err = f.s.Collector.Collect(ctx, now, retention, 2)
	noErr(t, "Collect", err)
	eq(t, "nothing left", n, 0)

	// Replay: a mark that is still recorded is a replay at t0.
	for _, tc := range []struct {
		d    signet.Digest
		kept bool
	}{{dg("jti", 0), false}, {dg("jti", 2), false}, {dg("jti", "live"), true}} {
		fresh, err := f.s.Replay.MarkUsed(ctx, tc.d, now.Add(time.Hour), t0)
		noErr(t, "MarkUsed", err)
		eq(t, fmt.Sprintf("replay mark %x kept", tc.d[:4]), !fresh, tc.kept)
	}
	// The open window kept its count.
	count, _, err := f.s.RateLimit.Count(ctx, dg("window", "open"), now)
	noErr(t, "Count", err)
	eq(t, "open rate window kept", count, int64(1))
	for i, end := range ends {
		_, err := gs.GetDeviceByUserCode(ctx, dg("usercode", fmt.Sprint("dev", i)))
		if end.Equal(recent) {
			noErr(t, "recent device kept", err)
		} else {
			isErr(t, "old device collected", err, signet.ErrNotFound)
		}
		_, _, _, err = gs.RedeemCode(ctx, redemption(newCode(fmt.Sprint("code", i), "c", ""), "x"+fmt.Sprint(i), now))
		if end.Equal(recent) {
			noErr(t, "recent code kept (and redeemable by the store)", err)
		} else {
			isErr(t, "old code collected", err, signet.ErrNotFound)
		}
	}
	for id, g := range gone {
		_, err := gs.GetSession(ctx, id)
		isErr(t, "session "+id+" collected", err, signet.ErrNotFound)
		_, _, err = gs.LookupRefresh(ctx, g.RefreshDigest)
		isErr(t, "generation of "+id+" collected", err, signet.ErrNotFound)
		_, _, err = gs.LookupAccess(ctx, dg("at", id, 1))
		isErr(t, "successor of "+id+" collected", err, signet.ErrNotFound)
	}
	for id, g := range kept {
		_, err := gs.GetSession(ctx, id)
		noErr(t, "session "+id+" kept", err)
		_, _, err = gs.LookupRefresh(ctx, g.RefreshDigest)
		noErr(t, "generation of "+id+" kept", err)
	}
	for _, s := range browserGone {
		_, err := f.s.Browser.GetBrowserSession(ctx, s.Digest)
		isErr(t, "browser session "+s.ID+" collected", err, signet.ErrNotFound)
	}
	for _, s := range browserKept {
		_, err := f.s.Browser.GetBrowserSession(ctx, s.Digest)
		noErr(t, "browser session "+s.ID+" kept", err)
	}
	clients, err := f.s.Clients.ListClients(ctx)
	noErr(t, "ListClients", err)
	var left []string
	for _, c := range clients {
		left = append(left, c.ID)
	}
	if len(left) != 3 {
		t.Errorf("clients left: %v, want dyn-recent, dyn-never, admin-old", left)
	}
	for _, id := range []string{"dyn-recent", "dyn-never", "admin-old"} {
		_, err := f.s.Clients.GetClient(ctx, id)
		noErr(t, "client "+id+" kept", err)
	}

	n, err = f.s.Collector.Collect(ctx, now, retention, 0)
	noErr(t, "Collect with batch 0", err)
	eq(t, "batch 0 deletes nothing", n, 0)
}
