package testenv_test

import (
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
