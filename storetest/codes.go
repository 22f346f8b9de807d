package storetest

import (
	"errors"
	"time"

	"github.com/signet-auth/signet"
)

func testRedeemCode(f *fixture) {
	t, ctx, gs := f.t, f.ctx, f.s.Grants
	cl := f.client("c")
	u := f.user("u", "user")
	c := f.code("x", cl.ID, u.ID)
	now := t0.Add(time.Second)

	var checked signet.AuthorizationCode
	var checkedUser signet.User
	r := redemption(c, "s1", now)
	r.Check = func(c signet.AuthorizationCode, u signet.User) error { checked, checkedUser = c, u; return nil }
	code, s, g, err := gs.RedeemCode(ctx, r)
	noErr(t, "RedeemCode", err)
	if checked.ClientID != c.ClientID || checked.CodeChallenge != c.CodeChallenge || checked.RedirectURI != c.RedirectURI {
		t.Errorf("Check saw %+v, want the stored code %+v", checked, c)
	}
	// The user comes with the code, read in the same transaction, so the
	// caller has nothing to read after the commit.
	eq(t, "user given to Check", checkedUser, u)
	wantCode := c
	wantCode.UsedAt, wantCode.SessionID = now, "s1"
	eq(t, "redeemed code", code, wantCode)
	wantS := sessionFor("s1", c, now)
	eq(t, "session", s, wantS)
	wantG := firstGeneration("s1", now)
	wantG.SessionID = "s1"
	eq(t, "generation", g, wantG)

	got, err := gs.GetSession(ctx, "s1")
	noErr(t, "GetSession", err)
	eq(t, "stored session", got, wantS)
	for _, l := range []struct {
		what   string
		lookup func() (signet.Session, signet.TokenGeneration, error)
	}{
		{"LookupAccess", func() (signet.Session, signet.TokenGeneration, error) { return gs.LookupAccess(ctx, g.AccessDigest) }},
		{"LookupRefresh", func() (signet.Session, signet.TokenGeneration, error) { return gs.LookupRefresh(ctx, g.RefreshDigest) }},
	} {
		ls, lg, err := l.lookup()
		noErr(t, l.what, err)
		eq(t, l.what+" session", ls, wantS)
		eq(t, l.what+" generation", lg, wantG)
	}
	_, _, err = gs.LookupAccess(ctx, dg("nothing"))
	isErr(t, "LookupAccess unknown", err, signet.ErrNotFound)
	_, _, err = gs.LookupRefresh(ctx, dg("nothing"))
	isErr(t, "LookupRefresh unknown", err, signet.ErrNotFound)

	_, _, _, err = gs.RedeemCode(ctx, redemption(newCode("unknown", cl.ID, u.ID), "s2", now))
	isErr(t, "RedeemCode unknown", err, signet.ErrNotFound)
	isErr(t, "CreateCode same digest", gs.CreateCode(ctx, c), signet.ErrConflict)
}

// A failed check (PKCE, redirect URI, client) burns the code: the next
// attempt, even a correct one, gets ErrAlreadyUsed (RFC 7636 §4.6).
func testFailedCheckBurnsCode(f *fixture) {
	t, ctx, gs := f.t, f.ctx, f.s.Grants
	cl := f.client("c")
	c := f.code("x", cl.ID, "")
	bad := errors.New("pkce mismatch")
	r := redemption(c, "s1", t0)
	granted := false
	seenU := signet.User{ID: "not called"}
	r.Check = func(_ signet.AuthorizationCode, u signet.User) error { seenU = u; return bad }
	r.Grant = func(signet.AuthorizationCode) (signet.Session, signet.TokenGeneration) {
		granted = true
		return signet.Session{}, signet.TokenGeneration{}
	}
	code, _, _, err := gs.RedeemCode(ctx, r)
	isErr(t, "failed check", err, bad)
	if granted {
		t.Error("Grant called although Check failed")
	}
	eq(t, "user of a code without one", seenU, signet.User{})
	if !code.UsedAt.Equal(t0) {
		t.Errorf("code after failed check: UsedAt %v, want %v", code.UsedAt, t0)
	}
	_, s, _, err := gs.RedeemCode(ctx, redemption(c, "s2", t0.Add(time.Second)))
	isErr(t, "redemption after failed check", err, signet.ErrAlreadyUsed)
	eq(t, "no session", s.ID, "")
	_, err = gs.GetSession(ctx, "s2")
	isErr(t, "GetSession s2", err, signet.ErrNotFound)
}

// AC-07: a second redemption of a code revokes the session the first one
// created, in the same transaction, and reports ErrAlreadyUsed with the code.
func testSecondRedemption(f *fixture) {
	t, ctx, gs := f.t, f.ctx, f.s.Grants
	cl := f.client("c")
	c := f.code("x", cl.ID, "")
	_, s1, g1, err := gs.RedeemCode(ctx, redemption(c, "s1", t0))
	noErr(t, "first redemption", err)
	// The family has moved on by one rotation before the code comes back.
	rot, err := gs.Rotate(ctx, rotation(g1, t0.Add(time.Second), 0))
	noErr(t, "Rotate", err)

	again := t0.Add(30 * time.Second)
	code, _, _, err := gs.RedeemCode(ctx, redemption(c, "s2", again))
	isErr(t, "second redemption", err, signet.ErrAlreadyUsed)
	eq(t, "code returned with the first session", code.SessionID, s1.ID)
	eq(t, "code's UsedAt", code.UsedAt, t0)

	got, err := gs.GetSession(ctx, s1.ID)
	noErr(t, "GetSession", err)
	if got.RevokedAt.IsZero() || got.Live(again) {
		t.Errorf("first session not revoked: %+v", got)
	}
	_, err = gs.Rotate(ctx, rotation(rot.Tokens, again.Add(time.Second), time.Minute))
	isErr(t, "refresh with the successor", err, signet.ErrNotFound)
	if _, err := gs.GetSession(ctx, "s2"); !errors.Is(err, signet.ErrNotFound) {
		t.Errorf("second redemption created a session: err = %v", err)
	}
}
