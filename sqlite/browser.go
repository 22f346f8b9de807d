package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/signet-auth/signet"
	sc "github.com/signet-auth/signet/internal/storecore"
)

// Browser sessions: the statements are storecore's, with SQLite's ?N
// placeholders.

var _ signet.BrowserSessionStore = (*DB)(nil)

var (
	browserInsert     = sc.SQLite(sc.BrowserInsert)
	browserByDigest   = sc.SQLite(sc.BrowserByDigest)
	browserTouch      = sc.SQLite(sc.BrowserTouch)
	browserRevoke     = sc.SQLite(sc.BrowserRevoke)
	browserExists     = sc.SQLite(sc.BrowserExists)
	browserRevokeUser = sc.SQLite(sc.BrowserRevokeUser)
	browserCollect    = sc.BrowserCollectSQLite
)

// CreateBrowserSession implements signet.BrowserSessionStore.
func (db *DB) CreateBrowserSession(ctx context.Context, s signet.BrowserSession) error {
	return db.exec(ctx, false, browserInsert, sc.BrowserSessionArgs(s)...)
}

// GetBrowserSession implements signet.BrowserSessionStore. It runs on the
// read pool, prepared: every page a signed-in person opens asks it.
func (db *DB) GetBrowserSession(ctx context.Context, d signet.Digest) (signet.BrowserSession, error) {
	return one(sc.ScanBrowserSession(db.readRow(ctx, browserByDigest, d[:])))
}

// TouchBrowserSession implements signet.BrowserSessionStore.
func (db *DB) TouchBrowserSession(ctx context.Context, id string, at time.Time) error {
	return db.exec(ctx, false, browserTouch, id, sc.Millis(at))
}

// ListBrowserSessions implements signet.BrowserSessionStore.
func (db *DB) ListBrowserSessions(ctx context.Context, f signet.SessionFilter) ([]signet.BrowserSession, error) {
	q, args := sc.ListBrowserSQL(f)
	return adHoc(ctx, db, sc.ScanBrowserSession, sc.SQLite(q), args...)
}

// RevokeBrowserSession implements signet.BrowserSessionStore: the
// conditional update decides, and only when it changed nothing does the
// same transaction look whether the session exists at all.
func (db *DB) RevokeBrowserSession(ctx context.Context, id string, now time.Time, reason string) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		t := db.wtx(tx)
		ok, err := t.changed(ctx, browserRevoke, sc.BrowserRevokeArgs(id, now, reason)...)
		if err != nil || ok {
			return err
		}
		var n int64
		if err := t.row(ctx, browserExists, id).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return signet.ErrNotFound
		}
		return nil
	})
}

// RevokeUserBrowserSessions implements signet.BrowserSessionStore.
func (db *DB) RevokeUserBrowserSessions(ctx context.Context, userID string, now time.Time, reason string) (int, error) {
	var n int64
	err := db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, browserRevokeUser, sc.BrowserRevokeArgs(userID, now, reason)...)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), err
}
