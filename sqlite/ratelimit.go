package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/signet-auth/signet"
	sc "github.com/signet-auth/signet/internal/storecore"
)

// hitSQL opens a window for a new or ended key, or counts one more in the
// open one: one statement, so two handles hitting one key never lose a
// count or open two windows.
const hitSQL = `INSERT INTO rate_windows (key, count, reset_at) VALUES (?1, 1, ?2)
	ON CONFLICT (key) DO UPDATE SET
		count    = CASE WHEN rate_windows.reset_at <= ?3 THEN 1 ELSE rate_windows.count + 1 END,
		reset_at = CASE WHEN rate_windows.reset_at <= ?3 THEN excluded.reset_at ELSE rate_windows.reset_at END
	RETURNING count, reset_at`

// Hit implements signet.RateLimitStore.
func (db *DB) Hit(ctx context.Context, key signet.Digest, window time.Duration, now time.Time) (int64, time.Time, error) {
	var n, reset int64
	err := db.tx(ctx, func(tx *sql.Tx) error {
		return (db.wtx(tx)).row(ctx, hitSQL, key[:], sc.Millis(now.Add(window)), sc.Millis(now)).Scan(&n, &reset)
	})
	if err != nil {
		return 0, time.Time{}, err
	}
	return n, sc.Time(reset), nil
}

// Count implements signet.RateLimitStore.
func (db *DB) Count(ctx context.Context, key signet.Digest, now time.Time) (int64, time.Time, error) {
	var n, reset int64
	// Prepared once per read connection: this read precedes every client
	// authentication, so parsing its text each time was a measurable share
	// of a refresh (docs/performance.md).
	err := db.readRow(ctx, `SELECT count, reset_at FROM rate_windows WHERE key = ? AND reset_at > ?`,
		key[:], sc.Millis(now)).R.Scan(&n, &reset)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, time.Time{}, nil
	}
	if err != nil {
		return 0, time.Time{}, mapErr(err)
	}
	return n, sc.Time(reset), nil
}

// Reset implements signet.RateLimitStore.
func (db *DB) Reset(ctx context.Context, key signet.Digest) error {
	return db.exec(ctx, false, `DELETE FROM rate_windows WHERE key = ?`, key[:])
}
