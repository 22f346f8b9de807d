package signet

import (
	"context"
	"time"
)

// AMR values (RFC 8176 §2) a browser session records for how its user
// authenticated.
const (
	AMRPassword = "pwd"
)

// BrowserSession is a person's sign-in at the pages, kept on the server. The
// browser holds it by a random 256-bit token (its cookie); the store keeps
// only the token's keyed Digest, so a database dump opens no session. Every
// use of the cookie reads the record, so a revocation, a disabled user or a
// password change ends it everywhere at once (catalogue BS-01).
type BrowserSession struct {
	// ID names the session for administrators (list, revoke); it is not
	// the token and opens nothing.
	ID     string
	Digest Digest // of the cookie's token: the lookup key
	UserID string
	// AuthTime is when the user last proved who they are (OIDC auth_time).
	AuthTime time.Time
	// AMR lists the authentication methods used at AuthTime (RFC 8176
	// values such as AMRPassword); room for more than one factor.
	AMR        []string
	Address    string // client address at sign-in, for the audit trail
	UserAgent  string // as the browser sent it, truncated; render escaped
	CreatedAt  time.Time
	LastSeenAt time.Time // moved forward by use, at a bounded rate
	ExpiresAt  time.Time // absolute end; no use extends it
	RevokedAt  time.Time // zero while live
	// RevokeReason says why ("logout", "admin", "password changed", …).
	RevokeReason string
}

// Live reports whether the session is neither revoked nor past its
// absolute end at now. The idle limit is the engine's policy, not this.
func (s BrowserSession) Live(now time.Time) bool {
	return s.RevokedAt.IsZero() && now.Before(s.ExpiresAt)
}

// BrowserSessionStore keeps browser sessions. Revocations are conditional
// statements in the database, so every node sharing it sees them at the
// next use of the cookie.
type BrowserSessionStore interface {
	// CreateBrowserSession stores s; ErrConflict if its ID or Digest is
	// taken.
	CreateBrowserSession(ctx context.Context, s BrowserSession) error
	// GetBrowserSession returns the session whose token has digest d;
	// ErrNotFound if none. Revoked and ended sessions are returned as they
	// are: whether one may be used is the caller's policy.
	GetBrowserSession(ctx context.Context, d Digest) (BrowserSession, error)
	// TouchBrowserSession moves LastSeenAt of the live session id forward
	// to at; a session already seen at or after at, revoked, or unknown is
	// left as it is (no error: a touch is best effort and never moves
	// LastSeenAt back).
	TouchBrowserSession(ctx context.Context, id string, at time.Time) error
	// ListBrowserSessions returns sessions ordered by creation (then id),
	// filtered as f says (ClientID is ignored: browser sessions have no
	// client).
	ListBrowserSessions(ctx context.Context, f SessionFilter) ([]BrowserSession, error)
	// RevokeBrowserSession revokes a session; revoking a revoked one is a
	// no-op that keeps the first time and reason; ErrNotFound if there is
	// none.
	RevokeBrowserSession(ctx context.Context, id string, now time.Time, reason string) error
	// RevokeUserBrowserSessions revokes every live session of the user and
	// returns how many it revoked.
	RevokeUserBrowserSessions(ctx context.Context, userID string, now time.Time, reason string) (int, error)
}
