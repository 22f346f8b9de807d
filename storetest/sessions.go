package storetest

import (
	"time"

	"github.com/signet-auth/signet"
)

func testSessions(f *fixture) {
	t, ctx, gs := f.t, f.ctx, f.s.Grants
	cl1, cl2 := f.client("c1"), f.client("c2")
	f.user("u1", "one")
	f.user("u2", "two")
	mk := func(id, clientID, userID string, created time.Time) signet.Session {
		c := f.code(id, clientID, userID)
		_, s, _, err := gs.RedeemCode(ctx, redemption(c, id, created))
		noErr(t, "RedeemCode "+id, err)
		return s
	}
	a := mk("a", cl1.ID, "u1", t0)
	b := mk("b", cl2.ID, "u1", t0.Add(time.Second))
	c := mk("c", cl1.ID, "u2", t0.Add(2*time.Second))
	d := mk("d", cl1.ID, "u1", t0.Add(3*time.Second))

	_, err := gs.GetSession(ctx, "none")
	isErr(t, "GetSession unknown", err, signet.ErrNotFound)

	now := t0.Add(time.Hour)
	noErr(t, "RevokeSession", gs.RevokeSession(ctx, d.ID, now, "admin"))
	noErr(t, "RevokeSession again", gs.RevokeSession(ctx, d.ID, now.Add(time.Minute), "other"))
	got, _ := gs.GetSession(ctx, d.ID)
	eq(t, "first revocation stands (time)", got.RevokedAt, now)
	eq(t, "first revocation stands (reason)", got.RevokeReason, "admin")
	isErr(t, "RevokeSession unknown", gs.RevokeSession(ctx, "none", now, "admin"), signet.ErrNotFound)
	d = got

	ids := func(ss []signet.Session) []string {
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
		{"all", signet.SessionFilter{}, []string{"a", "b", "c", "d"}},
		{"by user", signet.SessionFilter{UserID: "u1"}, []string{"a", "b", "d"}},
		{"by client", signet.SessionFilter{ClientID: cl1.ID}, []string{"a", "c", "d"}},
		{"by user and client", signet.SessionFilter{UserID: "u1", ClientID: cl1.ID}, []string{"a", "d"}},
		{"live", signet.SessionFilter{LiveOnly: true, Now: now}, []string{"a", "b", "c"}},
		{"live later", signet.SessionFilter{LiveOnly: true, Now: b.ExpiresAt}, []string{"c"}},
		{"limit", signet.SessionFilter{Limit: 2}, []string{"a", "b"}},
		{"none", signet.SessionFilter{UserID: "nobody"}, nil},
	} {
		list, err := gs.ListSessions(ctx, tc.f)
		noErr(t, tc.name, err)
		eq(t, "ListSessions "+tc.name, ids(list), tc.want)
	}
	list, _ := gs.ListSessions(ctx, signet.SessionFilter{})
	eq(t, "ListSessions values", list, []signet.Session{a, b, c, d})

	n, err := gs.RevokeUserSessions(ctx, "u1", now, "password changed")
	noErr(t, "RevokeUserSessions", err)
	eq(t, "revoked (d was already)", n, 2)
	n, err = gs.RevokeUserSessions(ctx, "u1", now, "password changed")
	noErr(t, "RevokeUserSessions again", err)
	eq(t, "nothing left to revoke", n, 0)
	got, _ = gs.GetSession(ctx, c.ID)
	eq(t, "other user's session untouched", got.RevokedAt, time.Time{})
	got, _ = gs.GetSession(ctx, a.ID)
	eq(t, "reason", got.RevokeReason, "password changed")
	// Sessions past their end are not live and are not counted.
	n, err = gs.RevokeUserSessions(ctx, "u2", c.ExpiresAt, "x")
	noErr(t, "RevokeUserSessions of ended sessions", err)
	eq(t, "ended sessions are not revoked", n, 0)
}
