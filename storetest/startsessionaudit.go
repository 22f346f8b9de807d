package storetest

import (
	"errors"

	"github.com/signet-auth/signet"
)

// testStartSessionAudit: a started session's audit record (SessionStart.Audit)
// is appended in the transaction that writes the session, built from what
// was written; a failed Check appends none (catalogue AU-02).
func testStartSessionAudit(f *fixture) {
	t, ctx, gs := f.t, f.ctx, f.s.Grants
	cl := f.client("app-audit")
	u := f.user("u-start-audit", "startaudit")
	start := func(id string, check func(signet.User) error) signet.SessionStart {
		return signet.SessionStart{
			UserID: u.ID, Now: t0, Check: check,
			Grant: func(got signet.User) (signet.Session, signet.TokenGeneration) {
				return signet.Session{ID: id, ClientID: cl.ID, UserID: got.ID, Protocol: signet.ProtocolSSOOIDC,
					Scopes: []string{"openid"}, AuthTime: t0, CreatedAt: t0, ExpiresAt: t0.Add(sessionLife)}, firstGeneration(id, t0)
			},
			Audit: func(s signet.Session, _ signet.TokenGeneration, retry bool) signet.AuditRecord {
				return signet.AuditRecord{Time: t0, Event: signet.AuditTokensIssued, ClientID: s.ClientID, UserID: s.UserID,
					Outcome: signet.AuditSuccess, Detail: "session=" + s.ID}
			},
		}
	}
	records := func() []signet.AuditRecord {
		var out []signet.AuditRecord
		noErr(t, "ScanAudit", f.s.Audit.ScanAudit(ctx, signet.AuditFilter{UserID: u.ID}, func(r signet.AuditRecord) error {
			out = append(out, r)
			return nil
		}))
		return out
	}

	_, _, err := gs.StartSession(ctx, start("s-audit-refused", func(signet.User) error { return errors.New("refused") }))
	if err == nil {
		t.Fatal("StartSession with a failing Check succeeded")
	}
	eq(t, "records after a failed Check", len(records()), 0)
	_, _, err = gs.StartSession(ctx, start("s-audit", func(signet.User) error { return nil }))
	noErr(t, "StartSession", err)
	got := records()
	eq(t, "records after the session", len(got), 1)
	eq(t, "the record's detail", got[0].Detail, "session=s-audit")
	eq(t, "the record's client", got[0].ClientID, cl.ID)
}
