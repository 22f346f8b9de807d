package sqlite_test

import (
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/signet-auth/signet"
)

// AU-02: the database itself refuses to edit a record: an UPDATE through
// any connection fails, and the record reads back unchanged.
func TestAU02_UpdateRefusedByDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "signet.db")
	db := open(t, path)
	rec := signet.AuditRecord{Time: time.Now().UTC().Truncate(time.Millisecond), Event: signet.AuditCredentialsIssued,
		Actor: "user:alice", UserID: "u1", RoleName: "Admin", Outcome: signet.AuditSuccess}
	id, err := db.AppendAudit(t.Context(), rec)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.ExecContext(t.Context(), `UPDATE audit_records SET role_name = 'ReadOnly' WHERE id = ?`, id); err == nil || !strings.Contains(err.Error(), "append-only") {
		t.Errorf("UPDATE of an audit record: %v, want the append-only trigger's refusal", err)
	}
	var got []signet.AuditRecord
	if err := db.ScanAudit(t.Context(), signet.AuditFilter{}, func(r signet.AuditRecord) error {
		got = append(got, r)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].RoleName != "Admin" {
		t.Errorf("records after the refused UPDATE: %+v", got)
	}
}
