package storetest

import (
	"time"

	"github.com/signet-auth/signet"
)

// mustPanic calls fn and reports whether it panicked.
func mustPanic(fn func()) (panicked bool) {
	defer func() { panicked = recover() != nil }()
	fn()
	return false
}

// CC-05: a failure in the middle of a transaction (here a callback that
// panics, as a crashing process would stop) commits nothing, and the store
// keeps working afterwards: the code is not burned, the token not rotated.
func testPanicCommitsNothing(f *fixture) {
	t, ctx, gs := f.t, f.ctx, f.s.Grants
	cl := f.client("c")
	c := f.code("x", cl.ID, "")
	r := redemption(c, "s1", t0)
	r.Grant = func(signet.AuthorizationCode) (signet.Session, signet.TokenGeneration) { panic("crash") }
	if !mustPanic(func() { _, _, _, _ = gs.RedeemCode(ctx, r) }) {
		t.Fatal("Grant's panic did not reach the caller")
	}
	_, s, g, err := gs.RedeemCode(ctx, redemption(c, "s1", t0.Add(time.Second)))
	noErr(t, "redemption after the crash", err)
	eq(t, "session", s.ID, "s1")

	rot := rotation(g, t0.Add(time.Minute), 0)
	rot.Next = func(signet.Session, signet.TokenGeneration) signet.TokenGeneration { panic("crash") }
	if !mustPanic(func() { _, _ = gs.Rotate(ctx, rot) }) {
		t.Fatal("Next's panic did not reach the caller")
	}
	_, lg, err := gs.LookupRefresh(ctx, g.RefreshDigest)
	noErr(t, "LookupRefresh", err)
	eq(t, "not rotated", lg.RotatedAt, time.Time{})
	res, err := gs.Rotate(ctx, rotation(g, t0.Add(2*time.Minute), 0))
	noErr(t, "rotation after the crash", err)
	eq(t, "generation", res.Tokens.Generation, int64(1))
}
