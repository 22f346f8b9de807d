package storetest

import (
	"errors"
	"time"

	"github.com/signet-auth/signet"
)

func testDevices(f *fixture) {
	t, ctx, gs := f.t, f.ctx, f.s.Grants
	d := f.device("a", "c")
	got, err := gs.GetDeviceByUserCode(ctx, d.UserCodeDigest)
	noErr(t, "GetDeviceByUserCode", err)
	eq(t, "device", got, d)
	_, err = gs.GetDeviceByUserCode(ctx, dg("usercode", "none"))
	isErr(t, "unknown user code", err, signet.ErrNotFound)

	// A user code is unique among live authorizations.
	other := newDevice("b", "c")
	other.UserCodeDigest = d.UserCodeDigest
	other.CreatedAt = d.ExpiresAt.Add(-time.Millisecond)
	isErr(t, "user code taken", gs.CreateDevice(ctx, other), signet.ErrConflict)
	isErr(t, "device code taken", gs.CreateDevice(ctx, newDevice("a", "c")), signet.ErrConflict)
	// Once the first has expired, its user code may be drawn again.
	other.CreatedAt, other.ExpiresAt = d.ExpiresAt, d.ExpiresAt.Add(deviceLife)
	noErr(t, "user code of an expired authorization", gs.CreateDevice(ctx, other))
	got, _ = gs.GetDeviceByUserCode(ctx, d.UserCodeDigest)
	eq(t, "user code now finds", got.Digest, other.Digest)
}

func testDecideDevice(f *fixture) {
	t, ctx, gs := f.t, f.ctx, f.s.Grants
	d := f.device("a", "c")
	now := t0.Add(time.Minute)
	got, err := gs.DecideDevice(ctx, d.UserCodeDigest, signet.DeviceApproved, "u1", now, now)
	noErr(t, "approve", err)
	want := d
	want.Status, want.UserID, want.AuthTime = signet.DeviceApproved, "u1", now
	eq(t, "approved", got, want)

	got, err = gs.DecideDevice(ctx, d.UserCodeDigest, signet.DeviceApproved, "u2", now, now)
	isErr(t, "approve again", err, signet.ErrAlreadyUsed)
	eq(t, "unchanged after second approval", got, want)
	got, err = gs.DecideDevice(ctx, d.UserCodeDigest, signet.DeviceDenied, "u2", now, now)
	isErr(t, "deny after approval", err, signet.ErrAlreadyUsed)
	eq(t, "approval stands", got.Status, signet.DeviceApproved)

	_, err = gs.DecideDevice(ctx, dg("usercode", "none"), signet.DeviceApproved, "u1", now, now)
	isErr(t, "unknown user code", err, signet.ErrNotFound)

	// DV-03: an expired authorization cannot be approved.
	e := f.device("expired", "c")
	got, err = gs.DecideDevice(ctx, e.UserCodeDigest, signet.DeviceApproved, "u1", e.ExpiresAt, e.ExpiresAt)
	isErr(t, "approve expired", err, signet.ErrNotFound)
	eq(t, "expired stays pending", got.Status, signet.DevicePending)

	p := f.device("p", "c")
	for _, s := range []signet.DeviceStatus{signet.DevicePending, signet.DeviceRedeemed, "bogus"} {
		if _, err := gs.DecideDevice(ctx, p.UserCodeDigest, s, "u1", now, now); err == nil {
			t.Errorf("DecideDevice(%q) succeeded", s)
		}
	}
	got, _ = gs.GetDeviceByUserCode(ctx, p.UserCodeDigest)
	eq(t, "still pending", got.Status, signet.DevicePending)
}

// DV-04: once denied, an authorization stays denied: a later approval (the
// Back button, a replayed POST) changes nothing and polls keep seeing denied.
func testDeniedIsFinal(f *fixture) {
	t, ctx, gs := f.t, f.ctx, f.s.Grants
	d := f.device("a", "c")
	now := t0.Add(time.Minute)
	got, err := gs.DecideDevice(ctx, d.UserCodeDigest, signet.DeviceDenied, "u1", now, now)
	noErr(t, "deny", err)
	eq(t, "denied", got.Status, signet.DeviceDenied)
	got, err = gs.DecideDevice(ctx, d.UserCodeDigest, signet.DeviceApproved, "u1", now, now.Add(time.Second))
	isErr(t, "approve after deny", err, signet.ErrAlreadyUsed)
	eq(t, "still denied", got.Status, signet.DeviceDenied)
	res, err := gs.PollDevice(ctx, poll(d.Digest, "s1", now.Add(2*time.Second)))
	noErr(t, "poll", err)
	eq(t, "poll sees denied", res.Device.Status, signet.DeviceDenied)
	eq(t, "no session", res.Session.ID, "")
}

func testPollDevice(f *fixture) {
	t, ctx, gs := f.t, f.ctx, f.s.Grants
	d := f.device("a", "c")

	_, err := gs.PollDevice(ctx, poll(dg("device", "none"), "s1", t0))
	isErr(t, "unknown device code", err, signet.ErrNotFound)

	// A failing Check changes nothing.
	bad := errors.New("client mismatch")
	p := poll(d.Digest, "s1", t0.Add(time.Second))
	p.Check = func(signet.DeviceAuthorization) error { return bad }
	_, err = gs.PollDevice(ctx, p)
	isErr(t, "failed check", err, bad)

	t1 := t0.Add(time.Second)
	res, err := gs.PollDevice(ctx, poll(d.Digest, "s1", t1))
	noErr(t, "first poll", err)
	want := d
	want.LastPolledAt = t1
	eq(t, "after first poll (Check changed nothing)", res, signet.DevicePollResult{Device: want})

	// DV-02: too soon: the stored interval grows; LastPolledAt stays.
	res, err = gs.PollDevice(ctx, poll(d.Digest, "s1", t1.Add(5*time.Second-time.Millisecond)))
	noErr(t, "early poll", err)
	want.Interval = 10 * time.Second
	eq(t, "after early poll", res, signet.DevicePollResult{Device: want, SlowDown: true})
	res, err = gs.PollDevice(ctx, poll(d.Digest, "s1", t1.Add(9*time.Second)))
	noErr(t, "early poll against the raised interval", err)
	want.Interval = 15 * time.Second
	eq(t, "after second early poll", res, signet.DevicePollResult{Device: want, SlowDown: true})

	t2 := t1.Add(15 * time.Second)
	res, err = gs.PollDevice(ctx, poll(d.Digest, "s1", t2))
	noErr(t, "poll on time", err)
	want.LastPolledAt = t2
	eq(t, "pending after poll on time", res, signet.DevicePollResult{Device: want})

	now := t2.Add(time.Second)
	_, err = gs.DecideDevice(ctx, d.UserCodeDigest, signet.DeviceApproved, "u1", now, now)
	noErr(t, "approve", err)
	// The redeeming poll is on time; it marks the authorization redeemed
	// and creates the session.
	t3 := t2.Add(15 * time.Second)
	res, err = gs.PollDevice(ctx, poll(d.Digest, "s1", t3))
	noErr(t, "poll after approval", err)
	want.Status, want.UserID, want.AuthTime, want.LastPolledAt, want.SessionID = signet.DeviceRedeemed, "u1", now, t3, "s1"
	eq(t, "redeemed", res.Device, want)
	eq(t, "session id", res.Session.ID, "s1")
	eq(t, "session user", res.Session.UserID, "u1")
	wantG := firstGeneration("s1", t3)
	wantG.SessionID = "s1"
	eq(t, "tokens", res.Tokens, wantG)
	s, err := gs.GetSession(ctx, "s1")
	noErr(t, "GetSession", err)
	eq(t, "stored session", s, res.Session)

	// Redeemed is reported before slow-down: this poll is also too early.
	res, err = gs.PollDevice(ctx, poll(d.Digest, "s2", t3.Add(time.Second)))
	isErr(t, "poll after redemption", err, signet.ErrAlreadyUsed)
	eq(t, "session of the first redemption", res.Device.SessionID, "s1")
	eq(t, "no new session", res.Session.ID, "")

	// An expired authorization comes back unchanged, for expired_token.
	e := f.device("expired", "c")
	res, err = gs.PollDevice(ctx, poll(e.Digest, "s3", e.ExpiresAt))
	noErr(t, "poll expired", err)
	eq(t, "expired, unchanged", res, signet.DevicePollResult{Device: e})
	_, err = gs.GetSession(ctx, "s3")
	isErr(t, "no session from an expired authorization", err, signet.ErrNotFound)
}
