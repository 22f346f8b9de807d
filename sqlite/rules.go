package sqlite

import (
	"context"
	"time"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/internal/failpoint"
)

// Option configures Open.
type Option func(*options)

type options struct {
	failPoints *failpoint.Points
}

// WithFailPoints arms the crash test's fail points (package failpoint) in
// the grant rules' transactions (storecore.Rules.FailPoints); nil, the
// default, arms none.
func WithFailPoints(p *failpoint.Points) Option {
	return func(o *options) { o.failPoints = p }
}

func collectOptions(opts []Option) options {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// RedeemCode implements signet.GrantStore with the shared rule
// (storecore.Rules.RedeemCode).
func (db *DB) RedeemCode(ctx context.Context, cr signet.CodeRedemption) (signet.AuthorizationCode, signet.Session, signet.TokenGeneration, error) {
	return db.rules.RedeemCode(ctx, cr)
}

// StartSession implements signet.GrantStore with the shared rule.
func (db *DB) StartSession(ctx context.Context, st signet.SessionStart) (signet.Session, signet.TokenGeneration, error) {
	return db.rules.StartSession(ctx, st)
}

// PollDevice implements signet.GrantStore with the shared rule.
func (db *DB) PollDevice(ctx context.Context, p signet.DevicePoll) (signet.DevicePollResult, error) {
	return db.rules.PollDevice(ctx, p)
}

// DecideDevice implements signet.GrantStore with the shared rule.
func (db *DB) DecideDevice(ctx context.Context, userCode signet.Digest, status signet.DeviceStatus, userID string, authTime, now time.Time) (signet.DeviceAuthorization, error) {
	return db.rules.DecideDevice(ctx, userCode, status, userID, authTime, now)
}

// Rotate implements signet.GrantStore with the shared rule.
func (db *DB) Rotate(ctx context.Context, rot signet.Rotation) (signet.RotationResult, error) {
	return db.rules.Rotate(ctx, rot)
}
