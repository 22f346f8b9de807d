package postgres

import (
	"context"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/signet-auth/signet"
	sc "github.com/signet-auth/signet/internal/storecore"
)

// readRow runs a single-row query outside any transaction.
func (db *DB) readRow(ctx context.Context, q string, args ...any) sc.Row {
	return sc.Row{R: db.pool.QueryRow(ctx, q, args...), NoRows: pgx.ErrNoRows}
}

// one reads one value, mapping errors to sentinels.
func one[T any](v T, err error) (T, error) { return v, mapErr(err) }

// all reads many rows, mapping errors to sentinels.
func all[T any](ctx context.Context, db *DB, scan func(sc.Scanner) (T, error), q string, args ...any) ([]T, error) {
	v, err := queryAll(ctx, db.pool, scan, q, args...)
	return v, mapErr(err)
}

// exec runs one statement; mustChange turns "no row changed" into
// ErrNotFound.
func (db *DB) exec(ctx context.Context, mustChange bool, q string, args ...any) error {
	tag, err := db.pool.Exec(ctx, q, args...)
	if err == nil && mustChange && tag.RowsAffected() == 0 {
		return signet.ErrNotFound
	}
	return mapErr(err)
}

// Users.

// CreateUser implements signet.UserStore.
func (db *DB) CreateUser(ctx context.Context, u signet.User) error {
	return db.exec(ctx, false, inserts.User, sc.UserArgs(u)...)
}

// GetUser implements signet.UserStore.
func (db *DB) GetUser(ctx context.Context, id string) (signet.User, error) {
	return one(sc.ScanUser(db.readRow(ctx, `SELECT `+sc.UserCols+` FROM users WHERE id = $1`, id)))
}

// GetUserByName implements signet.UserStore.
func (db *DB) GetUserByName(ctx context.Context, name string) (signet.User, error) {
	return one(sc.ScanUser(db.readRow(ctx, `SELECT `+sc.UserCols+` FROM users WHERE name = $1`, name)))
}

// ListUsers implements signet.UserStore.
func (db *DB) ListUsers(ctx context.Context) ([]signet.User, error) {
	return all(ctx, db, sc.ScanUser, `SELECT `+sc.UserCols+` FROM users ORDER BY name COLLATE "C"`)
}

// UpdateUser implements signet.UserStore.
func (db *DB) UpdateUser(ctx context.Context, u signet.User) error {
	return db.exec(ctx, true, `UPDATE users SET name = $2, display_name = $3, password_hash = $4, disabled = $5,
		credentials_changed_at = $6, assignments = $7, created_at = $8, updated_at = $9 WHERE id = $1`,
		sc.UserArgs(u)...)
}

// Clients.

// CreateClient implements signet.ClientStore.
func (db *DB) CreateClient(ctx context.Context, c signet.Client) error {
	return db.exec(ctx, false, inserts.Client, sc.ClientArgs(c)...)
}

// GetClient implements signet.ClientStore.
func (db *DB) GetClient(ctx context.Context, id string) (signet.Client, error) {
	return one(sc.ScanClient(db.readRow(ctx, `SELECT `+sc.ClientCols+` FROM clients WHERE id = $1`, id)))
}

// GetClientEpoch implements signet.ClientStore.
func (db *DB) GetClientEpoch(ctx context.Context, id string) (signet.Client, signet.ClientEpoch, error) {
	c, e, err := sc.ScanClientEpoch(db.readRow(ctx, sc.ClientWithEpoch+` WHERE id = $1`, id))
	return c, e, mapErr(err)
}

// ListClients implements signet.ClientStore.
func (db *DB) ListClients(ctx context.Context) ([]signet.Client, error) {
	return all(ctx, db, sc.ScanClient, `SELECT `+sc.ClientCols+` FROM clients ORDER BY created_at, id COLLATE "C"`)
}

// DeleteClient implements signet.ClientStore.
func (db *DB) DeleteClient(ctx context.Context, id string, now time.Time) error {
	return db.tx(ctx, func(tx pgx.Tx) error {
		t := &writeTx{tx}
		ok, err := t.changed(ctx, `DELETE FROM clients WHERE id = $1`, id)
		if err != nil {
			return err
		}
		if !ok {
			return signet.ErrNotFound
		}
		return t.exec(ctx, `UPDATE sessions SET revoked_at = $1, revoke_reason = $2 WHERE client_id = $3 AND revoked_at = 0`,
			sc.Millis(now), sc.ReasonClientDeleted, id)
	})
}

// Grants.

// CreateCode implements signet.GrantStore.
func (db *DB) CreateCode(ctx context.Context, c signet.AuthorizationCode) error {
	return db.exec(ctx, false, inserts.Code, sc.CodeArgs(c)...)
}

// CreateDevice frees the user code of an authorization that has expired
// before it inserts: a user code is unique among live authorizations only.
func (db *DB) CreateDevice(ctx context.Context, d signet.DeviceAuthorization) error {
	return db.tx(ctx, func(tx pgx.Tx) error {
		t := &writeTx{tx}
		if err := t.exec(ctx, `DELETE FROM device_authorizations WHERE user_code_digest = $1 AND expires_at <= $2`,
			d.UserCodeDigest[:], sc.Millis(d.CreatedAt)); err != nil {
			return err
		}
		return t.exec(ctx, inserts.Device, sc.DeviceArgs(d)...)
	})
}

// GetDeviceByUserCode implements signet.GrantStore.
func (db *DB) GetDeviceByUserCode(ctx context.Context, userCode signet.Digest) (signet.DeviceAuthorization, error) {
	return one(sc.ScanDevice(db.readRow(ctx, `SELECT `+sc.DeviceCols+` FROM device_authorizations
		WHERE user_code_digest = $1`, userCode[:])))
}

func (db *DB) lookup(ctx context.Context, col string, d signet.Digest) (signet.Session, signet.TokenGeneration, error) {
	s, g, err := sc.ScanSessionGeneration(db.readRow(ctx, sc.SessionGeneration+` WHERE g.`+col+` = $1`, d[:]))
	return s, g, mapErr(err)
}

// LookupAccess implements signet.GrantStore.
func (db *DB) LookupAccess(ctx context.Context, d signet.Digest) (signet.Session, signet.TokenGeneration, error) {
	return db.lookup(ctx, "access_digest", d)
}

// LookupRefresh implements signet.GrantStore.
func (db *DB) LookupRefresh(ctx context.Context, d signet.Digest) (signet.Session, signet.TokenGeneration, error) {
	return db.lookup(ctx, "refresh_digest", d)
}

// GetSession implements signet.GrantStore.
func (db *DB) GetSession(ctx context.Context, id string) (signet.Session, error) {
	return one(sc.ScanSession(db.readRow(ctx, `SELECT `+sc.SessionCols+` FROM sessions WHERE id = $1`, id)))
}

// ListSessions implements signet.GrantStore.
func (db *DB) ListSessions(ctx context.Context, f signet.SessionFilter) ([]signet.Session, error) {
	q := `SELECT ` + sc.SessionCols + ` FROM sessions WHERE TRUE`
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if f.UserID != "" {
		q += ` AND user_id = ` + arg(f.UserID)
	}
	if f.ClientID != "" {
		q += ` AND client_id = ` + arg(f.ClientID)
	}
	if f.LiveOnly {
		q += ` AND revoked_at = 0 AND expires_at > ` + arg(sc.Millis(f.Now))
	}
	q += ` ORDER BY created_at, id COLLATE "C"`
	if f.Limit > 0 {
		q += ` LIMIT ` + arg(f.Limit)
	}
	return all(ctx, db, sc.ScanSession, q, args...)
}

// RevokeSession implements signet.GrantStore.
func (db *DB) RevokeSession(ctx context.Context, id string, now time.Time, reason string) error {
	return db.tx(ctx, func(tx pgx.Tx) error {
		t := &writeTx{tx}
		if _, err := t.LockSession(ctx, id); err != nil {
			return err
		}
		return t.RevokeSession(ctx, id, now, reason)
	})
}

// RevokeUserSessions implements signet.GrantStore.
func (db *DB) RevokeUserSessions(ctx context.Context, userID string, now time.Time, reason string) (int, error) {
	tag, err := db.pool.Exec(ctx, `UPDATE sessions SET revoked_at = $1, revoke_reason = $2
		WHERE user_id = $3 AND revoked_at = 0 AND expires_at > $1`, sc.Millis(now), reason, userID)
	return int(tag.RowsAffected()), mapErr(err)
}

// Replay.

// MarkUsed inserts d, or takes over an expired record of it; the upsert's
// WHERE decides, so of two nodes marking one value exactly one gets true (the
// second waits for the first's row and then finds it live).
func (db *DB) MarkUsed(ctx context.Context, d signet.Digest, expiresAt, now time.Time) (bool, error) {
	tag, err := db.pool.Exec(ctx, `INSERT INTO replay_marks (digest, expires_at) VALUES ($1, $2)
		ON CONFLICT (digest) DO UPDATE SET expires_at = excluded.expires_at
		WHERE replay_marks.expires_at <= $3`, d[:], sc.Millis(expiresAt), sc.Millis(now))
	return tag.RowsAffected() > 0, mapErr(err)
}

// Keys.

// AddKey implements signet.KeyStore.
func (db *DB) AddKey(ctx context.Context, k signet.Key) error {
	return db.exec(ctx, false, inserts.Key, sc.KeyArgs(k)...)
}

// ListKeys implements signet.KeyStore.
func (db *DB) ListKeys(ctx context.Context) ([]signet.Key, error) {
	return all(ctx, db, sc.ScanKey, `SELECT `+sc.KeyCols+` FROM server_keys ORDER BY created_at, id COLLATE "C"`)
}

// RetireKey implements signet.KeyStore.
func (db *DB) RetireKey(ctx context.Context, id string, at time.Time) error {
	return db.exec(ctx, true, `UPDATE server_keys SET retired_at = $1 WHERE id = $2`, sc.Millis(at), id)
}

// Collect deletes, in one short transaction per kind, at most batch rows of
// each kind (sessions count with their generations).
func (db *DB) Collect(ctx context.Context, now time.Time, retention time.Duration, batch int) (int, error) {
	if batch <= 0 {
		return 0, nil
	}
	cutoff := sc.Millis(now.Add(-retention))
	// Each statement deletes one kind and counts what it deleted.
	steps := []struct {
		q    string
		args []any
	}{
		{`WITH d AS (DELETE FROM replay_marks WHERE digest IN
			(SELECT digest FROM replay_marks WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2) RETURNING 1)
		SELECT count(*) FROM d`, []any{sc.Millis(now), batch}},
		{`WITH d AS (DELETE FROM rate_windows WHERE key IN
			(SELECT key FROM rate_windows WHERE reset_at <= $1 ORDER BY reset_at LIMIT $2) RETURNING 1)
		SELECT count(*) FROM d`, []any{sc.Millis(now), batch}},
		{`WITH d AS (DELETE FROM codes WHERE digest IN
			(SELECT digest FROM codes WHERE expires_at < $1 ORDER BY expires_at LIMIT $2) RETURNING 1)
		SELECT count(*) FROM d`, []any{cutoff, batch}},
		{`WITH d AS (DELETE FROM device_authorizations WHERE digest IN
			(SELECT digest FROM device_authorizations WHERE expires_at < $1 ORDER BY expires_at LIMIT $2) RETURNING 1)
		SELECT count(*) FROM d`, []any{cutoff, batch}},
		// One snapshot picks the sessions; their generations go with them.
		// The candidates come through the two indexes (expiry, revocation),
		// not an OR over the whole table in id order, which read every
		// session on each run; they are locked in id order.
		{`WITH s AS (SELECT id FROM sessions WHERE id IN (
				(SELECT id FROM sessions WHERE expires_at < $1 ORDER BY expires_at LIMIT $2)
				UNION (SELECT id FROM sessions WHERE revoked_at > 0 AND revoked_at < $1 ORDER BY revoked_at LIMIT $2))
			ORDER BY id LIMIT $2 FOR UPDATE),
		g AS (DELETE FROM token_generations WHERE session_id IN (SELECT id FROM s) RETURNING 1),
		d AS (DELETE FROM sessions WHERE id IN (SELECT id FROM s) RETURNING 1)
		SELECT (SELECT count(*) FROM g) + (SELECT count(*) FROM d)`, []any{cutoff, batch}},
		{`WITH d AS (` + sc.BrowserCollect + ` RETURNING 1) SELECT count(*) FROM d`, []any{cutoff, batch}},
		{`WITH d AS (` + sc.UpstreamLoginCollect + ` RETURNING 1) SELECT count(*) FROM d`, []any{sc.Millis(now), batch}},
		{`WITH d AS (DELETE FROM clients WHERE id IN
			(SELECT id FROM clients WHERE dynamic AND expires_at > 0 AND expires_at < $1 ORDER BY expires_at LIMIT $2)
			RETURNING 1)
		SELECT count(*) FROM d`, []any{cutoff, batch}},
		{`WITH d AS (DELETE FROM signin_statements WHERE (account_id, id) IN
			(SELECT account_id, id FROM signin_statements WHERE deleted_at > 0 AND deleted_at < $1 ORDER BY deleted_at LIMIT $2)
			RETURNING 1)
		SELECT count(*) FROM d`, []any{cutoff, batch}},
	}
	total := 0
	for _, st := range steps {
		var n int64
		if err := db.pool.QueryRow(ctx, st.q, st.args...).Scan(&n); err != nil {
			return total, mapErr(err)
		}
		total += int(n)
	}
	return total, nil
}
