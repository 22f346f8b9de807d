package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/signet-auth/signet"
)

// AU-02: the database itself refuses to edit or delete a record: UPDATE,
// DELETE and TRUNCATE fail through any connection, and only the prune by
// age (which marks its own transaction) deletes.
func TestAU02_ChangesRefusedByDatabase(t *testing.T) {
	url, schema := freshSchema(t)
	db := open(t, url, schema)
	ctx := t.Context()
	old := time.Now().UTC().Add(-48 * time.Hour).Truncate(time.Millisecond)
	id, err := db.AppendAudit(ctx, signet.AuditRecord{Time: old, Event: signet.AuditCredentialsIssued,
		Actor: "user:alice", UserID: "u1", RoleName: "Admin", Outcome: signet.AuditSuccess})
	if err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	table := pgx.Identifier{schema, "audit_records"}.Sanitize()
	for _, stmt := range []string{
		`UPDATE ` + table + ` SET role_name = 'ReadOnly' WHERE id = $1`,
		`DELETE FROM ` + table + ` WHERE id = $1`,
		`TRUNCATE ` + table,
	} {
		var args []any
		if stmt[0] != 'T' {
			args = []any{id}
		}
		if _, err := conn.Exec(ctx, stmt, args...); err == nil {
			t.Errorf("%s succeeded", stmt)
		}
	}
	count := func() int {
		n := 0
		if err := db.ScanAudit(ctx, signet.AuditFilter{}, func(r signet.AuditRecord) error {
			if r.RoleName != "Admin" {
				t.Errorf("record changed: %+v", r)
			}
			n++
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count(); n != 1 {
		t.Fatalf("%d records after the refused changes, want 1", n)
	}
	if n, err := db.PruneAudit(ctx, time.Now().Add(-24*time.Hour), 10); err != nil || n != 1 {
		t.Fatalf("PruneAudit = %d, %v; want 1", n, err)
	}
	if n := count(); n != 0 {
		t.Errorf("%d records after the prune, want 0", n)
	}
}
