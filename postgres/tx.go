package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/signet-auth/signet"
	sc "github.com/signet-auth/signet/internal/storecore"
)

// writeTx is storecore.Tx over a READ COMMITTED transaction. The Lock*
// reads take row locks (FOR UPDATE) so that concurrent single-use operations
// on one row run one after the other, each seeing the one before.
type writeTx struct{ tx pgx.Tx }

var _ sc.Tx = (*writeTx)(nil)

func (t *writeTx) row(ctx context.Context, q string, args ...any) sc.Row {
	return sc.Row{R: t.tx.QueryRow(ctx, q, args...), NoRows: pgx.ErrNoRows}
}

// changed runs a conditional statement and reports whether it changed a row.
func (t *writeTx) changed(ctx context.Context, q string, args ...any) (bool, error) {
	tag, err := t.tx.Exec(ctx, q, args...)
	return tag.RowsAffected() > 0, err
}

func (t *writeTx) exec(ctx context.Context, q string, args ...any) error {
	_, err := t.tx.Exec(ctx, q, args...)
	return err
}

func (t *writeTx) ClaimCode(ctx context.Context, d signet.Digest, now time.Time) (signet.AuthorizationCode, bool, error) {
	return sc.Claimed(sc.ScanCode(t.row(ctx, `UPDATE codes SET used_at = $1 WHERE digest = $2 AND used_at = 0
		RETURNING `+sc.CodeCols, sc.Millis(now), d[:])))
}

func (t *writeTx) Code(ctx context.Context, d signet.Digest) (signet.AuthorizationCode, error) {
	return sc.ScanCode(t.row(ctx, `SELECT `+sc.CodeCols+` FROM codes WHERE digest = $1`, d[:]))
}

func (t *writeTx) SetCodeSession(ctx context.Context, d signet.Digest, sessionID string) error {
	return t.exec(ctx, `UPDATE codes SET session_id = $1 WHERE digest = $2`, sessionID, d[:])
}

func (t *writeTx) LockSession(ctx context.Context, id string) (signet.Session, error) {
	return sc.ScanSession(t.row(ctx, `SELECT `+sc.SessionCols+` FROM sessions WHERE id = $1 FOR UPDATE`, id))
}

func (t *writeTx) InsertSession(ctx context.Context, s signet.Session) error {
	return t.exec(ctx, inserts.Session, sc.SessionArgs(s)...)
}

func (t *writeTx) RevokeSession(ctx context.Context, id string, now time.Time, reason string) error {
	return t.exec(ctx, `UPDATE sessions SET revoked_at = $1, revoke_reason = $2 WHERE id = $3 AND revoked_at = 0`,
		sc.Millis(now), reason, id)
}

func (t *writeTx) AdvanceSession(ctx context.Context, id string, from int64) (bool, error) {
	return t.changed(ctx, `UPDATE sessions SET generation = $1 WHERE id = $2 AND generation = $3`, from+1, id, from)
}

func (t *writeTx) ClientEpoch(ctx context.Context) (signet.ClientEpoch, error) {
	var e signet.ClientEpoch
	err := t.row(ctx, `SELECT `+sc.ClientEpochRead).Scan(&e)
	return e, err
}

func (t *writeTx) User(ctx context.Context, id string) (signet.User, error) {
	return sc.ScanUser(t.row(ctx, `SELECT `+sc.UserCols+` FROM users WHERE id = $1`, id))
}

// LockRefresh locks the generation too: the rotation that won changed its
// rotated_at, and a lock is what makes READ COMMITTED fetch that new version
// after the wait.
func (t *writeTx) LockRefresh(ctx context.Context, d signet.Digest) (signet.Session, signet.TokenGeneration, error) {
	return sc.ScanSessionGeneration(t.row(ctx, sc.SessionGeneration+` WHERE g.refresh_digest = $1 FOR UPDATE OF s, g`, d[:]))
}

func (t *writeTx) Generation(ctx context.Context, sessionID string, n int64) (signet.TokenGeneration, error) {
	return sc.ScanGeneration(t.row(ctx, `SELECT `+sc.GenerationCols+` FROM token_generations
		WHERE session_id = $1 AND generation = $2`, sessionID, n))
}

func (t *writeTx) InsertGeneration(ctx context.Context, g signet.TokenGeneration) error {
	return t.exec(ctx, inserts.Generation, sc.GenerationArgs(g)...)
}

func (t *writeTx) RotateGeneration(ctx context.Context, sessionID string, n int64, now time.Time) (bool, error) {
	return t.changed(ctx, `UPDATE token_generations SET rotated_at = $1
		WHERE session_id = $2 AND generation = $3 AND rotated_at = 0`, sc.Millis(now), sessionID, n)
}

func (t *writeTx) LockDevice(ctx context.Context, d signet.Digest) (signet.DeviceAuthorization, error) {
	return sc.ScanDevice(t.row(ctx, `SELECT `+sc.DeviceCols+` FROM device_authorizations WHERE digest = $1 FOR UPDATE`, d[:]))
}

func (t *writeTx) DeviceByUserCode(ctx context.Context, userCode signet.Digest) (signet.DeviceAuthorization, error) {
	return sc.ScanDevice(t.row(ctx, `SELECT `+sc.DeviceCols+` FROM device_authorizations WHERE user_code_digest = $1`,
		userCode[:]))
}

func (t *writeTx) UpdateDevice(ctx context.Context, was, to signet.DeviceAuthorization) (bool, error) {
	return t.changed(ctx, `UPDATE device_authorizations
		SET status = $1, interval_ms = $2, last_polled_at = $3, session_id = $4
		WHERE digest = $5 AND status = $6 AND interval_ms = $7 AND last_polled_at = $8`,
		string(to.Status), to.Interval.Milliseconds(), sc.Millis(to.LastPolledAt), to.SessionID,
		was.Digest[:], string(was.Status), was.Interval.Milliseconds(), sc.Millis(was.LastPolledAt))
}

func (t *writeTx) DecideDevice(ctx context.Context, userCode signet.Digest, status signet.DeviceStatus, userID string, authTime, now time.Time) (signet.DeviceAuthorization, bool, error) {
	return sc.Claimed(sc.ScanDevice(t.row(ctx, `UPDATE device_authorizations SET status = $1, user_id = $2, auth_time = $3
		WHERE user_code_digest = $4 AND status = 'pending' AND expires_at > $5
		RETURNING `+sc.DeviceCols, string(status), userID, sc.Millis(authTime), userCode[:], sc.Millis(now))))
}

func (t *writeTx) AdvanceCurrent(ctx context.Context, id string, from int64, now time.Time, u *signet.User) (bool, error) {
	if u == nil {
		return t.changed(ctx, `UPDATE sessions SET generation = $1
			WHERE id = $2 AND generation = $3 AND revoked_at = 0 AND expires_at > $4`, from+1, id, from, sc.Millis(now))
	}
	return t.changed(ctx, `UPDATE sessions SET generation = $1
		WHERE id = $2 AND generation = $3 AND revoked_at = 0 AND expires_at > $4
		AND EXISTS (SELECT 1 FROM users WHERE users.id = sessions.user_id AND users.id = $5
			AND disabled = $6 AND credentials_changed_at = $7)`,
		from+1, id, from, sc.Millis(now), u.ID, u.Disabled, sc.Millis(u.CredentialsChangedAt))
}
