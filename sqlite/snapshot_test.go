package sqlite

import (
	"testing"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/storetest"
)

// Rotations decided on a snapshot from the read pool are confirmed in the
// writer, or decided again there if anything changed in between.
func TestRotationSnapshot(t *testing.T) {
	storetest.RunRotationSnapshot(t, func(t *testing.T) (signet.Stores, func(func())) {
		db := openTemp(t)
		return db.Stores(), storetest.HookSnapshot(&db.rules.Snapshot)
	})
}

// A rotation costs the snapshot's read, then BEGIN, three writes and
// COMMIT on the writer (a batch of one has no savepoint).
func TestRotationStatements(t *testing.T) {
	db := openTemp(t)
	storetest.RunRotationStatements(t, db.Stores(), db.Statements, 6)
}
