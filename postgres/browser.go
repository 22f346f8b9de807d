package postgres

import (
	"context"
	"time"

	"github.com/signet-auth/signet"
	sc "github.com/signet-auth/signet/internal/storecore"
)

// Browser sessions: the statements are storecore's. Each is one statement
// on the shared database, so a revocation on one node is what the next
// read on any node sees.

var _ signet.BrowserSessionStore = (*DB)(nil)

// CreateBrowserSession implements signet.BrowserSessionStore.
func (db *DB) CreateBrowserSession(ctx context.Context, s signet.BrowserSession) error {
	return db.exec(ctx, false, sc.BrowserInsert, sc.BrowserSessionArgs(s)...)
}

// GetBrowserSession implements signet.BrowserSessionStore.
func (db *DB) GetBrowserSession(ctx context.Context, d signet.Digest) (signet.BrowserSession, error) {
	return one(sc.ScanBrowserSession(db.readRow(ctx, sc.BrowserByDigest, d[:])))
}

// TouchBrowserSession implements signet.BrowserSessionStore.
func (db *DB) TouchBrowserSession(ctx context.Context, id string, at time.Time) error {
	return db.exec(ctx, false, sc.BrowserTouch, id, sc.Millis(at))
}

// ListBrowserSessions implements signet.BrowserSessionStore.
func (db *DB) ListBrowserSessions(ctx context.Context, f signet.SessionFilter) ([]signet.BrowserSession, error) {
	q, args := sc.ListBrowserSQL(f)
	return all(ctx, db, sc.ScanBrowserSession, q, args...)
}

// browserRevokeOrFind revokes an unrevoked session and reports whether the
// session exists, in one statement: the CTE's update and the outer read see
// the same snapshot.
const browserRevokeOrFind = `WITH u AS (` + sc.BrowserRevoke + ` RETURNING 1)
	SELECT (SELECT count(*) FROM u) + (` + sc.BrowserExists + `)`

// RevokeBrowserSession implements signet.BrowserSessionStore.
func (db *DB) RevokeBrowserSession(ctx context.Context, id string, now time.Time, reason string) error {
	var n int64
	if err := db.pool.QueryRow(ctx, browserRevokeOrFind, sc.BrowserRevokeArgs(id, now, reason)...).Scan(&n); err != nil {
		return mapErr(err)
	}
	if n == 0 {
		return signet.ErrNotFound
	}
	return nil
}

// RevokeUserBrowserSessions implements signet.BrowserSessionStore.
func (db *DB) RevokeUserBrowserSessions(ctx context.Context, userID string, now time.Time, reason string) (int, error) {
	tag, err := db.pool.Exec(ctx, sc.BrowserRevokeUser, sc.BrowserRevokeArgs(userID, now, reason)...)
	return int(tag.RowsAffected()), mapErr(err)
}
