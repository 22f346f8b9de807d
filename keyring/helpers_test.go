package keyring

import (
	"context"
	"crypto/rand"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/signet-auth/signet"
)

// memKeyStore is a map-backed signet.KeyStore for these tests until the
// SQLite store lands on main.
type memKeyStore struct {
	mu   sync.Mutex
	keys map[string]signet.Key
}

func newMemKeyStore() *memKeyStore { return &memKeyStore{keys: map[string]signet.Key{}} }

func (s *memKeyStore) AddKey(_ context.Context, k signet.Key) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.keys[k.ID]; ok {
		return signet.ErrConflict
	}
	k.Sealed = slices.Clone(k.Sealed)
	s.keys[k.ID] = k
	return nil
}

func (s *memKeyStore) ListKeys(context.Context) ([]signet.Key, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []signet.Key
	for _, k := range s.keys {
		k.Sealed = slices.Clone(k.Sealed)
		out = append(out, k)
	}
	slices.SortFunc(out, func(a, b signet.Key) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return out, nil
}

func (s *memKeyStore) RetireKey(_ context.Context, id string, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	k, ok := s.keys[id]
	if !ok {
		return signet.ErrNotFound
	}
	k.RetiredAt = at
	s.keys[id] = k
	return nil
}

// newStore returns an empty KeyStore.
func newStore(t *testing.T) signet.KeyStore {
	t.Helper()
	return newMemKeyStore()
}

// countingStore counts ListKeys calls: each is one reload.
type countingStore struct {
	signet.KeyStore
	lists atomic.Int64
}

func (s *countingStore) ListKeys(ctx context.Context) ([]signet.Key, error) {
	s.lists.Add(1)
	return s.KeyStore.ListKeys(ctx)
}

// barrierStore holds the first n ListKeys calls until all n have been made.
// Each node's Open lists first, so n nodes starting at once all see the
// empty store before any of them writes: the race of a first start, made
// certain rather than likely.
type barrierStore struct {
	signet.KeyStore
	n     int64
	calls atomic.Int64
	wg    sync.WaitGroup
}

func newBarrierStore(s signet.KeyStore, n int) *barrierStore {
	b := &barrierStore{KeyStore: s, n: int64(n)}
	b.wg.Add(n)
	return b
}

func (s *barrierStore) ListKeys(ctx context.Context) ([]signet.Key, error) {
	keys, err := s.KeyStore.ListKeys(ctx)
	if s.calls.Add(1) <= s.n {
		s.wg.Done()
		s.wg.Wait()
	}
	return keys, err
}

// testClock is a settable signet.Clock.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *testClock { return &testClock{t: time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)} }

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func masterKey(t *testing.T) []byte {
	t.Helper()
	k := make([]byte, MasterKeySize)
	rand.Read(k)
	return k
}

func openRing(t *testing.T, store signet.KeyStore, master []byte, clock signet.Clock) *Keyring {
	t.Helper()
	kr, err := Open(t.Context(), store, master, clock, rand.Reader, Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return kr
}
