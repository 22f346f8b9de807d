package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/signet-auth/signet"
	sc "github.com/signet-auth/signet/internal/storecore"
)

// writeTx is storecore.Tx over a write transaction. BEGIN IMMEDIATE already
// holds the database's write lock, so the Lock* reads need no row locks.
type writeTx struct {
	tx    *sql.Tx
	stmts *stmtCache
	// statements is the DB's statement counter.
	statements *atomic.Uint64
	// audits queues the grant audit records for the batch's commit.
	audits *auditBatch
}

var _ sc.Tx = (*writeTx)(nil)

// stmtCtx is ctx without its cancellation, for the store's short
// statements: one on the writer connection must not be interrupted because
// its caller went away, since an interrupt inside a batch's transaction can
// make SQLite roll back every member's work (writer.go), and a single-row
// read by key has nothing to save by stopping. Without a Done channel the
// driver and database/sql also start no goroutine per statement to watch
// it (docs/performance.md). A caller's cancellation still counts before its
// work starts (writer.do, call), and busy_timeout still bounds a wait.
func stmtCtx(ctx context.Context) context.Context {
	if ctx.Done() == nil {
		return ctx
	}
	return context.WithoutCancel(ctx)
}

func (t *writeTx) row(ctx context.Context, q string, args ...any) sc.Row {
	ctx = stmtCtx(ctx)
	t.statements.Add(1)
	if st := t.stmts.lookup(q); st != nil {
		return sc.Row{R: t.tx.StmtContext(ctx, st).QueryRowContext(ctx, args...), NoRows: sql.ErrNoRows}
	}
	return sc.Row{R: t.tx.QueryRowContext(ctx, q, args...), NoRows: sql.ErrNoRows}
}

// changed runs a conditional statement and reports whether it changed a row.
func (t *writeTx) changed(ctx context.Context, q string, args ...any) (bool, error) {
	ctx = stmtCtx(ctx)
	t.statements.Add(1)
	var res sql.Result
	var err error
	if st := t.stmts.lookup(q); st != nil {
		res, err = t.tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	} else {
		res, err = t.tx.ExecContext(ctx, q, args...)
	}
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

func (t *writeTx) exec(ctx context.Context, q string, args ...any) error {
	_, err := t.changed(ctx, q, args...)
	return err
}

// stmtCache keeps the write statements prepared on the writer connection:
// they are few and fixed, and parsing them cost a third of a refresh. A
// statement can only be prepared while no transaction holds the one
// connection, so a miss runs unprepared and asks for the statement to be
// prepared after the transaction (prepareWanted).
type stmtCache struct {
	mu     sync.Mutex
	ready  map[string]*sql.Stmt
	wanted map[string]bool
}

func newStmtCache() *stmtCache {
	return &stmtCache{ready: map[string]*sql.Stmt{}, wanted: map[string]bool{}}
}

// lookup returns q prepared, or nil after noting that q is wanted.
func (c *stmtCache) lookup(q string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	st := c.ready[q]
	if st == nil {
		c.wanted[q] = true
	}
	return st
}

// prepareWanted prepares the statements lookup missed; call it with no
// write transaction open. A statement that fails to prepare stays
// unprepared: its error shows when it runs.
func (c *stmtCache) prepareWanted(ctx context.Context, db *sql.DB) {
	c.mu.Lock()
	var qs []string
	for q := range c.wanted {
		qs = append(qs, q)
		delete(c.wanted, q)
	}
	c.mu.Unlock()
	// Not under c.mu: preparing waits for the connection, and whoever holds
	// it may be in lookup.
	for _, q := range qs {
		st, err := db.PrepareContext(ctx, q)
		if err != nil {
			continue
		}
		c.mu.Lock()
		if c.ready[q] == nil {
			c.ready[q], st = st, nil
		}
		c.mu.Unlock()
		if st != nil {
			st.Close()
		}
	}
}

// prepared returns q prepared on the pool db, preparing it now on a miss:
// for the read pool, where preparing never waits for a writer. database/sql
// prepares it again on each connection that first runs it. Nil if it does
// not prepare: the caller runs q unprepared and sees the error there.
func (c *stmtCache) prepared(ctx context.Context, db *sql.DB, q string) *sql.Stmt {
	c.mu.Lock()
	st := c.ready[q]
	c.mu.Unlock()
	if st != nil {
		return st
	}
	st, err := db.PrepareContext(ctx, q)
	if err != nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if had := c.ready[q]; had != nil {
		st.Close()
		return had
	}
	c.ready[q] = st
	return st
}

func (c *stmtCache) close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var errs []error
	for q, st := range c.ready {
		errs = append(errs, st.Close())
		delete(c.ready, q)
	}
	return errors.Join(errs...)
}

func (t *writeTx) ClaimCode(ctx context.Context, d signet.Digest, now time.Time) (signet.AuthorizationCode, bool, error) {
	return sc.Claimed(sc.ScanCode(t.row(ctx, `UPDATE codes SET used_at = ? WHERE digest = ? AND used_at = 0
		RETURNING `+sc.CodeCols, sc.Millis(now), d[:])))
}

func (t *writeTx) Code(ctx context.Context, d signet.Digest) (signet.AuthorizationCode, error) {
	return sc.ScanCode(t.row(ctx, `SELECT `+sc.CodeCols+` FROM codes WHERE digest = ?`, d[:]))
}

func (t *writeTx) SetCodeSession(ctx context.Context, d signet.Digest, sessionID string) error {
	return t.exec(ctx, `UPDATE codes SET session_id = ? WHERE digest = ?`, sessionID, d[:])
}

func (t *writeTx) LockSession(ctx context.Context, id string) (signet.Session, error) {
	return sc.ScanSession(t.row(ctx, `SELECT `+sc.SessionCols+` FROM sessions WHERE id = ?`, id))
}

func (t *writeTx) InsertSession(ctx context.Context, s signet.Session) error {
	return t.exec(ctx, inserts.Session, sc.SessionArgs(s)...)
}

func (t *writeTx) RevokeSession(ctx context.Context, id string, now time.Time, reason string) error {
	return t.exec(ctx, `UPDATE sessions SET revoked_at = ?, revoke_reason = ? WHERE id = ? AND revoked_at = 0`,
		sc.Millis(now), reason, id)
}

func (t *writeTx) AdvanceSession(ctx context.Context, id string, from int64) (bool, error) {
	return t.changed(ctx, `UPDATE sessions SET generation = ? WHERE id = ? AND generation = ?`, from+1, id, from)
}

func (t *writeTx) ClientEpoch(ctx context.Context) (signet.ClientEpoch, error) {
	var e signet.ClientEpoch
	err := t.row(ctx, `SELECT `+sc.ClientEpochRead).Scan(&e)
	return e, err
}

func (t *writeTx) User(ctx context.Context, id string) (signet.User, error) {
	return sc.ScanUser(t.row(ctx, `SELECT `+sc.UserCols+` FROM users WHERE id = ?`, id))
}

func (t *writeTx) LockRefresh(ctx context.Context, d signet.Digest) (signet.Session, signet.TokenGeneration, error) {
	return sc.ScanSessionGeneration(t.row(ctx, sc.SessionGeneration+` WHERE g.refresh_digest = ?`, d[:]))
}

func (t *writeTx) Generation(ctx context.Context, sessionID string, n int64) (signet.TokenGeneration, error) {
	return sc.ScanGeneration(t.row(ctx, `SELECT `+sc.GenerationCols+` FROM token_generations
		WHERE session_id = ? AND generation = ?`, sessionID, n))
}

func (t *writeTx) InsertGeneration(ctx context.Context, g signet.TokenGeneration) error {
	return t.exec(ctx, inserts.Generation, sc.GenerationArgs(g)...)
}

func (t *writeTx) RotateGeneration(ctx context.Context, sessionID string, n int64, now time.Time) (bool, error) {
	return t.changed(ctx, `UPDATE token_generations SET rotated_at = ?
		WHERE session_id = ? AND generation = ? AND rotated_at = 0`, sc.Millis(now), sessionID, n)
}

func (t *writeTx) LockDevice(ctx context.Context, d signet.Digest) (signet.DeviceAuthorization, error) {
	return sc.ScanDevice(t.row(ctx, `SELECT `+sc.DeviceCols+` FROM device_authorizations WHERE digest = ?`, d[:]))
}

func (t *writeTx) DeviceByUserCode(ctx context.Context, userCode signet.Digest) (signet.DeviceAuthorization, error) {
	return sc.ScanDevice(t.row(ctx, `SELECT `+sc.DeviceCols+` FROM device_authorizations WHERE user_code_digest = ?`,
		userCode[:]))
}

func (t *writeTx) UpdateDevice(ctx context.Context, was, to signet.DeviceAuthorization) (bool, error) {
	return t.changed(ctx, `UPDATE device_authorizations
		SET status = ?, interval_ms = ?, last_polled_at = ?, session_id = ?
		WHERE digest = ? AND status = ? AND interval_ms = ? AND last_polled_at = ?`,
		string(to.Status), to.Interval.Milliseconds(), sc.Millis(to.LastPolledAt), to.SessionID,
		was.Digest[:], string(was.Status), was.Interval.Milliseconds(), sc.Millis(was.LastPolledAt))
}

func (t *writeTx) DecideDevice(ctx context.Context, userCode signet.Digest, status signet.DeviceStatus, userID string, authTime, now time.Time) (signet.DeviceAuthorization, bool, error) {
	return sc.Claimed(sc.ScanDevice(t.row(ctx, `UPDATE device_authorizations SET status = ?, user_id = ?, auth_time = ?
		WHERE user_code_digest = ? AND status = 'pending' AND expires_at > ?
		RETURNING `+sc.DeviceCols, string(status), userID, sc.Millis(authTime), userCode[:], sc.Millis(now))))
}

func (t *writeTx) AdvanceCurrent(ctx context.Context, id string, from int64, now time.Time, u *signet.User) (bool, error) {
	if u == nil {
		return t.changed(ctx, `UPDATE sessions SET generation = ?
			WHERE id = ? AND generation = ? AND revoked_at = 0 AND expires_at > ?`, from+1, id, from, sc.Millis(now))
	}
	return t.changed(ctx, `UPDATE sessions SET generation = ?
		WHERE id = ? AND generation = ? AND revoked_at = 0 AND expires_at > ?
		AND EXISTS (SELECT 1 FROM users WHERE users.id = sessions.user_id AND users.id = ?
			AND disabled = ? AND credentials_changed_at = ?)`,
		from+1, id, from, sc.Millis(now), u.ID, u.Disabled, sc.Millis(u.CredentialsChangedAt))
}
