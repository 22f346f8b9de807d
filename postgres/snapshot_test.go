package postgres

import (
	"testing"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/internal/pgtest"
	"github.com/signet-auth/signet/storetest"
)

// Rotations decided on a snapshot commit in one statement, or are decided
// again by the full rule in a transaction if anything changed in between.
func TestRotationSnapshot(t *testing.T) {
	storetest.RunRotationSnapshot(t, func(t *testing.T) (signet.Stores, func(func())) {
		db, err := Open(t.Context(), pgtest.SchemaURL(t, "signet_snapshot_"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		if db.rules.Snapshot == nil || db.rules.CommitCurrent == nil {
			t.Fatal("the store does not decide rotations on a snapshot")
		}
		return db.Stores(), storetest.HookSnapshot(&db.rules.Snapshot)
	})
}

// A rotation costs two round trips: the snapshot's read and the one
// statement that rotates (no BEGIN, no COMMIT).
func TestRotationStatements(t *testing.T) {
	db, err := Open(t.Context(), pgtest.SchemaURL(t, "signet_stmts_"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	storetest.RunRotationStatements(t, db.Stores(), db.Statements, 2)
}
