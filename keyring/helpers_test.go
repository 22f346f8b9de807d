package keyring

import (
	"context"
	"crypto/rand"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/internal/testsupport"
	"github.com/signet-auth/signet/sqlite"
)

// newStore returns the KeyStore of a fresh SQLite database.
func newStore(t testing.TB) signet.KeyStore {
	t.Helper()
	db, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "signet.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db.Stores().Keys
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

func newClock() *testsupport.Clock {
	return testsupport.NewClock(time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC))
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
