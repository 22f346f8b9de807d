package storetiming

import (
	"context"
	"time"

	"github.com/signet-auth/signet"
)

type auditStore struct {
	s signet.AuditStore
	o Observer
}

var _ signet.AuditStore = auditStore{}

func (w auditStore) AppendAudit(ctx context.Context, r signet.AuditRecord) (int64, error) {
	return timed(ctx, w.o, "append_audit", func() (int64, error) { return w.s.AppendAudit(ctx, r) })
}

// ScanAudit times the whole scan, the caller's callback included.
func (w auditStore) ScanAudit(ctx context.Context, f signet.AuditFilter, fn func(signet.AuditRecord) error) error {
	return timedErr(ctx, w.o, "scan_audit", func() error { return w.s.ScanAudit(ctx, f, fn) })
}

func (w auditStore) PruneAudit(ctx context.Context, before time.Time, batch int) (int, error) {
	return timed(ctx, w.o, "prune_audit", func() (int, error) { return w.s.PruneAudit(ctx, before, batch) })
}
