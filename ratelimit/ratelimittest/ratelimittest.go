// Package ratelimittest holds what tests of rate-limited surfaces share: a
// rate-limit store that cannot be reached, to check that limits fail closed
// or open as they should (catalogue RL-06).
package ratelimittest

import (
	"context"
	"fmt"
	"time"

	"github.com/signet-auth/signet"
)

// DownStore is a signet.RateLimitStore whose every call fails with an
// error wrapping signet.ErrUnavailable.
type DownStore struct{}

var _ signet.RateLimitStore = DownStore{}

var errDown = fmt.Errorf("ratelimittest: store down: %w", signet.ErrUnavailable)

// Hit fails.
func (DownStore) Hit(context.Context, signet.Digest, time.Duration, time.Time) (int64, time.Time, error) {
	return 0, time.Time{}, errDown
}

// Count fails.
func (DownStore) Count(context.Context, signet.Digest, time.Time) (int64, time.Time, error) {
	return 0, time.Time{}, errDown
}

// Reset fails.
func (DownStore) Reset(context.Context, signet.Digest) error { return errDown }
