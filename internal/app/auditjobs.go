package app

import (
	"context"
	"log/slog"
	"time"

	"github.com/signet-auth/signet"
)

// Audit retention: every auditPruneInterval, delete in batches of gcBatch
// the records older than --audit-retention, at most gcRounds batches per
// tick. It is the only deletion of audit records (catalogue AU-02).
const auditPruneInterval = time.Hour

// pruneAudit runs PruneAuditOnce each auditPruneInterval until ctx is done.
func pruneAudit(ctx context.Context, st signet.AuditStore, retention time.Duration, clock signet.Clock, log *slog.Logger) {
	every(ctx, auditPruneInterval, func() {
		if _, err := PruneAuditOnce(ctx, st, retention, clock.Now()); err != nil && ctx.Err() == nil {
			log.Warn("audit retention", "err", err)
		}
	})
}

// PruneAuditOnce deletes the records older than retention before now, a
// batch at a time, at most gcRounds batches, and returns how many it
// deleted.
func PruneAuditOnce(ctx context.Context, st signet.AuditStore, retention time.Duration, now time.Time) (int, error) {
	total := 0
	for range gcRounds {
		n, err := st.PruneAudit(ctx, now.Add(-retention), gcBatch)
		total += n
		if err != nil || n < gcBatch {
			return total, err
		}
	}
	return total, nil
}
