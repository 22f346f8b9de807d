package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/signet-auth/signet"
)

// audited is a batch member that writes one row and records it in the
// audit trail the way a grant does (storecore.Tx.InsertAudit), then ends
// with then.
func audited(db *DB, key string, then func(*sql.Tx) error) func(*sql.Tx) error {
	return insertKey(key, func(tx *sql.Tx) error {
		r := signet.AuditRecord{Time: time.UnixMilli(1), Event: signet.AuditTokensIssued, Detail: key}
		if err := db.wtx(tx).InsertAudit(context.Background(), r); err != nil {
			return err
		}
		if then == nil {
			return nil
		}
		return then(tx)
	})
}

// committedAudits is the Detail of every committed audit record, in id
// order.
func committedAudits(t *testing.T, db *DB) []string {
	t.Helper()
	var got []string
	err := db.ScanAudit(t.Context(), signet.AuditFilter{}, func(r signet.AuditRecord) error {
		got = append(got, r.Detail)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// A batch's audit records wait for its end and go in with one INSERT, yet
// each is committed exactly when its member's rows are (catalogue AU-01):
// a member rolled back to its savepoint takes its records with it, a lost
// batch loses all of them, and the ids follow the members' order. A batch
// larger than one INSERT's rows takes several.
func TestAU01_GroupCommitRecordsFollowTheirMembers(t *testing.T) {
	boom := errors.New("boom")
	endTx := func(tx *sql.Tx) error { _, err := tx.Exec(`ROLLBACK`); return err }
	many := func(db *DB) []func(*sql.Tx) error {
		var fns []func(*sql.Tx) error
		for i := range auditRows + 6 {
			k := string(rune('A'+i/26)) + string(rune('a'+i%26))
			var then func(*sql.Tx) error
			if i%7 == 3 {
				then = func(*sql.Tx) error { return boom }
			}
			fns = append(fns, audited(db, k, then))
		}
		return fns
	}
	tests := []struct {
		name string
		fns  func(db *DB) []func(*sql.Tx) error
		want func(fns int) []string // nil: none
	}{
		{
			name: "all succeed",
			fns: func(db *DB) []func(*sql.Tx) error {
				return []func(*sql.Tx) error{audited(db, "a", nil), audited(db, "b", nil), audited(db, "c", nil)}
			},
			want: func(int) []string { return []string{"a", "b", "c"} },
		},
		{
			name: "failing member's record rolled back with it",
			fns: func(db *DB) []func(*sql.Tx) error {
				return []func(*sql.Tx) error{audited(db, "a", nil),
					audited(db, "b", func(*sql.Tx) error { return boom }), audited(db, "c", nil)}
			},
			want: func(int) []string { return []string{"a", "c"} },
		},
		{
			name: "panicking member's record rolled back with it",
			fns: func(db *DB) []func(*sql.Tx) error {
				return []func(*sql.Tx) error{audited(db, "a", func(*sql.Tx) error { panic(boom) }),
					audited(db, "b", nil)}
			},
			want: func(int) []string { return []string{"b"} },
		},
		{
			name: "batch lost under a member that reports success: no record",
			fns: func(db *DB) []func(*sql.Tx) error {
				return []func(*sql.Tx) error{audited(db, "a", nil), audited(db, "b", endTx), audited(db, "c", nil)}
			},
		},
		{
			name: "batch lost by its last member: no record",
			fns: func(db *DB) []func(*sql.Tx) error {
				return []func(*sql.Tx) error{audited(db, "a", nil), audited(db, "b", endTx)}
			},
		},
		{
			name: "more records than one insert's rows",
			fns:  many,
			want: func(n int) []string {
				var keys []string
				for i := range n {
					if i%7 != 3 {
						keys = append(keys, string(rune('A'+i/26))+string(rune('a'+i%26)))
					}
				}
				return keys
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := openTemp(t)
			fns := tt.fns(db)
			runBatch(t, db, fns...)
			var want []string
			if tt.want != nil {
				want = tt.want(len(fns))
			}
			keys := committedKeys(t, db)
			slices.Sort(want)
			if !slices.Equal(keys, want) {
				t.Errorf("committed rows %q, want %q", keys, want)
			}
			got := committedAudits(t, db)
			if tt.want != nil {
				want = tt.want(len(fns)) // in the members' order
			}
			if !slices.Equal(got, want) {
				t.Errorf("committed records %q, want %q", got, want)
			}
			// Nothing is left over for the next batch.
			runBatch(t, db, audited(db, "next", nil), audited(db, "next2", nil))
			if got := committedAudits(t, db); !slices.Equal(got, append(want, "next", "next2")) {
				t.Errorf("after a second batch, records %q", got)
			}
		})
	}
}

// A batch whose records the store refuses fails closed (catalogue AU-02):
// no member's grant commits without its record, and every member, audited
// or not, gets the error, as when the commit itself fails.
func TestAU02_GroupCommitFailsClosedWithoutItsRecords(t *testing.T) {
	db := openTemp(t)
	if err := db.tx(t.Context(), func(tx *sql.Tx) error {
		_, err := tx.Exec(`CREATE TEMP TRIGGER audit_down BEFORE INSERT ON audit_records
			BEGIN SELECT RAISE(ABORT, 'audit store down'); END`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	res := runBatch(t, db, audited(db, "a", nil), insertKey("b", nil), audited(db, "c", nil))
	for i, r := range res {
		if r.err == nil || r.panicked {
			t.Errorf("member %d: %v (panicked %v), want the store's refusal", i, r.err, r.panicked)
		}
	}
	if got := committedKeys(t, db); len(got) != 0 {
		t.Errorf("committed %q without their records", got)
	}
	if got := committedAudits(t, db); len(got) != 0 {
		t.Errorf("records %q", got)
	}
}
