package ratelimit

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/signet-auth/signet"
)

// MemoryStore is a signet.RateLimitStore for one process: tests, and a
// single node that keeps no shared state. It holds at most its bound of
// open windows; when full of open ones it refuses new keys with
// signet.ErrUnavailable rather than forget a count, so the limits on
// brute-forceable endpoints fail closed.
type MemoryStore struct {
	mu   sync.Mutex
	max  int
	wins map[signet.Digest]memWindow
}

type memWindow struct {
	count int64
	end   time.Time
}

var _ signet.RateLimitStore = (*MemoryStore)(nil)

// NewMemoryStore returns an empty store of at most max windows (0:
// DefaultMaxKeys).
func NewMemoryStore(max int) *MemoryStore {
	if max <= 0 {
		max = DefaultMaxKeys
	}
	return &MemoryStore{max: max, wins: map[signet.Digest]memWindow{}}
}

// Hit implements signet.RateLimitStore.
func (m *MemoryStore) Hit(_ context.Context, key signet.Digest, window time.Duration, now time.Time) (int64, time.Time, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	w, ok := m.wins[key]
	if !ok || !now.Before(w.end) {
		if !ok && len(m.wins) >= m.max {
			for k, o := range m.wins {
				if !now.Before(o.end) {
					delete(m.wins, k)
				}
			}
			if len(m.wins) >= m.max {
				return 0, time.Time{}, fmt.Errorf("ratelimit: memory store holds %d open windows: %w", m.max, signet.ErrUnavailable)
			}
		}
		w = memWindow{end: now.Add(window)}
	}
	w.count++
	m.wins[key] = w
	return w.count, w.end, nil
}

// Count implements signet.RateLimitStore.
func (m *MemoryStore) Count(_ context.Context, key signet.Digest, now time.Time) (int64, time.Time, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	w, ok := m.wins[key]
	if !ok || !now.Before(w.end) {
		return 0, time.Time{}, nil
	}
	return w.count, w.end, nil
}

// Reset implements signet.RateLimitStore.
func (m *MemoryStore) Reset(_ context.Context, key signet.Digest) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.wins, key)
	return nil
}
