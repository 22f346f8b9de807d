package sqlite

import (
	"context"
	"path/filepath"
	"sync"
	"testing"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/storetest"
)

// Rotations decided on a snapshot from the read pool are confirmed in the
// writer, or decided again there if anything changed in between.
func TestRotationSnapshot(t *testing.T) {
	storetest.RunRotationSnapshot(t, func(t *testing.T) (signet.Stores, func(func())) {
		db, err := Open(t.Context(), filepath.Join(t.TempDir(), "signet.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db.Stores(), hookSnapshot(&db.rules.Snapshot)
	})
}

// hookSnapshot wraps a Snapshot function so that a hook installed through
// the returned function runs once, right after the next snapshot.
func hookSnapshot(snap *func(context.Context, signet.Digest) (signet.Session, signet.TokenGeneration, signet.User, error)) func(func()) {
	var (
		mu   sync.Mutex
		hook func()
	)
	orig := *snap
	*snap = func(ctx context.Context, d signet.Digest) (signet.Session, signet.TokenGeneration, signet.User, error) {
		s, g, u, err := orig(ctx, d)
		mu.Lock()
		h := hook
		hook = nil
		mu.Unlock()
		if h != nil {
			h()
		}
		return s, g, u, err
	}
	return func(h func()) { mu.Lock(); hook = h; mu.Unlock() }
}

// A rotation costs the snapshot's read, then BEGIN, three writes and
// COMMIT on the writer (a batch of one has no savepoint).
func TestRotationStatements(t *testing.T) {
	db, err := Open(t.Context(), filepath.Join(t.TempDir(), "signet.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	storetest.RunRotationStatements(t, db.Stores(), db.Statements, 6)
}
