package ssooidc_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/internal/testenv"
)

// auditDown makes the environment's SQLite file refuse every audit record
// until the returned function is called.
func auditDown(t *testing.T, e *testenv.Env) (restore func()) {
	t.Helper()
	// The server writes to the same file (its jobs too): wait for its lock
	// rather than fail on it.
	raw, err := sql.Open("sqlite", e.DBPath+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	if _, err := raw.Exec(`CREATE TRIGGER audit_down BEFORE INSERT ON audit_records BEGIN SELECT RAISE(ABORT, 'audit store down'); END`); err != nil {
		t.Fatal(err)
	}
	return func() {
		if _, err := raw.Exec(`DROP TRIGGER audit_down`); err != nil {
			t.Fatal(err)
		}
	}
}

// issuedRecords are the tokens.issued records of client.
func issuedRecords(t *testing.T, e *testenv.Env, client string) []signet.AuditRecord {
	t.Helper()
	var out []signet.AuditRecord
	if err := e.Stores.Audit.ScanAudit(context.Background(), signet.AuditFilter{Events: []signet.AuditEvent{signet.AuditTokensIssued}},
		func(r signet.AuditRecord) error {
			if r.ClientID == client {
				out = append(out, r)
			}
			return nil
		}); err != nil {
		t.Fatal(err)
	}
	return out
}

// sessionsOf counts the sessions of client.
func sessionsOf(t *testing.T, e *testenv.Env, client string) int {
	t.Helper()
	ss, err := e.Stores.Grants.ListSessions(context.Background(), signet.SessionFilter{ClientID: client})
	if err != nil {
		t.Fatal(err)
	}
	return len(ss)
}

// AU-02 for CreateTokenWithIAM's jwt-bearer and token-exchange grants:
// their session and its tokens.issued record are one transaction. While
// the store refuses records the call is a server error and no session is
// written; once it writes again the same call issues, and the trail holds
// one record naming the grant, the client, the user and the session.
func TestAU02_CreateTokenWithIAMGrantsRecordedWithTheirSession(t *testing.T) {
	t.Run("jwt-bearer", func(t *testing.T) {
		b := newBearerEnv(t)
		e := b.e
		assertion := b.assertion(t, b.claims(testenv.UserName, nil))
		restore := auditDown(t, e)
		if out, err := b.redeem(assertion); err == nil || out != nil {
			t.Fatalf("jwt-bearer without its record: %+v, want a server error", out)
		}
		if n := sessionsOf(t, e, bearerApp); n != 0 {
			t.Fatalf("%d sessions committed without their record", n)
		}
		restore()
		out, err := b.redeem(b.assertion(t, b.claims(testenv.UserName, nil)))
		if err != nil || aws.ToString(out.AccessToken) == "" {
			t.Fatalf("jwt-bearer once records are written: %v", err)
		}
		recs := issuedRecords(t, e, bearerApp)
		if len(recs) != 1 || recs[0].UserID != e.User.ID || !strings.Contains(recs[0].Detail, "grant="+jwtBearer) ||
			!strings.Contains(recs[0].Detail, "session=") {
			t.Fatalf("records: %+v", recs)
		}
	})
	t.Run("token-exchange", func(t *testing.T) {
		e, oc := newExchangeEnv(t)
		_, subject := e.SSOTokens(t, "sso:account:access", appScope)
		exchange := func() (*ssooidc.CreateTokenWithIAMOutput, error) {
			return oc.CreateTokenWithIAM(context.Background(), exchangeInput(subject.AccessToken, ttAccess, ttRefresh, appScope))
		}
		restore := auditDown(t, e)
		if out, err := exchange(); err == nil || out != nil {
			t.Fatalf("token exchange without its record: %+v, want a server error", out)
		}
		if n := sessionsOf(t, e, exchangeApp); n != 0 {
			t.Fatalf("%d sessions committed without their record", n)
		}
		restore()
		if out, err := exchange(); err != nil || aws.ToString(out.AccessToken) == "" {
			t.Fatalf("token exchange once records are written: %v", err)
		}
		recs := issuedRecords(t, e, exchangeApp)
		if len(recs) != 1 || recs[0].UserID != e.User.ID || !strings.Contains(recs[0].Detail, "grant="+tokenExchange) {
			t.Fatalf("records: %+v", recs)
		}
	})
}
