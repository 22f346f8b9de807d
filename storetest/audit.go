package storetest

import (
	"errors"
	"fmt"
	"time"

	"github.com/signet-auth/signet"
)

func auditRecord(i int, event signet.AuditEvent, userID string) signet.AuditRecord {
	return signet.AuditRecord{
		Time: t0.Add(time.Duration(i) * time.Second), Event: event, Actor: "user:" + userID, UserID: userID,
		ClientID: "c1", AccountID: "111122223333", RoleName: "Dev", Surface: string(signet.ProtocolSSOOIDC),
		Address: "192.0.2.1", UserAgent: "aws-cli/2", RequestID: fmt.Sprintf("req-%d", i),
		Outcome: signet.AuditSuccess, Detail: "grant=refresh_token",
	}
}

// scan collects what ScanAudit yields for af.
func (f *fixture) scan(af signet.AuditFilter) []signet.AuditRecord {
	f.t.Helper()
	var out []signet.AuditRecord
	noErr(f.t, "ScanAudit", f.s.Audit.ScanAudit(f.ctx, af, func(r signet.AuditRecord) error {
		out = append(out, r)
		return nil
	}))
	return out
}

// Audit (catalogue AU-01, AU-03): records come back as appended, in append
// order, with every field; the filters by time, user and event and the
// cursor select exactly; a scan crosses page boundaries without losing or
// repeating a record; an error from the callback stops it.
func testAudit(f *fixture) {
	t, ctx := f.t, f.ctx
	as := f.s.Audit
	if as == nil {
		t.Fatal("Stores.Audit is nil")
	}
	eq(t, "ScanAudit of none", len(f.scan(signet.AuditFilter{})), 0)

	var want []signet.AuditRecord
	events := []signet.AuditEvent{signet.AuditLoginSucceeded, signet.AuditTokensIssued, signet.AuditSessionRevoked}
	for i := range 9 {
		r := auditRecord(i, events[i%3], []string{"u1", "u2"}[i%2])
		id, err := as.AppendAudit(ctx, r)
		noErr(t, "AppendAudit", err)
		if len(want) > 0 && id <= want[len(want)-1].ID {
			t.Fatalf("AppendAudit id %d after %d: ids must grow", id, want[len(want)-1].ID)
		}
		r.ID = id
		want = append(want, r)
	}
	eq(t, "ScanAudit of all", f.scan(signet.AuditFilter{}), want)

	pick := func(keep func(signet.AuditRecord) bool) []signet.AuditRecord {
		var out []signet.AuditRecord
		for _, r := range want {
			if keep(r) {
				out = append(out, r)
			}
		}
		return out
	}
	since, until := t0.Add(2*time.Second), t0.Add(6*time.Second)
	eq(t, "ScanAudit since/until", f.scan(signet.AuditFilter{Since: since, Until: until}),
		pick(func(r signet.AuditRecord) bool { return !r.Time.Before(since) && r.Time.Before(until) }))
	eq(t, "ScanAudit by user", f.scan(signet.AuditFilter{UserID: "u2"}),
		pick(func(r signet.AuditRecord) bool { return r.UserID == "u2" }))
	evs := []signet.AuditEvent{signet.AuditLoginSucceeded, signet.AuditSessionRevoked}
	eq(t, "ScanAudit by events", f.scan(signet.AuditFilter{Events: evs}),
		pick(func(r signet.AuditRecord) bool { return r.Event != signet.AuditTokensIssued }))
	eq(t, "ScanAudit by user and event", f.scan(signet.AuditFilter{UserID: "u1", Events: evs[:1]}),
		pick(func(r signet.AuditRecord) bool { return r.UserID == "u1" && r.Event == signet.AuditLoginSucceeded }))
	eq(t, "ScanAudit after a cursor", f.scan(signet.AuditFilter{After: want[4].ID}), want[5:])
	eq(t, "ScanAudit with a limit", f.scan(signet.AuditFilter{Limit: 4}), want[:4])
	eq(t, "ScanAudit after a cursor with a limit", f.scan(signet.AuditFilter{After: want[1].ID, Limit: 2}), want[2:4])
	eq(t, "ScanAudit of an empty window", len(f.scan(signet.AuditFilter{Since: t0.Add(time.Hour)})), 0)

	stop := errors.New("stop")
	n := 0
	err := as.ScanAudit(ctx, signet.AuditFilter{}, func(signet.AuditRecord) error {
		n++
		if n == 3 {
			return stop
		}
		return nil
	})
	isErr(t, "ScanAudit stopped by its callback", err, stop)
	eq(t, "records seen before the stop", n, 3)
}

// AU-03/ScanStreamsPages: a scan of more records than one page yields each
// exactly once, in order, through the callback (the store never returns
// them as one slice).
func testAuditPages(f *fixture) {
	t, ctx := f.t, f.ctx
	const total = 1234 // more than two pages of storecore.AuditPage
	for i := range total {
		_, err := f.s.Audit.AppendAudit(ctx, auditRecord(i, signet.AuditTokensIssued, "u1"))
		noErr(t, "AppendAudit", err)
	}
	var last int64
	n := 0
	noErr(t, "ScanAudit", f.s.Audit.ScanAudit(ctx, signet.AuditFilter{}, func(r signet.AuditRecord) error {
		if r.ID <= last {
			return fmt.Errorf("record %d after %d", r.ID, last)
		}
		if want := fmt.Sprintf("req-%d", n); r.RequestID != want {
			return fmt.Errorf("record %d has request id %q, want %q", n, r.RequestID, want)
		}
		last = r.ID
		n++
		return nil
	}))
	eq(t, "records scanned", n, total)
}

// AU-02/PruneOnlyByAge: the prune deletes records older than its cutoff,
// at most a batch at a time, and nothing younger.
func testAuditPrune(f *fixture) {
	t, ctx := f.t, f.ctx
	for i := range 10 {
		_, err := f.s.Audit.AppendAudit(ctx, auditRecord(i, signet.AuditAdminChange, "u1"))
		noErr(t, "AppendAudit", err)
	}
	n, err := f.s.Audit.PruneAudit(ctx, t0.Add(6*time.Second), 4)
	noErr(t, "PruneAudit", err)
	eq(t, "PruneAudit first batch", n, 4)
	n, err = f.s.Audit.PruneAudit(ctx, t0.Add(6*time.Second), 4)
	noErr(t, "PruneAudit", err)
	eq(t, "PruneAudit second batch", n, 2)
	n, err = f.s.Audit.PruneAudit(ctx, t0.Add(6*time.Second), 4)
	noErr(t, "PruneAudit", err)
	eq(t, "PruneAudit with nothing old left", n, 0)
	left := f.scan(signet.AuditFilter{})
	eq(t, "records left", len(left), 4)
	if len(left) > 0 && left[0].Time.Before(t0.Add(6*time.Second)) {
		t.Errorf("a record of %v survived a prune before %v", left[0].Time, t0.Add(6*time.Second))
	}
}

// grantAudit is a GrantAudit that names what it was given.
func grantAudit(now time.Time) signet.GrantAudit {
	return func(s signet.Session, g signet.TokenGeneration, retry bool) signet.AuditRecord {
		return signet.AuditRecord{Time: now, Event: signet.AuditTokensIssued, ClientID: s.ClientID, UserID: s.UserID,
			Outcome: signet.AuditSuccess, Detail: fmt.Sprintf("session=%s generation=%d retry=%t", s.ID, g.Generation, retry)}
	}
}

// AU-02/GrantCommitsItsRecord: a code redemption, a device poll that
// redeems, a rotation (on every path the backend has, PostgreSQL's
// one-statement rotation included) and a retry inside the grace each
// append the record their GrantAudit makes, with what they committed;
// the calls that grant nothing (an unknown code, a pending poll, a reuse)
// append none.
func testGrantAudit(f *fixture) {
	t, ctx := f.t, f.ctx
	cl := f.client("c-audit")
	u := f.user("u-audit", "audit-user")
	c := f.code("audit", cl.ID, u.ID)
	red := redemption(c, "sess-audit", t0)
	red.Audit = grantAudit(t0)
	_, s, g, err := f.s.Grants.RedeemCode(ctx, red)
	noErr(t, "RedeemCode", err)
	unknown := redemption(newCode("never-stored", cl.ID, u.ID), "sess-none", t0)
	unknown.Audit = grantAudit(t0)
	_, _, _, err = f.s.Grants.RedeemCode(ctx, unknown)
	isErr(t, "RedeemCode of an unknown code", err, signet.ErrNotFound)

	d := f.device("audit", cl.ID)
	p := poll(d.Digest, "sess-audit-device", t0)
	p.Audit = grantAudit(t0)
	_, err = f.s.Grants.PollDevice(ctx, p)
	noErr(t, "PollDevice pending", err)
	_, err = f.s.Grants.DecideDevice(ctx, d.UserCodeDigest, signet.DeviceApproved, u.ID, t0, t0)
	noErr(t, "DecideDevice", err)
	p = poll(d.Digest, "sess-audit-device", t0.Add(time.Minute))
	p.Audit = grantAudit(t0)
	_, err = f.s.Grants.PollDevice(ctx, p)
	noErr(t, "PollDevice approved", err)

	rot := rotation(g, t0.Add(time.Minute), 30*time.Second)
	rot.Audit = grantAudit(t0)
	res, err := f.s.Grants.Rotate(ctx, rot)
	noErr(t, "Rotate", err)
	retry := rotation(g, t0.Add(time.Minute+time.Second), 30*time.Second)
	retry.Audit = grantAudit(t0)
	res2, err := f.s.Grants.Rotate(ctx, retry)
	noErr(t, "Rotate retry", err)
	eq(t, "retry hands out the same set", res2.Tokens.RefreshDigest, res.Tokens.RefreshDigest)
	again := rotation(res.Tokens, t0.Add(2*time.Minute), 30*time.Second)
	again.Audit = grantAudit(t0)
	_, err = f.s.Grants.Rotate(ctx, again)
	noErr(t, "second Rotate", err)
	reuse := rotation(g, t0.Add(10*time.Minute), 30*time.Second)
	reuse.Audit = grantAudit(t0)
	_, err = f.s.Grants.Rotate(ctx, reuse)
	isErr(t, "reuse", err, signet.ErrTokenReused)

	var details []string
	for _, r := range f.scan(signet.AuditFilter{}) {
		details = append(details, r.Detail)
	}
	eq(t, "records of the grants", details, []string{
		"session=" + s.ID + " generation=0 retry=false",
		"session=sess-audit-device generation=0 retry=false",
		"session=" + s.ID + " generation=1 retry=false",
		"session=" + s.ID + " generation=1 retry=true",
		"session=" + s.ID + " generation=2 retry=false",
	})
}
