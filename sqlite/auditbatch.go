package sqlite

import (
	"context"

	"github.com/signet-auth/signet"
	sc "github.com/signet-auth/signet/internal/storecore"
)

// auditRows bounds the rows of one INSERT of a batch's audit records:
// 13 parameters a row stays far below SQLite's limit of 32,766.
const auditRows = maxBatch

// auditBatch holds the grant audit records (storecore.Tx.InsertAudit) of
// the members of one write batch, inserted together just before the batch
// commits: one multi-row INSERT instead of one statement a grant, which
// cost nearly as much as the grant's own token insert (docs/performance.md).
// The records are written in the same transaction as the grants they
// record, so each is committed if and only if its grant is: a member that
// fails gives its records back (undo) as ROLLBACK TO gives back its rows,
// and a batch that does not commit loses them with everything else. Only
// the writer goroutine touches it.
type auditBatch struct {
	// deferring is set while a batch of several members runs; a batch of
	// one inserts its records at once, as nothing else shares its commit.
	deferring bool
	recs      []signet.AuditRecord
	args      []any
	// inserts[n] is the INSERT of n rows, built on first use.
	inserts [auditRows + 1]string
}

// mark is where a member's records start; undo(mark) drops them.
func (b *auditBatch) mark() int { return len(b.recs) }

func (b *auditBatch) undo(mark int) {
	clear(b.recs[mark:])
	b.recs = b.recs[:mark]
}

// reset drops every queued record and ends deferring (a batch that ended).
func (b *auditBatch) reset() {
	b.undo(0)
	b.deferring = false
}

// flush inserts the queued records in t, in the order they were added
// (their ids follow it), and empties the queue whatever the outcome: on an
// error the caller rolls the whole batch back.
func (b *auditBatch) flush(ctx context.Context, t *writeTx) error {
	defer b.undo(0)
	for recs := b.recs; len(recs) > 0; {
		n := min(len(recs), auditRows)
		b.args = b.args[:0]
		for _, r := range recs[:n] {
			b.args = append(b.args, sc.AuditArgs(r)...)
		}
		err := t.exec(ctx, b.insert(n), b.args...)
		clear(b.args)
		if err != nil {
			return err
		}
		recs = recs[n:]
	}
	return nil
}

// insert returns the INSERT of n audit rows.
func (b *auditBatch) insert(n int) string {
	if b.inserts[n] == "" {
		b.inserts[n] = auditInsertOf(n)
	}
	return b.inserts[n]
}
