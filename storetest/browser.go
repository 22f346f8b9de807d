package storetest

import (
	"time"

	"github.com/signet-auth/signet"
)

func newBrowserSession(id, userID string, created time.Time) signet.BrowserSession {
	return signet.BrowserSession{
		ID: id, Digest: dg("browser", id), UserID: userID, AuthTime: created, AMR: []string{signet.AMRPassword},
		Address: "192.0.2.1", UserAgent: "Mozilla/5.0 (test)",
		CreatedAt: created, LastSeenAt: created, ExpiresAt: created.Add(12 * time.Hour),
	}
}

// BrowserSessions: the record round-trips, is found only by its digest,
// touches move forward only, and revocations keep the first reason.
func testBrowserSessions(f *fixture) {
	t, ctx, bs := f.t, f.ctx, f.s.Browser
	f.user("u1", "one")
	f.user("u2", "two")
	a := newBrowserSession("a", "u1", t0)
	b := newBrowserSession("b", "u1", t0.Add(time.Second))
	c := newBrowserSession("c", "u2", t0.Add(2*time.Second))
	c.AMR = nil
	for _, s := range []signet.BrowserSession{a, b, c} {
		noErr(t, "CreateBrowserSession "+s.ID, bs.CreateBrowserSession(ctx, s))
	}
	dup := newBrowserSession("a", "u2", t0)
	dup.Digest = dg("other")
	isErr(t, "same id", bs.CreateBrowserSession(ctx, dup), signet.ErrConflict)
	dup = newBrowserSession("z", "u2", t0)
	dup.Digest = a.Digest
	isErr(t, "same digest", bs.CreateBrowserSession(ctx, dup), signet.ErrConflict)

	got, err := bs.GetBrowserSession(ctx, a.Digest)
	noErr(t, "GetBrowserSession", err)
	eq(t, "round trip", got, a)
	got, err = bs.GetBrowserSession(ctx, c.Digest)
	noErr(t, "GetBrowserSession c", err)
	eq(t, "round trip without AMR", got, c)
	_, err = bs.GetBrowserSession(ctx, dg("unknown"))
	isErr(t, "unknown digest", err, signet.ErrNotFound)

	// Touch: forward only.
	noErr(t, "touch", bs.TouchBrowserSession(ctx, a.ID, t0.Add(time.Minute)))
	noErr(t, "touch back", bs.TouchBrowserSession(ctx, a.ID, t0.Add(time.Second)))
	noErr(t, "touch unknown", bs.TouchBrowserSession(ctx, "none", t0))
	got, _ = bs.GetBrowserSession(ctx, a.Digest)
	eq(t, "last seen moved forward only", got.LastSeenAt, t0.Add(time.Minute))

	// Revoke one: the first revocation stands; a revoked one is not
	// touched.
	now := t0.Add(time.Hour)
	noErr(t, "RevokeBrowserSession", bs.RevokeBrowserSession(ctx, b.ID, now, "logout"))
	noErr(t, "RevokeBrowserSession again", bs.RevokeBrowserSession(ctx, b.ID, now.Add(time.Minute), "admin"))
	isErr(t, "RevokeBrowserSession unknown", bs.RevokeBrowserSession(ctx, "none", now, "admin"), signet.ErrNotFound)
	noErr(t, "touch revoked", bs.TouchBrowserSession(ctx, b.ID, now.Add(time.Hour)))
	got, _ = bs.GetBrowserSession(ctx, b.Digest)
	eq(t, "revoked at", got.RevokedAt, now)
	eq(t, "first reason stands", got.RevokeReason, "logout")
	eq(t, "revoked session not touched", got.LastSeenAt, b.LastSeenAt)
	if got.Live(now) {
		t.Error("a revoked browser session is live")
	}

	ids := func(ss []signet.BrowserSession) []string {
		var out []string
		for _, s := range ss {
			out = append(out, s.ID)
		}
		return out
	}
	for _, tc := range []struct {
		name string
		f    signet.SessionFilter
		want []string
	}{
		{"all", signet.SessionFilter{}, []string{"a", "b", "c"}},
		{"by user", signet.SessionFilter{UserID: "u1"}, []string{"a", "b"}},
		{"live", signet.SessionFilter{LiveOnly: true, Now: now}, []string{"a", "c"}},
		{"live after the end", signet.SessionFilter{LiveOnly: true, Now: c.ExpiresAt}, nil},
		{"limit", signet.SessionFilter{Limit: 1}, []string{"a"}},
		{"none", signet.SessionFilter{UserID: "nobody"}, nil},
	} {
		list, err := bs.ListBrowserSessions(ctx, tc.f)
		noErr(t, tc.name, err)
		eq(t, "ListBrowserSessions "+tc.name, ids(list), tc.want)
	}

	// Revoke a user's: only the live ones count.
	n, err := bs.RevokeUserBrowserSessions(ctx, "u1", now, "password changed")
	noErr(t, "RevokeUserBrowserSessions", err)
	eq(t, "revoked (b was already)", n, 1)
	n, err = bs.RevokeUserBrowserSessions(ctx, "u1", now, "again")
	noErr(t, "RevokeUserBrowserSessions again", err)
	eq(t, "nothing left", n, 0)
	got, _ = bs.GetBrowserSession(ctx, a.Digest)
	eq(t, "reason", got.RevokeReason, "password changed")
	got, _ = bs.GetBrowserSession(ctx, c.Digest)
	eq(t, "other user's session untouched", got.RevokedAt, time.Time{})
	n, err = bs.RevokeUserBrowserSessions(ctx, "u2", c.ExpiresAt, "x")
	noErr(t, "RevokeUserBrowserSessions of ended sessions", err)
	eq(t, "ended sessions are not revoked", n, 0)
}
