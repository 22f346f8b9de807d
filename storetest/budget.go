package storetest

import (
	"errors"
	"time"

	"github.com/signet-auth/signet"
)

// RotateBudget: a rotation that carries a failure budget (Rotation.Budget)
// has Admit called exactly once, before anything changes, with the count
// and reset time RateLimitStore.Count gives at the rotation's time: on a
// live token, on an unknown one, on a retry inside the grace window (the
// full rule) and with no window or only a closed one (count 0). Admit's
// error is Rotate's answer, and the token stays as it was.
func testRotateBudget(f *fixture) {
	t, ctx, gs, rl := f.t, f.ctx, f.s.Grants, f.s.RateLimit
	key := dg("budget", "client-auth")
	now := t0.Add(time.Minute)
	type call struct {
		count int64
		reset time.Time
		err   error
	}
	var calls []call
	refuse := errors.New("budget spent")
	budget := func(max int64) *signet.Budget {
		calls = nil
		return &signet.Budget{Key: key, Admit: func(n int64, reset time.Time, err error) error {
			calls = append(calls, call{n, reset, err})
			if err != nil || n >= max {
				return refuse
			}
			return nil
		}}
	}
	wantCalls := func(label string, want ...call) {
		t.Helper()
		eq(t, label+": Admit's calls", calls, want)
	}

	// No window yet.
	s, g0 := f.session("budget")
	r := rotation(g0, now, time.Minute)
	r.Budget = budget(3)
	res, err := gs.Rotate(ctx, r)
	noErr(t, "Rotate with no window", err)
	wantCalls("no window", call{0, time.Time{}, nil})
	g1 := res.Tokens

	// A window with two failures, one under the budget of three.
	var reset time.Time
	for range 2 {
		_, reset, err = rl.Hit(ctx, key, time.Hour, t0)
		noErr(t, "Hit", err)
	}
	r = rotation(g1, now, time.Minute)
	r.Budget = budget(3)
	res, err = gs.Rotate(ctx, r)
	noErr(t, "Rotate under the budget", err)
	wantCalls("under the budget", call{2, reset, nil})
	g2 := res.Tokens

	// Spent: refused with Admit's error, and nothing changed.
	r = rotation(g2, now, time.Minute)
	r.Budget = budget(2)
	_, err = gs.Rotate(ctx, r)
	isErr(t, "Rotate over the budget", err, refuse)
	wantCalls("over the budget", call{2, reset, nil})
	got, err := gs.GetSession(ctx, s.ID)
	noErr(t, "GetSession", err)
	eq(t, "session's generation after a refusal", got.Generation, int64(2))
	_, lg, err := gs.LookupRefresh(ctx, g2.RefreshDigest)
	noErr(t, "LookupRefresh", err)
	eq(t, "refused generation's rotated_at", lg.RotatedAt, time.Time{})

	// overThenUnder rotates r with a spent budget (Admit's error, nothing
	// changed), then with one left (under: the rotation's own answer),
	// Admit called once each time with the window's count.
	overThenUnder := func(label string, r signet.Rotation, under error) signet.RotationResult {
		t.Helper()
		r.Budget = budget(2)
		_, err := gs.Rotate(ctx, r)
		isErr(t, label+" over the budget", err, refuse)
		wantCalls(label+" over the budget", call{2, reset, nil})
		r.Budget = budget(3)
		res, err := gs.Rotate(ctx, r)
		isErr(t, label+" under the budget", err, under)
		wantCalls(label+" under the budget", call{2, reset, nil})
		return res
	}
	// A retry of g1 inside the grace window goes to the full rule: Admit
	// is still called once, and a refusal there also changes nothing.
	res = overThenUnder("retry", rotation(g1, now, time.Minute), nil)
	eq(t, "retry's successor", res.Tokens.RefreshDigest, g2.RefreshDigest)
	// An unknown token: the budget decides first, then ErrNotFound.
	overThenUnder("unknown token", rotation(signet.TokenGeneration{RefreshDigest: dg("budget", "unknown")}, now, time.Minute),
		signet.ErrNotFound)

	// After the window closed the count is 0 again.
	r = rotation(g2, reset, time.Minute)
	r.Budget = budget(1)
	_, err = gs.Rotate(ctx, r)
	noErr(t, "Rotate after the window", err)
	wantCalls("after the window", call{0, time.Time{}, nil})
}
