package testenv_test

import (
	"context"
	"database/sql"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/authserver"
	"github.com/signet-auth/signet/internal/testenv"
	"github.com/signet-auth/signet/internal/testsupport"
)

// auditRecords returns every record in the environment's store.
func auditRecords(t *testing.T, e *testenv.Env) []signet.AuditRecord {
	t.Helper()
	var out []signet.AuditRecord
	if err := e.Stores.Audit.ScanAudit(context.Background(), signet.AuditFilter{}, func(r signet.AuditRecord) error {
		out = append(out, r)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// find returns the records of event ev whose Detail contains detail.
func find(recs []signet.AuditRecord, ev signet.AuditEvent, detail string) []signet.AuditRecord {
	var out []signet.AuditRecord
	for _, r := range recs {
		if r.Event == ev && strings.Contains(r.Detail, detail) {
			out = append(out, r)
		}
	}
	return out
}

// deviceFlow registers a client and runs the SSO OIDC device flow over
// HTTP, approved in the pages by b; it returns the client's id and secret
// and the token answer.
func deviceFlow(f *se06Flow, b *testenv.Browser) (clientID, clientSecret string, tok map[string]any) {
	t, e := f.t, f.e
	t.Helper()
	status, reg := f.call("POST", "/client/register", map[string]any{
		"clientName": "audit", "clientType": "public", "scopes": []string{"sso:account:access"},
	}, nil)
	if status != 200 {
		t.Fatalf("register: %d %v", status, reg)
	}
	clientID, clientSecret = str(reg, "clientId"), str(reg, "clientSecret")
	f.secret("client secret", clientSecret)
	status, dev := f.call("POST", "/device_authorization", map[string]any{
		"clientId": clientID, "clientSecret": clientSecret, "startUrl": e.URL + "/start",
	}, nil)
	if status != 200 {
		t.Fatalf("device authorization: %d %v", status, dev)
	}
	f.secret("device code", str(dev, "deviceCode"))
	f.secrets[str(dev, "userCode")] = "user code"
	if p := b.DecideDevice(str(dev, "userCode"), true); p.Status/100 != 2 && p.Status != http.StatusSeeOther {
		t.Fatalf("approval: %d %s", p.Status, p.Body)
	}
	e.Clock.Add(10 * time.Second)
	status, tok = f.call("POST", "/token", map[string]any{
		"clientId": clientID, "clientSecret": clientSecret,
		"grantType": "urn:ietf:params:oauth:grant-type:device_code", "deviceCode": str(dev, "deviceCode"),
	}, nil)
	if status != 200 {
		t.Fatalf("device token: %d %v", status, tok)
	}
	f.secret("access token", str(tok, "accessToken"))
	f.secret("refresh token", str(tok, "refreshToken"))
	return clientID, clientSecret, tok
}

// TestAU01_FlowRecordsEverySecurityEvent runs a person's day over HTTP —
// a failed and a successful sign-in, the device flow, a refresh, role
// credentials from the portal, a replay of a rotated-out refresh token,
// a sign-out — and finds each security event in the audit trail with who,
// what, from where and the request it came with; then scans every record
// and the audit log lines for every secret the flow saw (SE-06).
func TestAU01_FlowRecordsEverySecurityEvent(t *testing.T) {
	logs := &testsupport.Logs{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e := testenv.New(t, testenv.Options{Log: log})
	f := &se06Flow{t: t, e: e, secrets: map[string]string{testenv.UserPassword: "user password"}}
	b := e.Browser(t)

	form := b.Get("/login").Hidden()
	form.Set("username", testenv.UserName)
	form.Set("password", "not the password")
	f.secrets["not the password"] = "wrong password"
	if p := b.Post("/login", form); p.Status == http.StatusSeeOther {
		t.Fatal("a wrong password signed in")
	}

	clientID, clientSecret, tok := deviceFlow(f, b)
	status, ref := f.call("POST", "/token", map[string]any{
		"clientId": clientID, "clientSecret": clientSecret,
		"grantType": "refresh_token", "refreshToken": str(tok, "refreshToken"),
	}, nil)
	if status != 200 {
		t.Fatalf("refresh: %d %v", status, ref)
	}
	f.secret("rotated access token", str(ref, "accessToken"))
	f.secret("rotated refresh token", str(ref, "refreshToken"))
	status, rc := f.call("GET", "/federation/credentials?role_name=Admin&account_id="+testenv.AccountID, nil,
		map[string]string{"x-amz-sso_bearer_token": str(ref, "accessToken")})
	if status != 200 {
		t.Fatalf("role credentials: %d %v", status, rc)
	}
	creds, _ := rc["roleCredentials"].(map[string]any)
	f.secret("secretAccessKey", str(creds, "secretAccessKey"))
	f.secret("sessionToken", str(creds, "sessionToken"))
	e.Clock.Add(time.Minute + time.Second)
	if status, _ := f.call("POST", "/token", map[string]any{
		"clientId": clientID, "clientSecret": clientSecret,
		"grantType": "refresh_token", "refreshToken": str(tok, "refreshToken"),
	}, nil); status != 400 {
		t.Fatalf("replayed refresh token: %d, want 400", status)
	}
	b.SignOut()

	recs := auditRecords(t, e)
	for _, r := range recs {
		t.Logf("%s %s actor=%s user=%s client=%s %s/%s %s addr=%s req=%s %q", r.Event, r.Outcome, r.Actor, r.UserID,
			r.ClientID, r.AccountID, r.RoleName, r.Surface, r.Address, r.RequestID, r.Detail)
	}
	one := func(what string, got []signet.AuditRecord, check func(signet.AuditRecord) bool) {
		t.Helper()
		if len(got) != 1 {
			t.Errorf("%s: %d records, want 1", what, len(got))
			return
		}
		r := got[0]
		if r.Time.IsZero() || r.Outcome == "" {
			t.Errorf("%s: no time or outcome: %+v", what, r)
		}
		if !check(r) {
			t.Errorf("%s: %+v", what, r)
		}
	}
	fromHTTP := func(r signet.AuditRecord) bool {
		return r.Address == "127.0.0.1" && r.RequestID != "" && r.UserAgent != ""
	}
	uid := e.User.ID
	one("failed login", find(recs, signet.AuditLoginFailed, "reason=wrong_password"), func(r signet.AuditRecord) bool {
		return r.UserID == uid && r.Outcome == signet.AuditFailure && fromHTTP(r) && strings.Contains(r.Detail, "factor=pwd")
	})
	one("successful login", find(recs, signet.AuditLoginSucceeded, ""), func(r signet.AuditRecord) bool {
		return r.UserID == uid && r.Actor == "user:"+testenv.UserName && r.Outcome == signet.AuditSuccess && fromHTTP(r)
	})
	one("browser session start", find(recs, signet.AuditBrowserStarted, ""), func(r signet.AuditRecord) bool {
		return r.UserID == uid && fromHTTP(r) && strings.Contains(r.Detail, "amr=pwd")
	})
	one("device-code grant", find(recs, signet.AuditTokensIssued, "grant=urn:ietf:params:oauth:grant-type:device_code"), func(r signet.AuditRecord) bool {
		return r.UserID == uid && r.ClientID == clientID && r.Surface == string(signet.ProtocolSSOOIDC) && fromHTTP(r)
	})
	one("refresh grant", find(recs, signet.AuditTokensIssued, "grant=refresh_token"), func(r signet.AuditRecord) bool {
		return r.UserID == uid && r.ClientID == clientID && fromHTTP(r)
	})
	one("role credentials", find(recs, signet.AuditCredentialsIssued, ""), func(r signet.AuditRecord) bool {
		return r.UserID == uid && r.AccountID == testenv.AccountID && r.RoleName == "Admin" && r.Surface == "portal" &&
			r.ClientID == clientID && fromHTTP(r) && strings.Contains(r.Detail, "access_key="+str(creds, "accessKeyId"))
	})
	one("refresh-token reuse", find(recs, signet.AuditRefreshReuse, "family revoked"), func(r signet.AuditRecord) bool {
		return r.UserID == uid && r.ClientID == clientID && r.Outcome == signet.AuditFailure && fromHTTP(r)
	})
	one("sign-out", find(recs, signet.AuditBrowserEnded, "reason=logout"), func(r signet.AuditRecord) bool {
		return r.UserID == uid && fromHTTP(r)
	})

	out := logs.String()
	if n := strings.Count(out, `"event":"audit"`); n != len(recs) {
		t.Errorf("%d audit log lines for %d records", n, len(recs))
	}
	for v, what := range f.secrets {
		for _, r := range recs {
			for _, field := range []string{r.Actor, r.UserID, r.ClientID, r.AccountID, r.RoleName, r.Surface,
				r.Address, r.UserAgent, r.RequestID, r.Detail, string(r.Event), string(r.Outcome)} {
				if strings.Contains(field, v) {
					t.Errorf("the %s appears in the audit record %s: %q", what, r.Event, field)
				}
			}
		}
		if strings.Contains(out, v) {
			t.Errorf("the %s appears in the logs", what)
		}
	}
}

// TestAU02_IssuingFailsClosedWithoutItsRecord: while the store refuses to
// write audit records (a trigger on the real SQLite file makes every
// insert fail), a refresh and the portal's role credentials answer a
// server error and hand out nothing, and the refresh commits nothing: its
// record is written in the rotation's transaction. Once the store writes
// again, the same refresh token rotates as if it had never been tried.
func TestAU02_IssuingFailsClosedWithoutItsRecord(t *testing.T) {
	e := testenv.New(t, testenv.Options{Lifetimes: authserver.Lifetimes{RefreshGrace: 30 * time.Second}})
	f := &se06Flow{t: t, e: e, secrets: map[string]string{}}
	clientID, clientSecret, tok := deviceFlow(f, e.Browser(t))

	raw, err := sql.Open("sqlite", e.DBPath+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	exec := func(q string) {
		t.Helper()
		if _, err := raw.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	exec(`CREATE TRIGGER audit_down BEFORE INSERT ON audit_records BEGIN SELECT RAISE(ABORT, 'audit store down'); END`)
	before := len(auditRecords(t, e))

	refresh := func() (int, map[string]any) {
		return f.call("POST", "/token", map[string]any{
			"clientId": clientID, "clientSecret": clientSecret,
			"grantType": "refresh_token", "refreshToken": str(tok, "refreshToken"),
		}, nil)
	}
	status, body := f.call("GET", "/federation/credentials?role_name=Admin&account_id="+testenv.AccountID, nil,
		map[string]string{"x-amz-sso_bearer_token": str(tok, "accessToken")})
	if status != 500 || body["roleCredentials"] != nil {
		t.Fatalf("role credentials without their record: %d %v, want 500 and no credentials", status, body)
	}
	status, body = refresh()
	if status != 500 || str(body, "accessToken") != "" || str(body, "refreshToken") != "" {
		t.Fatalf("refresh without its record: %d %v, want 500 and no tokens", status, body)
	}
	if n := len(auditRecords(t, e)); n != before {
		t.Fatalf("%d records written while the store refused them", n-before)
	}
	_, g, err := e.Stores.Grants.LookupRefresh(context.Background(), e.Hasher.Digest(str(tok, "refreshToken")))
	if err != nil || !g.RotatedAt.IsZero() {
		t.Fatalf("the refresh token after the refused rotation: rotated at %v, %v; want not rotated", g.RotatedAt, err)
	}

	exec(`DROP TRIGGER audit_down`)
	e.Clock.Add(time.Minute) // past the grace: this is a rotation, not a retry
	status, body = refresh()
	if status != 200 || str(body, "accessToken") == "" {
		t.Fatalf("refresh once records are written: %d %v", status, body)
	}
	got := find(auditRecords(t, e), signet.AuditTokensIssued, "grant=refresh_token")
	if len(got) != 1 || got[0].ClientID != clientID || strings.Contains(got[0].Detail, "retry") {
		t.Errorf("the refresh's record: %+v", got)
	}
}
