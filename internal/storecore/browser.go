package storecore

import (
	"strconv"
	"strings"
	"time"

	"github.com/signet-auth/signet"
)

// Browser sessions (signet.BrowserSessionStore). The statements are written
// once, with PostgreSQL's numbered placeholders; SQLite reads the same
// numbers as ?N (see SQLite).

// BrowserSessionColumns are the browser_sessions columns in the order
// BrowserSessionArgs and ScanBrowserSession use.
var BrowserSessionColumns = []string{"id", "digest", "user_id", "auth_time", "amr", "address", "user_agent",
	"created_at", "last_seen_at", "expires_at", "revoked_at", "revoke_reason"}

// BrowserSessionCols is the select list of every column.
var BrowserSessionCols = Cols("", BrowserSessionColumns)

// BrowserByDigest reads the session whose token has digest $1.
var BrowserByDigest = `SELECT ` + BrowserSessionCols + ` FROM browser_sessions WHERE digest = $1`

// Statements on browser_sessions. Each is one statement; the conditions in
// their WHERE clauses are the rules (a touch never moves last_seen_at back
// nor touches a revoked session; a revocation keeps the first one's time and
// reason).
const (
	BrowserInsert = `INSERT INTO browser_sessions (id, digest, user_id, auth_time, amr, address, user_agent,
		created_at, last_seen_at, expires_at, revoked_at, revoke_reason)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`
	BrowserTouch = `UPDATE browser_sessions SET last_seen_at = $2
		WHERE id = $1 AND last_seen_at < $2 AND revoked_at = 0`
	BrowserRevoke = `UPDATE browser_sessions SET revoked_at = $2, revoke_reason = $3
		WHERE id = $1 AND revoked_at = 0`
	BrowserExists     = `SELECT count(*) FROM browser_sessions WHERE id = $1`
	BrowserRevokeUser = `UPDATE browser_sessions SET revoked_at = $2, revoke_reason = $3
		WHERE user_id = $1 AND revoked_at = 0 AND expires_at > $2`
	// BrowserCollect deletes up to $2 sessions that ended (expired or were
	// revoked) before $1, found through the expiry and revocation indexes.
	// PostgreSQL 15 wants a name for each derived table.
	BrowserCollect = `DELETE FROM browser_sessions WHERE id IN (
		SELECT id FROM (SELECT id FROM browser_sessions WHERE expires_at < $1 ORDER BY expires_at LIMIT $2) e
		UNION SELECT id FROM (SELECT id FROM browser_sessions WHERE revoked_at > 0 AND revoked_at < $1
			ORDER BY revoked_at LIMIT $2) r
		LIMIT $2)`
	// BrowserCollectSQLite is BrowserCollect as SQLite plans it through the
	// indexes: named derived tables would be scanned as tables (the GC
	// runs on the writer, so its statements must not scan).
	BrowserCollectSQLite = `DELETE FROM browser_sessions WHERE id IN (SELECT id FROM (
		SELECT id FROM (SELECT id FROM browser_sessions WHERE expires_at < ?1 ORDER BY expires_at LIMIT ?2)
		UNION SELECT id FROM (SELECT id FROM browser_sessions WHERE revoked_at > 0 AND revoked_at < ?1
			ORDER BY revoked_at LIMIT ?2))
		LIMIT ?2)`
)

// SQLite rewrites a statement above for SQLite, which numbers placeholders
// ?N. The statements hold no other '$'.
func SQLite(q string) string { return strings.ReplaceAll(q, "$", "?") }

// ListBrowserSQL builds the query of ListBrowserSessions for f, with
// numbered placeholders.
func ListBrowserSQL(f signet.SessionFilter) (string, []any) {
	q := `SELECT ` + BrowserSessionCols + ` FROM browser_sessions WHERE 1 = 1`
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if f.UserID != "" {
		q += ` AND user_id = ` + arg(f.UserID)
	}
	if f.LiveOnly {
		q += ` AND revoked_at = 0 AND expires_at > ` + arg(Millis(f.Now))
	}
	q += ` ORDER BY created_at, id`
	if f.Limit > 0 {
		q += ` LIMIT ` + arg(f.Limit)
	}
	return q, args
}

// BrowserSessionArgs are s's column values in BrowserSessionColumns order.
func BrowserSessionArgs(s signet.BrowserSession) []any {
	return []any{s.ID, s.Digest[:], s.UserID, Millis(s.AuthTime), JSON(s.AMR), s.Address, s.UserAgent,
		Millis(s.CreatedAt), Millis(s.LastSeenAt), Millis(s.ExpiresAt), Millis(s.RevokedAt), s.RevokeReason}
}

// ScanBrowserSession reads a row of BrowserSessionColumns.
func ScanBrowserSession(r Scanner) (signet.BrowserSession, error) {
	var s signet.BrowserSession
	var digest []byte
	var amr string
	var auth, created, seen, expires, revoked int64
	if err := r.Scan(&s.ID, &digest, &s.UserID, &auth, &amr, &s.Address, &s.UserAgent,
		&created, &seen, &expires, &revoked, &s.RevokeReason); err != nil {
		return signet.BrowserSession{}, err
	}
	var d decoder
	s.Digest, s.AMR = d.digest(digest), d.list(amr)
	s.AuthTime, s.CreatedAt, s.LastSeenAt = Time(auth), Time(created), Time(seen)
	s.ExpiresAt, s.RevokedAt = Time(expires), Time(revoked)
	return s, d.err
}

// BrowserRevokeArgs are the arguments of BrowserRevoke and
// BrowserRevokeUser (the first is the id or the user id).
func BrowserRevokeArgs(first string, now time.Time, reason string) []any {
	return []any{first, Millis(now), reason}
}
