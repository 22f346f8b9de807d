package storetest

import (
	"time"

	"github.com/signet-auth/signet"
)

// ClientEpoch: GetClientEpoch reads a client with the epoch; only a client
// leaving the store (DeleteClient, the collection of an expired
// registration) moves the epoch; a rotation that carries an epoch the store
// no longer has is refused with ErrClientChanged and changes nothing, on
// the snapshot's path and on the full rule's (a retry inside the grace
// window), and goes through once it carries the current one.
func testClientEpoch(f *fixture) {
	t, ctx, cs, gs := f.t, f.ctx, f.s.Clients, f.s.Grants
	epoch := func(id string) signet.ClientEpoch {
		t.Helper()
		_, e, err := cs.GetClientEpoch(ctx, id)
		noErr(t, "GetClientEpoch", err)
		return e
	}

	a := f.client("epoch-a")
	got, e0, err := cs.GetClientEpoch(ctx, "epoch-a")
	noErr(t, "GetClientEpoch", err)
	eq(t, "GetClientEpoch's client", got, a)
	if e0 < 1 {
		t.Errorf("epoch %d, want at least 1", e0)
	}
	_, _, err = cs.GetClientEpoch(ctx, "no-such-client")
	isErr(t, "GetClientEpoch unknown", err, signet.ErrNotFound)

	f.client("epoch-b")
	eq(t, "epoch after a client was created", epoch("epoch-a"), e0)

	s, g0 := f.session("epoch")
	read := epoch(s.ClientID)
	f.must(cs.DeleteClient(ctx, "epoch-b", t0))
	moved := epoch(s.ClientID)
	if moved <= read {
		t.Fatalf("epoch %d after DeleteClient, want more than %d", moved, read)
	}

	now := t0.Add(time.Minute)
	stale := rotation(g0, now, time.Minute)
	stale.ClientEpoch = read
	_, err = gs.Rotate(ctx, stale)
	isErr(t, "Rotate with a stale epoch", err, signet.ErrClientChanged)
	_, g, err := gs.LookupRefresh(ctx, g0.RefreshDigest)
	noErr(t, "LookupRefresh", err)
	if !g.RotatedAt.IsZero() {
		t.Fatalf("the refused rotation rotated the token at %v", g.RotatedAt)
	}

	fresh := rotation(g0, now, time.Minute)
	fresh.ClientEpoch = moved
	first, err := gs.Rotate(ctx, fresh)
	noErr(t, "Rotate with the current epoch", err)
	eq(t, "successor's generation", first.Tokens.Generation, int64(1))

	// A retry inside the grace window is decided by the full rule.
	stale.Now = now.Add(time.Second)
	_, err = gs.Rotate(ctx, stale)
	isErr(t, "retry with a stale epoch", err, signet.ErrClientChanged)
	fresh.Now = now.Add(time.Second)
	again, err := gs.Rotate(ctx, fresh)
	noErr(t, "retry with the current epoch", err)
	if !again.Retry || again.Tokens.AccessDigest != first.Tokens.AccessDigest {
		t.Errorf("retry: %+v, want the first call's successor", again)
	}

	// The collector's deletions move it too.
	expired := newClient("epoch-dyn")
	expired.Dynamic, expired.ExpiresAt = true, t0
	f.must(cs.CreateClient(ctx, expired))
	before := epoch(s.ClientID)
	_, err = f.s.Collector.Collect(ctx, t0.Add(48*time.Hour), time.Hour, 100)
	noErr(t, "Collect", err)
	if _, _, err := cs.GetClientEpoch(ctx, "epoch-dyn"); err == nil {
		t.Fatal("the expired registration was not collected")
	}
	if after := epoch(s.ClientID); after <= before {
		t.Errorf("epoch %d after the collector deleted a client, want more than %d", after, before)
	}
}

// CodeClientEpoch: a redemption carrying an epoch the store no longer has is
// refused with ErrClientChanged before anything changes: the code is not
// burned, and a second redemption does not revoke what the first made; with
// the current epoch both go through as without one.
func testCodeClientEpoch(f *fixture) {
	t, ctx, gs := f.t, f.ctx, f.s.Grants
	cl, read, moved := f.staleEpoch("code-epoch")
	u := f.user("user-code-epoch", "name-code-epoch")

	c := f.code("code-epoch", cl.ID, u.ID)
	stale := redemption(c, "sess-code-epoch", t0)
	stale.ClientEpoch = read
	_, _, _, err := gs.RedeemCode(ctx, stale)
	isErr(t, "RedeemCode with a stale epoch", err, signet.ErrClientChanged)

	// The code is still unused: it redeems now.
	fresh := redemption(c, "sess-code-epoch", t0)
	fresh.ClientEpoch = moved
	_, s, _, err := gs.RedeemCode(ctx, fresh)
	noErr(t, "RedeemCode with the current epoch after a refused one", err)

	// A second redemption with a stale epoch revokes nothing; with the
	// current one it revokes the first's session (AC-07).
	again := redemption(c, "sess-code-epoch-2", t0.Add(time.Second))
	again.ClientEpoch = read
	_, _, _, err = gs.RedeemCode(ctx, again)
	isErr(t, "second redemption with a stale epoch", err, signet.ErrClientChanged)
	live, err := gs.GetSession(ctx, s.ID)
	noErr(t, "GetSession", err)
	if !live.RevokedAt.IsZero() {
		t.Fatalf("a refused second redemption revoked the session (%s)", live.RevokeReason)
	}
	again.ClientEpoch = moved
	_, _, _, err = gs.RedeemCode(ctx, again)
	isErr(t, "second redemption with the current epoch", err, signet.ErrAlreadyUsed)
	revoked, err := gs.GetSession(ctx, s.ID)
	noErr(t, "GetSession", err)
	if revoked.RevokedAt.IsZero() {
		t.Error("a second redemption with the current epoch did not revoke the session")
	}
}

// DeviceClientEpoch: a poll carrying an epoch the store no longer has is
// refused with ErrClientChanged before anything changes: the poll's time is
// not recorded (the next poll is not too soon) and an approved
// authorization is not redeemed; with the current epoch both go through.
func testDeviceClientEpoch(f *fixture) {
	t, ctx, gs := f.t, f.ctx, f.s.Grants
	cl, read, moved := f.staleEpoch("device-epoch")

	d := f.device("epoch", cl.ID)
	withEpoch := func(e signet.ClientEpoch, now time.Time) signet.DevicePoll {
		p := poll(d.Digest, "sess-device-epoch", now)
		p.ClientEpoch = e
		return p
	}
	_, err := gs.PollDevice(ctx, withEpoch(read, t0))
	isErr(t, "poll with a stale epoch", err, signet.ErrClientChanged)
	res, err := gs.PollDevice(ctx, withEpoch(moved, t0.Add(time.Second)))
	noErr(t, "poll with the current epoch", err)
	if res.SlowDown || !res.Device.LastPolledAt.Equal(t0.Add(time.Second)) {
		t.Fatalf("the refused poll counted: %+v", res)
	}

	approved := t0.Add(time.Minute)
	_, err = gs.DecideDevice(ctx, d.UserCodeDigest, signet.DeviceApproved, "u1", approved, approved)
	noErr(t, "approve", err)
	_, err = gs.PollDevice(ctx, withEpoch(read, approved.Add(10*time.Second)))
	isErr(t, "approved poll with a stale epoch", err, signet.ErrClientChanged)
	res, err = gs.PollDevice(ctx, withEpoch(moved, approved.Add(10*time.Second)))
	noErr(t, "approved poll with the current epoch", err)
	if res.Session.ID == "" {
		t.Errorf("the poll with the current epoch redeemed nothing: %+v", res)
	}
}

// staleEpoch creates client id and returns it with the epoch it was read at
// and the epoch after another client's deletion moved it.
func (f *fixture) staleEpoch(id string) (cl signet.Client, read, moved signet.ClientEpoch) {
	f.t.Helper()
	cl = f.client(id)
	_, read, err := f.s.Clients.GetClientEpoch(f.ctx, id)
	noErr(f.t, "GetClientEpoch", err)
	f.client(id + "-gone")
	f.must(f.s.Clients.DeleteClient(f.ctx, id+"-gone", t0))
	_, moved, err = f.s.Clients.GetClientEpoch(f.ctx, id)
	noErr(f.t, "GetClientEpoch", err)
	return cl, read, moved
}
