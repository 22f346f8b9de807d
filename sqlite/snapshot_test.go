package sqlite

import (
	"path/filepath"
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
		return db.Stores(), storetest.HookSnapshot(&db.rules.Snapshot)
	})
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
