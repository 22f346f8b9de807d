package testenv_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/internal/testenv"
	"github.com/signet-auth/signet/ratelimit"
)

// AU-01/LockoutRecorded: the failed sign-in that spends the login budget is
// recorded as a lockout once, naming the budget but neither the address
// nor the name it is keyed on; every failure before it is a login.failed.
func TestAU01_LoginLockoutRecorded(t *testing.T) {
	p := ratelimit.DefaultPolicy()
	e := testenv.New(t, testenv.Options{RateLimits: &p})
	b := e.Browser(t)
	for i := range p.LoginAccount.N {
		form := b.Get("/login").Hidden()
		form.Set("username", testenv.UserName)
		form.Set("password", "wrong password")
		if pg := b.Post("/login", form); pg.Status == http.StatusSeeOther {
			t.Fatalf("wrong password %d signed in", i)
		}
	}
	recs := auditRecords(t, e)
	if n := len(find(recs, signet.AuditLoginFailed, "reason=wrong_password")); n != p.LoginAccount.N {
		t.Errorf("%d login.failed records for %d failures", n, p.LoginAccount.N)
	}
	locks := find(recs, signet.AuditRateLimited, "budget=login:account")
	if len(locks) != 1 {
		t.Fatalf("lockout records: %+v", locks)
	}
	l := locks[0]
	if l.Outcome != signet.AuditFailure || l.Surface != "web" || l.Address != "127.0.0.1" ||
		strings.Contains(l.Detail, testenv.UserName) || strings.Contains(l.Detail, "127.0.0.1") {
		t.Errorf("lockout record %+v", l)
	}
}

// AU-01/ClientSecretLockoutRecorded: the wrong client secret that spends
// the client's failure budget from an address is one lockout record naming
// the client, and the wrong secrets are nowhere in the trail.
func TestAU01_ClientSecretLockoutRecorded(t *testing.T) {
	p := ratelimit.DefaultPolicy()
	p.ClientAuth = ratelimit.Limit{N: 3, Per: p.ClientAuth.Per}
	e := testenv.New(t, testenv.Options{RateLimits: &p})
	f := &se06Flow{t: t, e: e, secrets: map[string]string{}}
	status, reg := f.call("POST", "/client/register", map[string]any{"clientName": "lockout", "clientType": "public"}, nil)
	if status != 200 {
		t.Fatalf("register: %d %v", status, reg)
	}
	clientID, secret := str(reg, "clientId"), str(reg, "clientSecret")
	wrong := secret[:len(secret)-4] + "XXXX"
	for i := range p.ClientAuth.N {
		if status, _ := f.call("POST", "/token", map[string]any{
			"clientId": clientID, "clientSecret": wrong, "grantType": "refresh_token", "refreshToken": "aor" + strings.Repeat("A", 43),
		}, nil); status != http.StatusUnauthorized {
			t.Fatalf("wrong secret %d: %d, want 401", i, status)
		}
	}
	recs := auditRecords(t, e)
	locks := find(recs, signet.AuditRateLimited, "budget=client-auth")
	if len(locks) != 1 || locks[0].ClientID != clientID || locks[0].Outcome != signet.AuditFailure {
		t.Fatalf("lockout records: %+v", locks)
	}
	for _, r := range recs {
		if strings.Contains(fmt.Sprintf("%+v", r), wrong) || strings.Contains(fmt.Sprintf("%+v", r), secret) {
			t.Errorf("a client secret is in the record %+v", r)
		}
	}
}
