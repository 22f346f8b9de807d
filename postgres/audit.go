package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/signet-auth/signet"
	sc "github.com/signet-auth/signet/internal/storecore"
)

var _ signet.AuditStore = (*DB)(nil)

// AppendAudit implements signet.AuditStore: one INSERT … RETURNING id.
func (db *DB) AppendAudit(ctx context.Context, r signet.AuditRecord) (int64, error) {
	var id int64
	err := db.readRow(ctx, `INSERT INTO audit_records (`+sc.AuditCols+`) VALUES (`+placeholders(13)+`) RETURNING id`,
		sc.AuditArgs(r)...).Scan(&id)
	return id, mapErr(err)
}

// InsertAudit implements storecore.Tx: a grant's record, in the grant's
// transaction.
func (t *writeTx) InsertAudit(ctx context.Context, r signet.AuditRecord) error {
	return t.exec(ctx, `INSERT INTO audit_records (`+sc.AuditCols+`) VALUES (`+placeholders(13)+`)`, sc.AuditArgs(r)...)
}

// ScanAudit implements signet.AuditStore, a page at a time.
func (db *DB) ScanAudit(ctx context.Context, f signet.AuditFilter, fn func(signet.AuditRecord) error) error {
	return sc.ScanAuditPages(ctx, f, func(ctx context.Context, cursor int64, limit int) ([]signet.AuditRecord, error) {
		q, args := sc.AuditQuery(f, cursor, limit, sc.Placeholder)
		return all(ctx, db, sc.ScanAudit, q, args...)
	}, fn)
}

// PruneAudit implements signet.AuditStore: the only DELETE of the table.
// The table's trigger refuses any DELETE whose transaction has not set
// signet.audit_prune, so nothing else can delete a record.
func (db *DB) PruneAudit(ctx context.Context, before time.Time, batch int) (int, error) {
	if batch <= 0 {
		return 0, nil
	}
	n := 0
	err := db.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT set_config('signet.audit_prune', 'on', true)`); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `DELETE FROM audit_records WHERE id IN
			(SELECT id FROM audit_records WHERE at < $1 ORDER BY at LIMIT $2)`, sc.Millis(before), batch)
		n = int(tag.RowsAffected())
		return err
	})
	return n, err
}
