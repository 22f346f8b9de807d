package app_test

import (
	"context"
	"testing"
	"time"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/internal/app"
	"github.com/signet-auth/signet/internal/testenv"
)

// AU-02/RetentionPrunesOnlyOldRecords: the retention job deletes every
// record older than the retention, batch after batch, and none younger.
func TestAU02_RetentionPrunesOnlyOldRecords(t *testing.T) {
	e := testenv.New(t, testenv.Options{})
	ctx := context.Background()
	now := e.Clock.Now()
	st := e.Stores.Audit
	var kept int
	if err := st.ScanAudit(ctx, signet.AuditFilter{}, func(signet.AuditRecord) error { kept++; return nil }); err != nil {
		t.Fatal(err)
	}
	const old = 1234 // more than two batches
	for i := range old {
		if _, err := st.AppendAudit(ctx, signet.AuditRecord{Time: now.Add(-48*time.Hour + time.Duration(i)*time.Millisecond),
			Event: signet.AuditTokensIssued, Outcome: signet.AuditSuccess}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.AppendAudit(ctx, signet.AuditRecord{Time: now.Add(-23 * time.Hour), Event: signet.AuditLoginFailed}); err != nil {
		t.Fatal(err)
	}
	n, err := app.PruneAuditOnce(ctx, st, 24*time.Hour, now)
	if err != nil || n != old {
		t.Fatalf("PruneAuditOnce = %d, %v; want %d", n, err, old)
	}
	var left []signet.AuditRecord
	if err := st.ScanAudit(ctx, signet.AuditFilter{}, func(r signet.AuditRecord) error { left = append(left, r); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(left) != kept+1 {
		t.Fatalf("%d records left, want the %d of the setup and the young one", len(left), kept)
	}
	for _, r := range left {
		if r.Time.Before(now.Add(-24 * time.Hour)) {
			t.Errorf("a record of %v survived", r.Time)
		}
	}
}
