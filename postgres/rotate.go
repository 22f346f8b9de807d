package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/signet-auth/signet"
	sc "github.com/signet-auth/signet/internal/storecore"
)

// rotationSnapshot reads what a rotation decides on from the pool in one
// query, outside any transaction (storecore.Rules.Snapshot).
func (db *DB) rotationSnapshot(ctx context.Context, rot signet.Rotation) (sc.RotationRead, error) {
	if rot.Budget == nil {
		return one(sc.ScanRotationSnapshot(db.readRow(ctx, rotationSnapshot, rot.Digest[:])))
	}
	return one(sc.ScanRotationSnapshotBudget(db.readRow(ctx, rotationSnapshotBudget,
		rot.Digest[:], rot.Budget.Key[:], sc.Millis(rot.Now))))
}

// The snapshot's statements, without and with a failure budget's window.
var (
	rotationSnapshot       = sc.RotationSnapshot + ` WHERE g.refresh_digest = $1`
	rotationSnapshotBudget = sc.RotationSnapshotBudget + ` WHERE g.refresh_digest = $1`
)

// commitCurrentSQL is a snapshot's rotation as one statement, atomic
// without a transaction around it: mark the current generation rotated,
// move the session to the next one on the condition that nothing the rules
// read has changed, and insert the successor. The generation row is locked
// before the session row, the order in which the transaction's
// SELECT … FOR UPDATE of the full rule takes them, so the two never
// deadlock each other. If the session's condition fails after the
// generation was marked, the successor's rotated_at is NULL and the NOT
// NULL constraint undoes the whole statement.
const commitCurrentSQL = `WITH g AS (
	UPDATE token_generations SET rotated_at = $3
	WHERE session_id = $2 AND generation = $1 AND rotated_at = 0
	RETURNING session_id
), s AS (
	UPDATE sessions SET generation = $1 + 1
	WHERE id = (SELECT session_id FROM g) AND generation = $1 AND revoked_at = 0 AND expires_at > $3
	AND ($4::text IS NULL OR EXISTS (SELECT 1 FROM users WHERE users.id = sessions.user_id AND users.id = $4
		AND disabled = $5 AND credentials_changed_at = $6))
	RETURNING id
)
INSERT INTO token_generations (session_id, generation, refresh_digest, access_digest, issued_at,
	access_expires_at, refresh_expires_at, rotated_at)
SELECT $7, $8, $9, $10, $11, $12, $13, (SELECT 0::bigint FROM s) FROM g`

// commitCurrentAuditSQL is commitCurrentSQL that also appends the
// rotation's audit record ($14…$26), inserted only when the successor is:
// the rotation and its record commit together or not at all (AU-02).
const commitCurrentAuditSQL = `WITH g AS (
	UPDATE token_generations SET rotated_at = $3
	WHERE session_id = $2 AND generation = $1 AND rotated_at = 0
	RETURNING session_id
), s AS (
	UPDATE sessions SET generation = $1 + 1
	WHERE id = (SELECT session_id FROM g) AND generation = $1 AND revoked_at = 0 AND expires_at > $3
	AND ($4::text IS NULL OR EXISTS (SELECT 1 FROM users WHERE users.id = sessions.user_id AND users.id = $4
		AND disabled = $5 AND credentials_changed_at = $6))
	RETURNING id
), n AS (
	INSERT INTO token_generations (session_id, generation, refresh_digest, access_digest, issued_at,
		access_expires_at, refresh_expires_at, rotated_at)
	SELECT $7, $8, $9, $10, $11, $12, $13, (SELECT 0::bigint FROM s) FROM g
	RETURNING 1
)
INSERT INTO audit_records (` + sc.AuditCols + `)
SELECT $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26 FROM n`

// SQLSTATE of a NOT NULL violation: commitCurrentSQL's "condition failed".
const notNullViolation = "23502"

// commitCurrent is storecore.Rules.CommitCurrent.
func (db *DB) commitCurrent(ctx context.Context, now time.Time, s signet.Session, g signet.TokenGeneration, u *signet.User, next signet.TokenGeneration, audit *signet.AuditRecord) (bool, error) {
	var (
		userID   any // NULL: the session has no user
		disabled bool
		changed  int64
	)
	if u != nil {
		userID, disabled, changed = u.ID, u.Disabled, sc.Millis(u.CredentialsChangedAt)
	}
	a := sc.GenerationArgs(next)
	q, args := commitCurrentSQL, []any{g.Generation, s.ID, sc.Millis(now), userID, disabled, changed,
		a[0], a[1], a[2], a[3], a[4], a[5], a[6]}
	if audit != nil {
		q, args = commitCurrentAuditSQL, append(args, sc.AuditArgs(*audit)...)
	}
	tag, err := db.pool.Exec(ctx, q, args...)
	switch code := pgCode(err); {
	case err == nil:
		return tag.RowsAffected() == 1, nil
	case code == notNullViolation && errorColumn(err) == "rotated_at",
		code == serializationFailure, code == deadlockDetected:
		// The snapshot no longer holds, or a concurrent rotation won:
		// nothing was written; the full rule decides.
		return false, nil
	default:
		return false, mapErr(fmt.Errorf("postgres: rotation: %w", err))
	}
}

// errorColumn is the column a constraint error names.
func errorColumn(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.ColumnName
	}
	return ""
}
