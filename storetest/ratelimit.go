package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/signet-auth/signet"
)

// RateLimit: fixed windows. The first hit opens a window of its length, the
// next ones count in it, a hit at or after its end opens a new one; Count
// only reads; Reset forgets; keys are independent.
func testRateLimit(f *fixture) {
	t, ctx, rl := f.t, f.ctx, f.s.RateLimit
	const window = time.Minute
	k, other := dg("rate", "ip"), dg("rate", "other")
	end := t0.Add(window)
	for _, step := range []struct {
		what      string
		now       time.Time
		wantCount int64
		wantReset time.Time
	}{
		{"first hit opens a window", t0, 1, end},
		{"second hit counts in it", t0.Add(time.Second), 2, end},
		{"hit just before the end", end.Add(-time.Millisecond), 3, end},
		{"hit at the end opens a new window", end, 1, end.Add(window)},
		{"and counts on in it", end.Add(time.Second), 2, end.Add(window)},
	} {
		n, reset, err := rl.Hit(ctx, k, window, step.now)
		noErr(t, step.what, err)
		eq(t, step.what+": count", n, step.wantCount)
		eq(t, step.what+": reset", reset.Equal(step.wantReset), true)
	}
	n, reset, err := rl.Count(ctx, k, end.Add(2*time.Second))
	noErr(t, "Count", err)
	eq(t, "Count", n, int64(2))
	eq(t, "Count reset", reset.Equal(end.Add(window)), true)
	n, reset, err = rl.Count(ctx, k, end.Add(window))
	noErr(t, "Count after the end", err)
	eq(t, "Count after the end", n, int64(0))
	eq(t, "no reset after the end", reset.IsZero(), true)

	n, _, err = rl.Count(ctx, other, t0)
	noErr(t, "Count of a key never hit", err)
	eq(t, "Count of a key never hit", n, int64(0))
	n, _, err = rl.Hit(ctx, other, window, end.Add(time.Second))
	noErr(t, "Hit other", err)
	eq(t, "another key counts on its own", n, int64(1))

	noErr(t, "Reset", rl.Reset(ctx, k))
	n, _, err = rl.Count(ctx, k, end.Add(2*time.Second))
	noErr(t, "Count after Reset", err)
	eq(t, "Count after Reset", n, int64(0))
	noErr(t, "Reset of an unknown key", rl.Reset(ctx, dg("rate", "never")))
	n, _, err = rl.Count(ctx, other, end.Add(2*time.Second))
	noErr(t, "Count other after Reset", err)
	eq(t, "Reset leaves other keys", n, int64(1))
}

// CC-08: 100 hits on one key through two handles share one window: every
// count from 1 to 100 is handed out exactly once, all with one end, so N
// nodes never multiply a budget.
func testRacingRateLimit(t *testing.T, a, b signet.Stores) {
	const n = 100
	k := dg("rate", "shared")
	counts := make([]int64, n)
	resets := make([]time.Time, n)
	errs := make([]error, n)
	parallel(n, a, b, func(i int, s signet.Stores) {
		counts[i], resets[i], errs[i] = s.RateLimit.Hit(t.Context(), k, time.Minute, t0.Add(time.Duration(i)*time.Millisecond))
	})
	for _, err := range errs {
		noErr(t, "Hit", err)
	}
	slices.Sort(counts)
	for i, c := range counts {
		if c != int64(i+1) {
			t.Fatalf("counts handed out: %v, want 1…%d once each", counts, n)
		}
	}
	for _, r := range resets {
		if !r.Equal(resets[0]) {
			t.Fatalf("two windows: ends %v and %v", resets[0], r)
		}
	}
	got, _, err := b.RateLimit.Count(t.Context(), k, t0.Add(time.Second))
	noErr(t, "Count", err)
	eq(t, "count seen by the other handle", got, int64(n))
}
