package testenv_test

import (
	"context"
	"strings"
	"testing"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/audit"
	"github.com/signet-auth/signet/authserver"
	"github.com/signet-auth/signet/internal/testenv"
)

// TestAU01_SigninPolicyChangesRecorded: each change of an account's Sign-In
// resource policy — a statement added, one deleted, console authorization
// turned on and off — is an admin.change record naming the account and
// the caller; a refused change (an unknown statement) is none.
func TestAU01_SigninPolicyChangesRecorded(t *testing.T) {
	e := testenv.New(t, testenv.Options{})
	ctx := audit.WithOrigin(context.Background(), audit.Origin{Actor: "principal:" + testenv.PrincipalARN})
	st, err := e.Engine.PutSigninStatement(ctx, authserver.SigninStatementRequest{AccountID: testenv.AccountID,
		Conditions: signet.SigninStatement{SourceIP: "192.0.2.0/24"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Engine.SetConsoleAuthorization(ctx, testenv.AccountID, true); err != nil {
		t.Fatal(err)
	}
	if err := e.Engine.SetConsoleAuthorization(ctx, testenv.AccountID, false); err != nil {
		t.Fatal(err)
	}
	if err := e.Engine.DeleteSigninStatement(ctx, testenv.AccountID, st.ID, ""); err != nil {
		t.Fatal(err)
	}
	if err := e.Engine.DeleteSigninStatement(ctx, testenv.AccountID, st.ID, ""); err == nil {
		t.Fatal("a second delete of the statement succeeded")
	}
	var got []string
	for _, r := range find(auditRecords(t, e), signet.AuditAdminChange, "") {
		if r.Surface != "signin" {
			continue
		}
		if r.AccountID != testenv.AccountID || r.Actor != "principal:"+testenv.PrincipalARN {
			t.Errorf("record %q: account %q actor %q", r.Detail, r.AccountID, r.Actor)
		}
		got = append(got, r.Detail)
	}
	want := []string{"signin policy statement added id=" + st.ID, "console authorization=true",
		"console authorization=false", "signin policy statement deleted id=" + st.ID}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("records:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
