package signet

import "time"

// RefreshStep is what presenting a refresh token does; Rotation.Decide
// chooses it.
type RefreshStep int

// Refresh steps.
const (
	// RefreshRotate: the presented generation is current and unexpired;
	// rotate it.
	RefreshRotate RefreshStep = iota + 1
	// RefreshNeedsSuccessor: the presented generation was rotated within the
	// grace window and the session's current generation follows it; decide
	// again with that successor.
	RefreshNeedsSuccessor
	// RefreshRetry: an idempotent retry within the grace window; hand out
	// the successor an earlier call created (catalogue RT-02, CC-02).
	RefreshRetry
	// RefreshReuse: a rotated-out token presented outside the retry rule;
	// the whole family is revoked (RFC 9700 §4.14.2, RT-01).
	RefreshReuse
	// RefreshExpired: the session ended or the token expired; the token is
	// not found.
	RefreshExpired
)

// Decide is the one refresh decision, pure, that every rotation path
// applies (the store's transaction and its snapshot fast path): what
// presenting generation g of session s does at r.Now. next is g's
// successor when the caller read it, nil otherwise; Decide asks for it
// with RefreshNeedsSuccessor. The grace window never extends an expiry
// (catalogue RT-04): an expired token is expired within it too, and only
// an unexpired successor is handed out again.
func (r Rotation) Decide(s Session, g TokenGeneration, next *TokenGeneration) RefreshStep {
	rotated := !g.RotatedAt.IsZero()
	switch {
	case !s.Live(r.Now):
		return RefreshExpired
	case !rotated && refreshExpired(g, r.Now):
		return RefreshExpired
	case !rotated:
		return RefreshRotate
	case !r.Now.Before(g.RotatedAt.Add(r.Grace)):
		return RefreshReuse
	case refreshExpired(g, r.Now):
		return RefreshExpired
	case s.Generation != g.Generation+1:
		return RefreshReuse
	case next == nil:
		return RefreshNeedsSuccessor
	case !refreshExpired(*next, r.Now):
		return RefreshRetry
	}
	return RefreshReuse
}

// refreshExpired reports whether g's refresh token has expired at now: at
// or after RefreshExpiresAt; a zero RefreshExpiresAt never expires.
func refreshExpired(g TokenGeneration, now time.Time) bool {
	return !g.RefreshExpiresAt.IsZero() && !now.Before(g.RefreshExpiresAt)
}
