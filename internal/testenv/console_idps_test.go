package testenv_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/internal/testenv"
)

// The console's identity providers and group rules: an administrator adds
// a provider (its secret only as a reference: the secret itself is
// refused without being echoed, and nothing is stored), a group rule,
// removes both; each change is an admin.change record with the
// administrator as the actor.
func TestConsoleIdentityProviders(t *testing.T) {
	e := testenv.New(t, testenv.Options{AdminUsers: []string{testenv.UserName}})
	ctx := context.Background()
	b := e.Browser(t)
	b.EnrolTOTP(e.Clock.Now, "/admin/idps")
	p := b.Get("/admin/idps")
	if p.Status != http.StatusOK || !strings.Contains(p.Body, `id="add-idp"`) {
		t.Fatalf("identity providers page: %d %s", p.Status, p.Location)
	}
	csrf := p.Hidden().Get("csrf")
	post := func(v url.Values) testenv.Page {
		t.Helper()
		v.Set("csrf", csrf)
		return b.Post("/admin/idps", v)
	}
	idp := url.Values{"action": {"add-idp"}, "name": {"okta"}, "display_name": {"Okta"}, "issuer": {"https://example.okta.com"},
		"client_id": {"0oa1"}, "client_secret": {"s3cr3t-typed-by-mistake"}, "scopes": {"profile email groups"},
		"allowed_groups": {"staff"}}
	if p := post(idp); p.Status != http.StatusBadRequest || strings.Contains(p.Body, "s3cr3t-typed-by-mistake") ||
		!strings.Contains(p.Body, "env:VAR or file:PATH") {
		t.Fatalf("a secret instead of a reference: %d (echoed: %t)", p.Status, strings.Contains(p.Body, "s3cr3t-typed-by-mistake"))
	}
	if ps, _ := e.Stores.Federation.ListIdPs(ctx); len(ps) != 0 {
		t.Fatalf("a refused provider was stored: %+v", ps)
	}
	idp.Set("client_secret", "env:OKTA_CLIENT_SECRET")
	if p := post(idp); p.Status != http.StatusSeeOther {
		t.Fatalf("add provider: %d %s", p.Status, p.Body)
	}
	got, err := e.Stores.Federation.GetIdP(ctx, "okta")
	if err != nil || got.ClientSecretRef != "env:OKTA_CLIENT_SECRET" || got.Issuer != "https://example.okta.com" ||
		len(got.AllowedGroups) != 1 || len(got.Scopes) != 3 {
		t.Fatalf("stored provider: %+v %v", got, err)
	}
	if p := b.Get("/admin/idps"); !strings.Contains(p.Body, "env:OKTA_CLIENT_SECRET") || !strings.Contains(p.Body, "https://example.okta.com") {
		t.Fatal("the provider is not listed")
	}
	rule := url.Values{"action": {"add-rule"}, "group": {"aws-dev"}, "account": {"111122223333"}, "role": {"Developer"}}
	if p := post(rule); p.Status != http.StatusSeeOther {
		t.Fatalf("add rule: %d", p.Status)
	}
	if p := post(rule); p.Status != http.StatusBadRequest || !strings.Contains(p.Body, "already gives") {
		t.Fatalf("the same rule again: %d", p.Status)
	}
	if p := post(url.Values{"action": {"add-rule"}, "group": {"x"}, "account": {"1111"}, "role": {"Developer"}}); p.Status != http.StatusBadRequest {
		t.Fatalf("a bad account: %d", p.Status)
	}
	if rs, _ := e.Stores.Federation.ListGroupRules(ctx); len(rs) != 1 {
		t.Fatalf("rules: %+v", rs)
	}
	rule.Set("action", "remove-rule")
	if p := post(rule); p.Status != http.StatusSeeOther {
		t.Fatalf("remove rule: %d", p.Status)
	}
	if p := post(url.Values{"action": {"remove-idp"}, "name": {"okta"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("remove provider: %d", p.Status)
	}
	if ps, _ := e.Stores.Federation.ListIdPs(ctx); len(ps) != 0 {
		t.Fatalf("providers after the removal: %+v", ps)
	}

	var changes []string
	for _, r := range find(auditRecords(t, e), signet.AuditAdminChange, "") {
		if strings.HasPrefix(r.Detail, "idp ") || strings.HasPrefix(r.Detail, "group rule ") {
			if r.Actor != "user:"+testenv.UserName || r.Surface != "admin" {
				t.Errorf("record %q: actor %q surface %q", r.Detail, r.Actor, r.Surface)
			}
			changes = append(changes, r.Detail)
		}
	}
	want := []string{
		"idp set name=okta issuer=https://example.okta.com client_id=0oa1 client_secret=env:OKTA_CLIENT_SECRET allowed_groups=staff",
		"group rule added group=aws-dev assignment=111122223333/Developer",
		"group rule removed group=aws-dev assignment=111122223333/Developer",
		"idp removed name=okta",
	}
	if strings.Join(changes, "\n") != strings.Join(want, "\n") {
		t.Fatalf("records:\n%s\nwant:\n%s", strings.Join(changes, "\n"), strings.Join(want, "\n"))
	}
}
