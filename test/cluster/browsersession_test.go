package cluster

import (
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
)

// clone returns a second browser holding a copy of b's cookies for base:
// what someone who copied the cookie has.
func (b *browser) clone(t *testing.T, base string) *browser {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	jar.SetCookies(u, b.c.Jar.Cookies(u))
	return &browser{t: t, c: &http.Client{Jar: jar, Timeout: httpTimeout, CheckRedirect: b.c.CheckRedirect}}
}

// consentOrLogin opens an SSO OIDC authorization request on every node
// with b and reports, per node, whether the consent page came (signed in)
// rather than a redirect to the login page.
func (c *cluster) consentOrLogin(t *testing.T, b *browser, request string) []bool {
	t.Helper()
	var out []bool
	for _, n := range c.nodes {
		p := b.do(http.MethodGet, n.base+request, nil)
		switch {
		case p.status == http.StatusOK && strings.Contains(p.body, `action="/consent"`):
			out = append(out, true)
		case p.status == http.StatusSeeOther && strings.HasPrefix(p.location, "/login"):
			out = append(out, false)
		default:
			t.Fatalf("%s: status %d, location %q", n.name, p.status, p.location)
		}
	}
	return out
}

// BS-01 across nodes: a browser session signed out on one node, or
// revoked by id by an administrator, is refused by every node at the next
// use of a copied cookie: the record is in the shared database, read on
// every use.
func (c *cluster) testBS01(t *testing.T) {
	id, _ := c.registerSSO(t, "authorization_code", "refresh_token")
	request := "/authorize?" + authorizeQuery(id, loopback, newPKCE(), "scopes", ssoScope)
	all := func(v []bool, want bool) bool {
		for _, x := range v {
			if x != want {
				return false
			}
		}
		return true
	}

	// Signed out on n1.
	b := newBrowser(t)
	b.signIn(c.nodes[0].base, devUser, c.password, "/")
	stolen := b.clone(t, c.nodes[0].base)
	if got := c.consentOrLogin(t, stolen, request); !all(got, true) {
		t.Fatalf("copied cookie before sign-out: signed in on nodes %v, want all", got)
	}
	f := b.do(http.MethodGet, c.nodes[0].base+"/login", nil).form()
	if p := b.do(http.MethodPost, c.nodes[0].base+"/logout", f); p.status != http.StatusSeeOther {
		t.Fatalf("logout: status %d", p.status)
	}
	if got := c.consentOrLogin(t, stolen, request); !all(got, false) {
		t.Errorf("copied cookie after sign-out on n1: signed in on nodes %v, want none", got)
	}

	// Revoked by id from the admin command, while the nodes run.
	b = newBrowser(t)
	b.signIn(c.nodes[1].base, devUser, c.password, "/")
	stolen = b.clone(t, c.nodes[1].base)
	var sid string
	if err := c.db.QueryRow(t.Context(), `SELECT id FROM browser_sessions WHERE revoked_at = 0
		ORDER BY created_at DESC, id LIMIT 1`).Scan(&sid); err != nil {
		t.Fatal(err)
	}
	listed := admin(t, c.env, "sessions", "list", "--user", devUser, "--database-url", c.dbURL)
	if !strings.Contains(listed, sid+"  browser") && !strings.Contains(listed, sid+" browser") {
		t.Errorf("admin sessions list does not show browser session %s:\n%s", sid, listed)
	}
	if got := c.consentOrLogin(t, stolen, request); !all(got, true) {
		t.Fatalf("copied cookie before revocation: signed in on nodes %v, want all", got)
	}
	if out := admin(t, c.env, "sessions", "revoke", sid, "--database-url", c.dbURL); !strings.Contains(out, "revoked session "+sid) {
		t.Fatalf("admin sessions revoke: %q", out)
	}
	if got := c.consentOrLogin(t, stolen, request); !all(got, false) {
		t.Errorf("copied cookie after admin revocation: signed in on nodes %v, want none", got)
	}
	if got := c.consentOrLogin(t, b, request); !all(got, false) {
		t.Errorf("the browser itself after admin revocation: signed in on nodes %v, want none", got)
	}
}
