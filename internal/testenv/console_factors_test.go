package testenv_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/authserver"
	"github.com/signet-auth/signet/internal/testenv"
)

// The console's users page shows how each user signs in — the
// authenticator app, passkeys, recovery codes left, the identity
// providers of a federated user — and resets a user's factors: they are
// gone, the user's sessions end, and the reset is an mfa.removed record
// with the administrator as the actor.
func TestConsoleUsersFactors(t *testing.T) {
	e := testenv.New(t, testenv.Options{AdminUsers: []string{testenv.UserName}})
	ctx := context.Background()
	now := e.Clock.Now()
	if err := e.Stores.Federation.SetIdP(ctx, signet.IdentityProvider{Name: "okta", Kind: signet.IdPOIDC,
		Issuer: "https://example.okta.com", ClientID: "0oa1", CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	fred, err := e.Engine.FederatedLogin(ctx, authserver.FederatedLogin{IdP: "okta", Subject: "okta-sub-1", Username: "fred"})
	if err != nil {
		t.Fatal(err)
	}
	b := e.Browser(t)
	b.EnrolTOTP(e.Clock.Now, "/admin/users")
	p := b.Get("/admin/users")
	if p.Status != http.StatusOK {
		t.Fatalf("users page: %d %s", p.Status, p.Location)
	}
	row := func(name string) string {
		i := strings.Index(p.Body, `<tr id="user-`+name+`">`)
		if i < 0 {
			t.Fatalf("no row for %s", name)
		}
		r := p.Body[i:]
		return r[:strings.Index(r, "</tr>")]
	}
	if r := row(testenv.UserName); !strings.Contains(r, "authenticator app") || !strings.Contains(r, "10 recovery codes left") ||
		!strings.Contains(r, "Reset factors") {
		t.Errorf("the administrator's row: %s", r)
	}
	if r := row(fred.Name); !strings.Contains(r, `via <span class="mono">okta</span>`) || strings.Contains(r, "Reset factors") {
		t.Errorf("the federated user's row: %s", r)
	}
	csrf := p.Hidden().Get("csrf")
	if p := b.Post("/admin/users", url.Values{"csrf": {csrf}, "action": {"reset-factors"}, "user": {"no-such-user"}}); p.Status != http.StatusBadRequest {
		t.Errorf("reset of no user: %d", p.Status)
	}
	if p := b.Post("/admin/users", url.Values{"csrf": {csrf}, "action": {"reset-factors"}, "user": {e.User.ID}}); p.Status != http.StatusSeeOther {
		t.Fatalf("reset: %d %s", p.Status, p.Body)
	}
	st, err := e.Engine.MFAStatus(ctx, e.User)
	if err != nil || st.Enrolled() || st.RecoveryLeft != 0 {
		t.Fatalf("after the reset: %+v %v", st, err)
	}
	if p := b.Get("/admin/users"); p.Status != http.StatusSeeOther {
		t.Errorf("the reset user's own session after the reset: %d, want it ended", p.Status)
	}
	recs := find(auditRecords(t, e), signet.AuditFactorRemoved, "reset")
	if len(recs) != 1 || recs[0].Actor != "user:"+testenv.UserName || recs[0].UserID != e.User.ID || recs[0].Surface != "admin" {
		t.Fatalf("reset records: %+v", recs)
	}
}
