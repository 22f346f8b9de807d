package sqlite

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/signet-auth/signet"
	sc "github.com/signet-auth/signet/internal/storecore"
)

var _ signet.AuditStore = (*DB)(nil)

// AppendAudit implements signet.AuditStore: one INSERT … RETURNING id.
func (db *DB) AppendAudit(ctx context.Context, r signet.AuditRecord) (int64, error) {
	var id int64
	err := db.tx(ctx, func(tx *sql.Tx) error {
		return db.wtx(tx).row(ctx, auditInsert+` RETURNING id`, sc.AuditArgs(r)...).Scan(&id)
	})
	return id, err
}

// InsertAudit implements storecore.Tx: a grant's record, in the grant's
// transaction; in a batch of several, inserted with the batch's other
// records just before it commits (auditBatch).
func (t *writeTx) InsertAudit(ctx context.Context, r signet.AuditRecord) error {
	if t.audits.deferring {
		t.audits.recs = append(t.audits.recs, r)
		return nil
	}
	return t.exec(ctx, auditInsert, sc.AuditArgs(r)...)
}

// auditInsert is the INSERT of one audit record.
var auditInsert = auditInsertOf(1)

// auditInsertOf returns the INSERT of n audit records, one row of
// placeholders for each.
func auditInsertOf(n int) string {
	row := "(" + placeholders(strings.Count(sc.AuditCols, ",")+1) + ")"
	return `INSERT INTO audit_records (` + sc.AuditCols + `) VALUES ` +
		strings.TrimSuffix(strings.Repeat(row+", ", n), ", ")
}

// ScanAudit implements signet.AuditStore, a page at a time on the read
// pool.
func (db *DB) ScanAudit(ctx context.Context, f signet.AuditFilter, fn func(signet.AuditRecord) error) error {
	return sc.ScanAuditPages(ctx, f, func(ctx context.Context, cursor int64, limit int) ([]signet.AuditRecord, error) {
		q, args := sc.AuditQuery(f, cursor, limit, sc.QMark)
		return adHoc(ctx, db, sc.ScanAudit, q, args...)
	}, fn)
}

// PruneAudit implements signet.AuditStore: the only DELETE of the table.
func (db *DB) PruneAudit(ctx context.Context, before time.Time, batch int) (int, error) {
	if batch <= 0 {
		return 0, nil
	}
	n := 0
	err := db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM audit_records WHERE id IN
			(SELECT id FROM audit_records WHERE at < ? ORDER BY at LIMIT ?)`, sc.Millis(before), batch)
		if err != nil {
			return err
		}
		k, err := res.RowsAffected()
		n = int(k)
		return err
	})
	return n, err
}
