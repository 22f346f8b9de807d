package storetest

import (
	"time"

	"github.com/signet-auth/signet"
)

// testPollDeviceBurst: with one interval's BurstAllowance, one poll beyond
// one per interval
// passes (the AWS CLI's double poll at the start of a flow; catalogue
// AB-03), the burst is paid back by waiting, and sustained fast polling is
// still slow_down.
func testPollDeviceBurst(f *fixture) {
	t, ctx, gs := f.t, f.ctx, f.s.Grants
	d := f.device("b", "c")
	burst := func(now time.Time) signet.DevicePoll {
		p := poll(d.Digest, "s1", now)
		p.BurstAllowance = 5 * time.Second
		return p
	}
	want := d
	t1 := t0.Add(time.Second)
	res, err := gs.PollDevice(ctx, burst(t1))
	noErr(t, "first poll", err)
	want.LastPolledAt = t1
	eq(t, "after first poll", res, signet.DevicePollResult{Device: want})

	// 2 ms later: inside the burst; it counts one interval after the first.
	res, err = gs.PollDevice(ctx, burst(t1.Add(2*time.Millisecond)))
	noErr(t, "second poll", err)
	want.LastPolledAt = t1.Add(5 * time.Second)
	eq(t, "second poll inside the burst", res, signet.DevicePollResult{Device: want})

	// Then every interval, a little late each time, as the CLI sleeps.
	at := t1.Add(2 * time.Millisecond)
	for i := range 3 {
		at = at.Add(5*time.Second + time.Millisecond)
		res, err = gs.PollDevice(ctx, burst(at))
		noErr(t, "poll at the interval", err)
		if res.SlowDown {
			t.Fatalf("poll %d at the interval (%s): slow_down", i+3, at.Sub(t1))
		}
	}

	// Sustained polling at half the interval: slowed within two polls.
	slowed := false
	for range 3 {
		at = at.Add(2500 * time.Millisecond)
		res, err = gs.PollDevice(ctx, burst(at))
		noErr(t, "fast poll", err)
		slowed = slowed || res.SlowDown
	}
	if !slowed || res.Device.Interval <= 5*time.Second {
		t.Fatalf("sustained fast polling: slow_down %v, interval %s", slowed, res.Device.Interval)
	}
}
