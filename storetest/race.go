package storetest

import (
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/signet-auth/signet"
)

// parallel runs fn(i) for i in [0, n) at once, alternating the two handles.
func parallel(n int, a, b signet.Stores, fn func(i int, s signet.Stores)) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		s := a
		if i%2 == 1 {
			s = b
		}
		wg.Go(func() {
			<-start
			fn(i, s)
		})
	}
	close(start)
	wg.Wait()
}

// winners counts the nil errors; every other one must be loser.
func winners(t *testing.T, errs []error, loser error) int {
	t.Helper()
	n := 0
	for _, err := range errs {
		if err == nil {
			n++
		} else if !errors.Is(err, loser) {
			t.Errorf("a loser got %v, want %v", err, loser)
		}
	}
	return n
}

// CC-01: two handles race 200 redemptions of one code: exactly one wins and
// exactly one session exists (revoked by the losers, per AC-07).
func testRacingRedemptions(t *testing.T, a, b signet.Stores) {
	f := newFixture(t, a)
	cl := f.client("c")
	c := f.code("x", cl.ID, "")
	const n = 200
	errs := make([]error, n)
	parallel(n, a, b, func(i int, s signet.Stores) {
		_, _, _, errs[i] = s.Grants.RedeemCode(t.Context(), redemption(c, "s"+strconv.Itoa(i), t0))
	})
	eq(t, "winners", winners(t, errs, signet.ErrAlreadyUsed), 1)
	sessions, err := b.Grants.ListSessions(t.Context(), signet.SessionFilter{ClientID: cl.ID})
	noErr(t, "ListSessions", err)
	eq(t, "sessions", len(sessions), 1)
}

// CC-02: 50 parallel refreshes of one token across two handles: one
// lineage, every caller gets the same successor, all but one as a retry, and
// the session stays live.
func testRacingRefreshes(t *testing.T, a, b signet.Stores) {
	f := newFixture(t, a)
	s, g := f.session("x")
	now := t0.Add(time.Minute)
	const n = 50
	res := make([]signet.RotationResult, n)
	errs := make([]error, n)
	parallel(n, a, b, func(i int, st signet.Stores) {
		res[i], errs[i] = st.Grants.Rotate(t.Context(), rotation(g, now, 30*time.Second))
	})
	fresh := 0
	for i := range n {
		if errs[i] != nil {
			t.Errorf("refresh %d: %v", i, errs[i])
			continue
		}
		if !res[i].Retry {
			fresh++
		}
		eq(t, "successor", res[i].Tokens, res[0].Tokens)
	}
	eq(t, "rotations", fresh, 1)
	eq(t, "successor generation", res[0].Tokens.Generation, int64(1))
	got, err := b.Grants.GetSession(t.Context(), s.ID)
	noErr(t, "GetSession", err)
	eq(t, "session live", got.Live(now), true)
	eq(t, "session generation", got.Generation, int64(1))
}

// DV-05: parallel polls right after approval: exactly one gets the session,
// the rest ErrAlreadyUsed.
func testRacingPolls(t *testing.T, a, b signet.Stores) {
	f := newFixture(t, a)
	d := f.device("x", "c")
	_, err := a.Grants.DecideDevice(t.Context(), d.UserCodeDigest, signet.DeviceApproved, "u", t0, t0)
	noErr(t, "approve", err)
	const n = 50
	res := make([]signet.DevicePollResult, n)
	errs := make([]error, n)
	parallel(n, a, b, func(i int, s signet.Stores) {
		res[i], errs[i] = s.Grants.PollDevice(t.Context(), poll(d.Digest, "s"+strconv.Itoa(i), t0.Add(time.Second)))
	})
	wins := 0
	for i := range n {
		switch {
		case errs[i] == nil && res[i].Session.ID != "":
			wins++
		case !errors.Is(errs[i], signet.ErrAlreadyUsed):
			t.Errorf("poll %d: %+v, %v; want ErrAlreadyUsed", i, res[i], errs[i])
		}
	}
	eq(t, "token sets", wins, 1)
	sessions, err := b.Grants.ListSessions(t.Context(), signet.SessionFilter{ClientID: "c"})
	noErr(t, "ListSessions", err)
	eq(t, "sessions", len(sessions), 1)
}

// DV-02: early polls spread over two nodes: each one raises the stored
// interval; none is lost to a concurrent update.
func testRacingEarlyPolls(t *testing.T, a, b signet.Stores) {
	f := newFixture(t, a)
	d := f.device("x", "c")
	const n = 20
	res := make([]signet.DevicePollResult, n)
	errs := make([]error, n)
	parallel(n, a, b, func(i int, s signet.Stores) {
		res[i], errs[i] = s.Grants.PollDevice(t.Context(), poll(d.Digest, "s", t0.Add(time.Second)))
	})
	onTime := 0
	for i := range n {
		noErr(t, "PollDevice", errs[i])
		if !res[i].SlowDown {
			onTime++
		}
	}
	eq(t, "polls on time", onTime, 1)
	got, err := b.Grants.GetDeviceByUserCode(t.Context(), d.UserCodeDigest)
	noErr(t, "GetDeviceByUserCode", err)
	eq(t, "interval", got.Interval, d.Interval+(n-1)*5*time.Second)
}

// CC-08: a one-time value marked on two nodes at once is fresh exactly once,
// both when it is new and when it takes over an expired record.
func testRacingReplay(t *testing.T, a, b signet.Stores) {
	_, err := a.Replay.MarkUsed(t.Context(), dg("jti", "old"), t0, t0.Add(-time.Minute))
	noErr(t, "MarkUsed", err)
	for _, d := range []signet.Digest{dg("jti", "new"), dg("jti", "old")} {
		const n = 50
		fresh := make([]bool, n)
		errs := make([]error, n)
		parallel(n, a, b, func(i int, s signet.Stores) {
			fresh[i], errs[i] = s.Replay.MarkUsed(t.Context(), d, t0.Add(time.Minute), t0.Add(time.Second))
		})
		count := 0
		for i := range n {
			noErr(t, "MarkUsed", errs[i])
			if fresh[i] {
				count++
			}
		}
		eq(t, "fresh marks", count, 1)
	}
}

// Two nodes creating the first key at once: one wins, the other gets
// ErrConflict and reads the winner's.
func testRacingKeys(t *testing.T, a, b signet.Stores) {
	const n = 10
	errs := make([]error, n)
	parallel(n, a, b, func(i int, s signet.Stores) {
		errs[i] = s.Keys.AddKey(t.Context(), signet.Key{ID: "first", Purpose: signet.KeyHMAC, Algorithm: "HS256",
			Sealed: []byte{byte(i)}, CreatedAt: t0})
	})
	eq(t, "winners", winners(t, errs, signet.ErrConflict), 1)
	keys, err := b.Keys.ListKeys(t.Context())
	noErr(t, "ListKeys", err)
	eq(t, "keys", len(keys), 1)
}

// Approve and deny racing on two nodes: exactly one decision sticks.
func testRacingDecisions(t *testing.T, a, b signet.Stores) {
	f := newFixture(t, a)
	d := f.device("x", "c")
	const n = 20
	errs := make([]error, n)
	parallel(n, a, b, func(i int, s signet.Stores) {
		status := signet.DeviceApproved
		if i%4 < 2 {
			status = signet.DeviceDenied
		}
		_, errs[i] = s.Grants.DecideDevice(t.Context(), d.UserCodeDigest, status, "u", t0, t0)
	})
	eq(t, "decisions", winners(t, errs, signet.ErrAlreadyUsed), 1)
}
