package testsupport

import (
	"sync"
	"time"

	"github.com/signet-auth/signet"
)

// Clock is a signet.Clock that stands still until moved; safe for the
// concurrent reads of a server under test.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

var _ signet.Clock = (*Clock)(nil)

// NewClock returns a clock standing at t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns where the clock stands.
func (c *Clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

// Add moves the clock by d (backwards when d is negative).
func (c *Clock) Add(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.t = c.t.Add(d) }

// Set stands the clock at t.
func (c *Clock) Set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }
