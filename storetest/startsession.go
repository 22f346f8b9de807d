package storetest

import (
	"errors"

	"github.com/signet-auth/signet"
)

// testStartSession: a session no code is redeemed for (the assertion and
// token-exchange grants) is created with its first generation in one
// transaction, after Check saw the user as stored; a failed Check, or a
// user that is gone, writes nothing.
func testStartSession(f *fixture) {
	t, ctx, gs := f.t, f.ctx, f.s.Grants
	cl := f.client("app")
	u := f.user("u-start", "start")
	start := func(id, userID string, check func(signet.User) error) signet.SessionStart {
		return signet.SessionStart{
			UserID: userID, Now: t0, Check: check,
			Grant: func(got signet.User) (signet.Session, signet.TokenGeneration) {
				s := signet.Session{ID: id, ClientID: cl.ID, UserID: got.ID, Protocol: signet.ProtocolSSOOIDC,
					Scopes: []string{"openid"}, AuthTime: t0, CreatedAt: t0, ExpiresAt: t0.Add(sessionLife), Generation: 7}
				return s, firstGeneration(id, t0)
			},
		}
	}

	var seen signet.User
	s, g, err := gs.StartSession(ctx, start("s-ok", u.ID, func(got signet.User) error { seen = got; return nil }))
	noErr(t, "StartSession", err)
	eq(t, "Check saw the stored user", seen.ID, u.ID)
	eq(t, "generation of the session", s.Generation, int64(0))
	eq(t, "generation's session", g.SessionID, "s-ok")
	eq(t, "generation number", g.Generation, int64(0))
	stored, err := gs.GetSession(ctx, "s-ok")
	noErr(t, "GetSession", err)
	eq(t, "stored session", stored, s)
	ls, lg, err := gs.LookupRefresh(ctx, g.RefreshDigest)
	noErr(t, "LookupRefresh", err)
	eq(t, "refresh finds the session", ls.ID, "s-ok")
	eq(t, "refresh finds the generation", lg, g)
	_, lg, err = gs.LookupAccess(ctx, g.AccessDigest)
	noErr(t, "LookupAccess", err)
	eq(t, "access finds the generation", lg, g)

	refused := errors.New("refused")
	_, _, err = gs.StartSession(ctx, start("s-refused", u.ID, func(signet.User) error { return refused }))
	isErr(t, "failed Check comes back", err, refused)
	_, err = gs.GetSession(ctx, "s-refused")
	isErr(t, "failed Check wrote no session", err, signet.ErrNotFound)
	_, _, err = gs.LookupRefresh(ctx, firstGeneration("s-refused", t0).RefreshDigest)
	isErr(t, "failed Check wrote no generation", err, signet.ErrNotFound)

	seen = signet.User{ID: "stale"}
	_, _, err = gs.StartSession(ctx, start("s-gone", "nobody", func(got signet.User) error {
		seen = got
		if got.ID == "" {
			return refused
		}
		return nil
	}))
	isErr(t, "unknown user: Check refuses", err, refused)
	eq(t, "Check saw no user", seen.ID, "")
}
