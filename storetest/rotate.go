package storetest

import (
	"errors"
	"time"

	"github.com/signet-auth/signet"
)

func testRotate(f *fixture) {
	t, ctx, gs := f.t, f.ctx, f.s.Grants
	s, g0 := f.session("a")
	now := t0.Add(time.Minute)

	var seenS signet.Session
	var seenU signet.User
	var seenG signet.TokenGeneration
	r := rotation(g0, now, time.Minute)
	r.Check = func(s signet.Session, u signet.User, g signet.TokenGeneration) error {
		seenS, seenU, seenG = s, u, g
		return nil
	}
	res, err := gs.Rotate(ctx, r)
	noErr(t, "Rotate", err)
	eq(t, "Check's session", seenS, s)
	eq(t, "Check's user", seenU.ID, s.UserID)
	eq(t, "Check's generation", seenG, g0)

	want := next(now)(s, g0)
	want.SessionID, want.Generation = s.ID, 1
	eq(t, "successor", res.Tokens, want)
	eq(t, "not a retry", res.Retry, false)
	eq(t, "session generation", res.Session.Generation, int64(1))

	got, err := gs.GetSession(ctx, s.ID)
	noErr(t, "GetSession", err)
	eq(t, "stored generation", got.Generation, int64(1))
	_, lg, err := gs.LookupRefresh(ctx, g0.RefreshDigest)
	noErr(t, "LookupRefresh of the predecessor", err)
	eq(t, "predecessor rotated at", lg.RotatedAt, now)
	ls, lg, err := gs.LookupAccess(ctx, want.AccessDigest)
	noErr(t, "LookupAccess of the successor", err)
	eq(t, "successor stored", lg, want)
	eq(t, "session by successor", ls.Generation, int64(1))

	// The successor rotates in turn.
	res, err = gs.Rotate(ctx, rotation(res.Tokens, now.Add(time.Minute), time.Minute))
	noErr(t, "second Rotate", err)
	eq(t, "third generation", res.Tokens.Generation, int64(2))

	// A session without a user gets the zero user.
	cl := f.client("nouser")
	c := f.code("nouser", cl.ID, "")
	_, _, g, err := gs.RedeemCode(ctx, redemption(c, "s-nouser", t0))
	noErr(t, "RedeemCode", err)
	r = rotation(g, now, 0)
	seenU = signet.User{ID: "not called"}
	r.Check = func(_ signet.Session, u signet.User, _ signet.TokenGeneration) error { seenU = u; return nil }
	_, err = gs.Rotate(ctx, r)
	noErr(t, "Rotate without a user", err)
	eq(t, "zero user", seenU, signet.User{})
}

func testRotateRefusals(f *fixture) {
	t, ctx, gs := f.t, f.ctx, f.s.Grants
	now := t0.Add(time.Minute)

	_, err := gs.Rotate(ctx, rotation(signet.TokenGeneration{RefreshDigest: dg("rt", "none")}, now, time.Minute))
	isErr(t, "unknown token", err, signet.ErrNotFound)

	// A failing Check changes nothing.
	s, g := f.session("check")
	bad := errors.New("dpop key mismatch")
	r := rotation(g, now, time.Minute)
	r.Check = func(signet.Session, signet.User, signet.TokenGeneration) error { return bad }
	r.Next = func(signet.Session, signet.TokenGeneration) signet.TokenGeneration {
		t.Error("Next called although Check failed")
		return signet.TokenGeneration{}
	}
	_, err = gs.Rotate(ctx, r)
	isErr(t, "failed check", err, bad)
	_, lg, _ := gs.LookupRefresh(ctx, g.RefreshDigest)
	eq(t, "not rotated", lg.RotatedAt, time.Time{})
	got, _ := gs.GetSession(ctx, s.ID)
	eq(t, "generation unchanged", got.Generation, int64(0))

	// A revoked session refreshes no more, even inside any grace.
	s, g = f.session("revoked")
	noErr(t, "RevokeSession", gs.RevokeSession(ctx, s.ID, now, "admin"))
	_, err = gs.Rotate(ctx, rotation(g, now, time.Hour))
	isErr(t, "revoked session", err, signet.ErrNotFound)

	// Nor a session past its absolute end: no rotation extends it.
	s, g = f.session("ended")
	_, err = gs.Rotate(ctx, rotation(g, s.ExpiresAt, time.Hour))
	isErr(t, "session past its end", err, signet.ErrNotFound)
	got, _ = gs.GetSession(ctx, s.ID)
	eq(t, "ended session not revoked by the attempt", got.RevokedAt, time.Time{})

	// A current refresh token past its own expiry.
	_, g = f.session("expired")
	_, err = gs.Rotate(ctx, rotation(g, g.RefreshExpiresAt, time.Hour))
	isErr(t, "expired refresh token", err, signet.ErrNotFound)
}

// RT-01: a rotated-out token presented after the grace window revokes the
// whole session; the successor stops working too.
func testReuseAfterGrace(f *fixture) {
	t, ctx, gs := f.t, f.ctx, f.s.Grants
	s, g0 := f.session("a")
	grace := 10 * time.Second
	t1 := t0.Add(time.Minute)
	res, err := gs.Rotate(ctx, rotation(g0, t1, grace))
	noErr(t, "Rotate", err)

	// Just inside the window it is a retry ...
	_, err = gs.Rotate(ctx, rotation(g0, t1.Add(grace-time.Millisecond), grace))
	noErr(t, "retry inside the window", err)
	// ... at its end, reuse.
	reuse := t1.Add(grace)
	_, err = gs.Rotate(ctx, rotation(g0, reuse, grace))
	isErr(t, "reuse after grace", err, signet.ErrTokenReused)

	got, err := gs.GetSession(ctx, s.ID)
	noErr(t, "GetSession", err)
	if !got.RevokedAt.Equal(reuse) || got.RevokeReason == "" {
		t.Errorf("session after reuse: %+v, want revoked at %v with a reason", got, reuse)
	}
	_, err = gs.Rotate(ctx, rotation(res.Tokens, reuse.Add(time.Second), grace))
	isErr(t, "successor after reuse", err, signet.ErrNotFound)
	ls, _, err := gs.LookupAccess(ctx, res.Tokens.AccessDigest)
	noErr(t, "LookupAccess", err)
	if ls.Live(reuse) {
		t.Error("the successor's access token still belongs to a live session")
	}

	// A generation two steps back is reuse even inside the window: its
	// successor is no longer current.
	s, g0 = f.session("b")
	r1, err := gs.Rotate(ctx, rotation(g0, t1, time.Hour))
	noErr(t, "Rotate 0→1", err)
	_, err = gs.Rotate(ctx, rotation(r1.Tokens, t1.Add(time.Second), time.Hour))
	noErr(t, "Rotate 1→2", err)
	_, err = gs.Rotate(ctx, rotation(g0, t1.Add(2*time.Second), time.Hour))
	isErr(t, "generation 0 after 1 rotated", err, signet.ErrTokenReused)
	got, _ = gs.GetSession(ctx, s.ID)
	if got.RevokedAt.IsZero() {
		t.Error("session not revoked")
	}
}

// RT-02: a retry with the previous token inside the grace window gets the
// same successor back, marked Retry, and nothing is created or revoked.
func testRetryInsideGrace(f *fixture) {
	t, ctx, gs := f.t, f.ctx, f.s.Grants
	s, g0 := f.session("a")
	t1 := t0.Add(time.Minute)
	first, err := gs.Rotate(ctx, rotation(g0, t1, 30*time.Second))
	noErr(t, "Rotate", err)

	r := rotation(g0, t1.Add(20*time.Second), 30*time.Second)
	r.Next = func(signet.Session, signet.TokenGeneration) signet.TokenGeneration {
		t.Error("Next called on a retry")
		return signet.TokenGeneration{}
	}
	again, err := gs.Rotate(ctx, r)
	noErr(t, "retry", err)
	eq(t, "retry", again.Retry, true)
	eq(t, "same successor", again.Tokens, first.Tokens)
	eq(t, "session", again.Session, first.Session)

	got, _ := gs.GetSession(ctx, s.ID)
	eq(t, "still live", got.Live(t1.Add(20*time.Second)), true)
	eq(t, "generation", got.Generation, int64(1))

	// The successor is still the one to use.
	res, err := gs.Rotate(ctx, rotation(first.Tokens, t1.Add(time.Minute), 30*time.Second))
	noErr(t, "rotate the successor", err)
	eq(t, "generation 2", res.Tokens.Generation, int64(2))
}

// RT-04: an expired refresh token fails even while a grace window is open;
// grace never extends an expiry.
func testExpiredInsideGrace(f *fixture) {
	t, ctx, gs := f.t, f.ctx, f.s.Grants
	grace := time.Hour

	// The presented (rotated-out) token has expired inside the window.
	s, g0 := f.session("presented")
	t1 := g0.RefreshExpiresAt.Add(-time.Minute)
	_, err := gs.Rotate(ctx, rotation(g0, t1, grace))
	noErr(t, "Rotate", err)
	_, err = gs.Rotate(ctx, rotation(g0, g0.RefreshExpiresAt, grace))
	isErr(t, "expired predecessor inside grace", err, signet.ErrNotFound)
	got, _ := gs.GetSession(ctx, s.ID)
	eq(t, "session not revoked by an expired retry", got.RevokedAt, time.Time{})

	// The successor has expired inside the window: no retry hands it out.
	_, g0 = f.session("successor")
	t1 = t0.Add(time.Minute)
	r := rotation(g0, t1, grace)
	r.Next = func(s signet.Session, g signet.TokenGeneration) signet.TokenGeneration {
		n := next(t1)(s, g)
		n.RefreshExpiresAt = t1.Add(time.Second)
		return n
	}
	_, err = gs.Rotate(ctx, r)
	noErr(t, "Rotate to a short-lived successor", err)
	_, err = gs.Rotate(ctx, rotation(g0, t1.Add(time.Second), grace))
	if err == nil {
		t.Error("retry handed out an expired successor")
	}

	// A current token past its expiry, grace or not.
	_, g0 = f.session("current")
	_, err = gs.Rotate(ctx, rotation(g0, g0.RefreshExpiresAt.Add(time.Millisecond), grace))
	isErr(t, "expired current token", err, signet.ErrNotFound)
}
