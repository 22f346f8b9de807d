package sqlite

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/signet-auth/signet"
)

// The fixed list queries a token request makes (every account's sign-in
// policy for a Sign-In refresh, the groups' assignments for an approval) run
// prepared; a list built from an administrator's filter does not join them.
func TestFixedListsRunPrepared(t *testing.T) {
	ctx := t.Context()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "signet.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.SetConsoleAuthorization(ctx, "111122223333", true, time.Now()); err != nil {
		t.Fatal(err)
	}
	before := db.preparedReads()
	for range 2 {
		pols, err := db.SigninPolicies(ctx)
		if err != nil || len(pols) != 1 || pols[0].AccountID != "111122223333" {
			t.Fatalf("SigninPolicies = %+v, %v", pols, err)
		}
		if _, err := db.GroupAssignments(ctx, "u"); err != nil {
			t.Fatal(err)
		}
	}
	if got := db.preparedReads(); got != before+2 {
		t.Errorf("prepared reads after two fixed lists, twice: %d, want %d", got, before+2)
	}
	for _, f := range []signet.SessionFilter{{UserID: "u"}, {ClientID: "c", LiveOnly: true, Now: time.Now(), Limit: 5}} {
		if _, err := db.ListSessions(ctx, f); err != nil {
			t.Fatal(err)
		}
	}
	if got := db.preparedReads(); got != before+2 {
		t.Errorf("prepared reads after filtered lists: %d, want %d", got, before+2)
	}
}

// preparedReads counts the statements prepared on the read pool.
func (db *DB) preparedReads() int {
	db.rstmts.mu.Lock()
	defer db.rstmts.mu.Unlock()
	return len(db.rstmts.ready)
}
