package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/signet-auth/signet"
	sc "github.com/signet-auth/signet/internal/storecore"
)

// readRow runs a single-row query on the read pool. These few fixed queries
// answer every token request (the client, the session behind a token), so
// they run prepared: parsing GetClient's SELECT again on each call was 6%
// of a refresh (docs/performance.md).
func (db *DB) readRow(ctx context.Context, q string, args ...any) sc.Row {
	ctx = stmtCtx(ctx)
	db.statements.Add(1)
	if st := db.rstmts.prepared(ctx, db.read, q); st != nil {
		return sc.Row{R: st.QueryRowContext(ctx, args...), NoRows: sql.ErrNoRows}
	}
	return sc.Row{R: db.read.QueryRowContext(ctx, q, args...), NoRows: sql.ErrNoRows}
}

// one reads one value on the read pool, mapping errors to sentinels.
func one[T any](v T, err error) (T, error) { return v, mapErr(err) }

// all reads many rows on the read pool with a fixed query, run prepared
// like readRow's: a Sign-In refresh reads every account's sign-in policy
// and an approval the groups' assignments, and parsing those joins on each
// call was a tenth of a Sign-In refresh (docs/performance.md). A query
// built from a filter goes through adHoc instead, so that the prepared
// statements stay the fixed few.
func all[T any](ctx context.Context, db *DB, scan func(sc.Scanner) (T, error), q string, args ...any) ([]T, error) {
	ctx = stmtCtx(ctx)
	db.statements.Add(1)
	var v []T
	var err error
	if st := db.rstmts.prepared(ctx, db.read, q); st != nil {
		v, err = queryAll(ctx, prepared{st}, scan, q, args...)
	} else {
		v, err = queryAll(ctx, db.read, scan, q, args...)
	}
	return v, mapErr(err)
}

// adHoc is all for a query built from a filter (an administrator's list),
// run unprepared.
func adHoc[T any](ctx context.Context, db *DB, scan func(sc.Scanner) (T, error), q string, args ...any) ([]T, error) {
	db.statements.Add(1)
	v, err := queryAll(ctx, db.read, scan, q, args...)
	return v, mapErr(err)
}

// exec runs one statement in a write transaction; mustChange turns "no row
// changed" into ErrNotFound.
func (db *DB) exec(ctx context.Context, mustChange bool, q string, args ...any) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		ok, err := (db.wtx(tx)).changed(ctx, q, args...)
		if err == nil && mustChange && !ok {
			return signet.ErrNotFound
		}
		return err
	})
}

// Users.

// CreateUser implements signet.UserStore.
func (db *DB) CreateUser(ctx context.Context, u signet.User) error {
	return db.exec(ctx, false, inserts.User, sc.UserArgs(u)...)
}

// GetUser implements signet.UserStore.
func (db *DB) GetUser(ctx context.Context, id string) (signet.User, error) {
	return one(sc.ScanUser(db.readRow(ctx, `SELECT `+sc.UserCols+` FROM users WHERE id = ?`, id)))
}

// GetUserByName implements signet.UserStore.
func (db *DB) GetUserByName(ctx context.Context, name string) (signet.User, error) {
	return one(sc.ScanUser(db.readRow(ctx, `SELECT `+sc.UserCols+` FROM users WHERE name = ?`, name)))
}

// ListUsers implements signet.UserStore.
func (db *DB) ListUsers(ctx context.Context) ([]signet.User, error) {
	return all(ctx, db, sc.ScanUser, `SELECT `+sc.UserCols+` FROM users ORDER BY name`)
}

// UpdateUser implements signet.UserStore.
func (db *DB) UpdateUser(ctx context.Context, u signet.User) error {
	a := sc.UserArgs(u)
	return db.exec(ctx, true, `UPDATE users SET name = ?, display_name = ?, password_hash = ?, disabled = ?,
		credentials_changed_at = ?, assignments = ?, created_at = ?, updated_at = ? WHERE id = ?`,
		append(a[1:], a[0])...)
}

// Clients.

// CreateClient implements signet.ClientStore.
func (db *DB) CreateClient(ctx context.Context, c signet.Client) error {
	return db.exec(ctx, false, inserts.Client, sc.ClientArgs(c)...)
}

// GetClient implements signet.ClientStore.
func (db *DB) GetClient(ctx context.Context, id string) (signet.Client, error) {
	return one(sc.ScanClient(db.readRow(ctx, `SELECT `+sc.ClientCols+` FROM clients WHERE id = ?`, id)))
}

// GetClientEpoch implements signet.ClientStore.
func (db *DB) GetClientEpoch(ctx context.Context, id string) (signet.Client, signet.ClientEpoch, error) {
	c, e, err := sc.ScanClientEpoch(db.readRow(ctx, sc.ClientWithEpoch+` WHERE id = ?`, id))
	return c, e, mapErr(err)
}

// ListClients implements signet.ClientStore.
func (db *DB) ListClients(ctx context.Context) ([]signet.Client, error) {
	return all(ctx, db, sc.ScanClient, `SELECT `+sc.ClientCols+` FROM clients ORDER BY created_at, id`)
}

// DeleteClient implements signet.ClientStore.
func (db *DB) DeleteClient(ctx context.Context, id string, now time.Time) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		t := db.wtx(tx)
		ok, err := t.changed(ctx, `DELETE FROM clients WHERE id = ?`, id)
		if err != nil {
			return err
		}
		if !ok {
			return signet.ErrNotFound
		}
		return t.exec(ctx, `UPDATE sessions SET revoked_at = ?, revoke_reason = ? WHERE client_id = ? AND revoked_at = 0`,
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
	return db.tx(ctx, func(tx *sql.Tx) error {
		t := db.wtx(tx)
		if err := t.exec(ctx, `DELETE FROM device_authorizations WHERE user_code_digest = ? AND expires_at <= ?`,
			d.UserCodeDigest[:], sc.Millis(d.CreatedAt)); err != nil {
			return err
		}
		return t.exec(ctx, inserts.Device, sc.DeviceArgs(d)...)
	})
}

// GetDeviceByUserCode implements signet.GrantStore.
func (db *DB) GetDeviceByUserCode(ctx context.Context, userCode signet.Digest) (signet.DeviceAuthorization, error) {
	return one(sc.ScanDevice(db.readRow(ctx, `SELECT `+sc.DeviceCols+` FROM device_authorizations
		WHERE user_code_digest = ?`, userCode[:])))
}

func (db *DB) lookup(ctx context.Context, col string, d signet.Digest) (signet.Session, signet.TokenGeneration, error) {
	s, g, err := sc.ScanSessionGeneration(db.readRow(ctx, sc.SessionGeneration+` WHERE g.`+col+` = ?`, d[:]))
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

// rotationSnapshot reads on the read pool what a rotation decides on
// (storecore.Rules.Snapshot), so the writer connection only confirms it.
func (db *DB) rotationSnapshot(ctx context.Context, rot signet.Rotation) (sc.RotationRead, error) {
	if rot.Budget == nil {
		return one(sc.ScanRotationSnapshot(db.readRow(ctx, rotationSnapshot, rot.Digest[:])))
	}
	return one(sc.ScanRotationSnapshotBudget(db.readRow(ctx, rotationSnapshotBudget,
		rot.Digest[:], rot.Budget.Key[:], sc.Millis(rot.Now))))
}

// The snapshot's statements, without and with a failure budget's window.
var (
	rotationSnapshot       = sc.SQLite(sc.RotationSnapshot + ` WHERE g.refresh_digest = $1`)
	rotationSnapshotBudget = sc.SQLite(sc.RotationSnapshotBudget + ` WHERE g.refresh_digest = $1`)
)

// GetSession implements signet.GrantStore.
func (db *DB) GetSession(ctx context.Context, id string) (signet.Session, error) {
	return one(sc.ScanSession(db.readRow(ctx, `SELECT `+sc.SessionCols+` FROM sessions WHERE id = ?`, id)))
}

// ListSessions implements signet.GrantStore.
func (db *DB) ListSessions(ctx context.Context, f signet.SessionFilter) ([]signet.Session, error) {
	q := `SELECT ` + sc.SessionCols + ` FROM sessions WHERE 1 = 1`
	var args []any
	if f.UserID != "" {
		q += ` AND user_id = ?`
		args = append(args, f.UserID)
	}
	if f.ClientID != "" {
		q += ` AND client_id = ?`
		args = append(args, f.ClientID)
	}
	if f.LiveOnly {
		q += ` AND revoked_at = 0 AND expires_at > ?`
		args = append(args, sc.Millis(f.Now))
	}
	q += ` ORDER BY created_at, id`
	if f.Limit > 0 {
		q += ` LIMIT ?`
		args = append(args, f.Limit)
	}
	return adHoc(ctx, db, sc.ScanSession, q, args...)
}

// RevokeSession implements signet.GrantStore.
func (db *DB) RevokeSession(ctx context.Context, id string, now time.Time, reason string) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		t := db.wtx(tx)
		if _, err := t.LockSession(ctx, id); err != nil {
			return err
		}
		return t.RevokeSession(ctx, id, now, reason)
	})
}

// RevokeUserSessions implements signet.GrantStore.
func (db *DB) RevokeUserSessions(ctx context.Context, userID string, now time.Time, reason string) (int, error) {
	var n int64
	err := db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE sessions SET revoked_at = ?, revoke_reason = ?
			WHERE user_id = ? AND revoked_at = 0 AND expires_at > ?`, sc.Millis(now), reason, userID, sc.Millis(now))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), err
}

// Replay.

// MarkUsed inserts d, or takes over an expired record of it; the upsert's
// WHERE decides, so of two nodes marking one value exactly one gets true.
func (db *DB) MarkUsed(ctx context.Context, d signet.Digest, expiresAt, now time.Time) (bool, error) {
	var fresh bool
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var err error
		fresh, err = (db.wtx(tx)).changed(ctx, `INSERT INTO replay_marks (digest, expires_at) VALUES (?, ?)
			ON CONFLICT (digest) DO UPDATE SET expires_at = excluded.expires_at
			WHERE replay_marks.expires_at <= ?`, d[:], sc.Millis(expiresAt), sc.Millis(now))
		return err
	})
	return fresh, err
}

// Keys.

// AddKey implements signet.KeyStore.
func (db *DB) AddKey(ctx context.Context, k signet.Key) error {
	return db.exec(ctx, false, inserts.Key, sc.KeyArgs(k)...)
}

// ListKeys implements signet.KeyStore.
func (db *DB) ListKeys(ctx context.Context) ([]signet.Key, error) {
	return all(ctx, db, sc.ScanKey, `SELECT `+sc.KeyCols+` FROM server_keys ORDER BY created_at, id`)
}

// RetireKey implements signet.KeyStore.
func (db *DB) RetireKey(ctx context.Context, id string, at time.Time) error {
	return db.exec(ctx, true, `UPDATE server_keys SET retired_at = ? WHERE id = ?`, sc.Millis(at), id)
}

// Collect deletes, in one short write transaction per kind, at most batch
// rows of each kind (sessions count with their generations). Replay marks
// and rate-limit windows go as soon as they end; the rest after retention.
func (db *DB) Collect(ctx context.Context, now time.Time, retention time.Duration, batch int) (int, error) {
	if batch <= 0 {
		return 0, nil
	}
	steps := collectSteps(now, retention, batch)
	total := 0
	for _, step := range steps {
		n := 0
		err := db.tx(ctx, func(tx *sql.Tx) error {
			n = 0
			for _, s := range step {
				res, err := tx.ExecContext(ctx, s.q, s.args...)
				if err != nil {
					return err
				}
				k, err := res.RowsAffected()
				if err != nil {
					return err
				}
				n += int(k)
			}
			return nil
		})
		if err != nil {
			return total, err
		}
		total += n
	}
	return total, nil
}

// collectSteps are Collect's statements: each inner list runs in one
// transaction.
func collectSteps(now time.Time, retention time.Duration, batch int) [][]stmt {
	cutoff := sc.Millis(now.Add(-retention))
	// The sessions that ended, found through their two indexes: with the
	// two conditions OR'ed and ordered by id, SQLite walked every session
	// in id order on each run, inside the writer, so garbage collection
	// held every write for longer the more sessions there were (seen in
	// the soak: p99 near a second after ten minutes).
	ended := `SELECT id FROM (SELECT id FROM (SELECT id FROM sessions WHERE expires_at < ? ORDER BY expires_at LIMIT ?)
		UNION SELECT id FROM (SELECT id FROM sessions WHERE revoked_at > 0 AND revoked_at < ? ORDER BY revoked_at LIMIT ?))
		ORDER BY id LIMIT ?`
	return [][]stmt{
		{{`DELETE FROM replay_marks WHERE digest IN
			(SELECT digest FROM replay_marks WHERE expires_at <= ? ORDER BY expires_at LIMIT ?)`,
			[]any{sc.Millis(now), batch}}},
		{{`DELETE FROM rate_windows WHERE key IN
			(SELECT key FROM rate_windows WHERE reset_at <= ? ORDER BY reset_at LIMIT ?)`,
			[]any{sc.Millis(now), batch}}},
		{{`DELETE FROM codes WHERE digest IN
			(SELECT digest FROM codes WHERE expires_at < ? ORDER BY expires_at LIMIT ?)`, []any{cutoff, batch}}},
		{{`DELETE FROM device_authorizations WHERE digest IN
			(SELECT digest FROM device_authorizations WHERE expires_at < ? ORDER BY expires_at LIMIT ?)`,
			[]any{cutoff, batch}}},
		{
			{`DELETE FROM token_generations WHERE session_id IN (` + ended + `)`, []any{cutoff, batch, cutoff, batch, batch}},
			{`DELETE FROM sessions WHERE id IN (` + ended + `)`, []any{cutoff, batch, cutoff, batch, batch}},
		},
		{{browserCollect, []any{cutoff, batch}}},
		{{sc.SQLite(sc.UpstreamLoginCollect), []any{sc.Millis(now), batch}}},
		{{`DELETE FROM clients WHERE id IN
			(SELECT id FROM clients WHERE dynamic = 1 AND expires_at > 0 AND expires_at < ? ORDER BY expires_at LIMIT ?)`,
			[]any{cutoff, batch}}},
		{{`DELETE FROM signin_statements WHERE rowid IN
			(SELECT rowid FROM signin_statements WHERE deleted_at > 0 AND deleted_at < ? ORDER BY deleted_at LIMIT ?)`,
			[]any{cutoff, batch}}},
	}
}

type stmt struct {
	q    string
	args []any
}
