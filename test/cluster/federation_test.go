package cluster

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/zitadel/oidc/v3/example/server/storage"

	"github.com/signet-auth/signet/internal/zitadeltest"
)

var opLoginIDRe = regexp.MustCompile(`name="id" value="([^"]+)"`)

// TestUpstreamLoginAcrossNodes: a login through an upstream OpenID
// Provider (zitadel/oidc's example provider) starts on one node and its
// callback is answered by another: the pending login is in PostgreSQL, not
// in the memory of the node that started it. A third node sees the
// browser signed in, and the same callback replayed on it is refused: the
// state is used once across all nodes (catalogue FD-02).
func TestUpstreamLoginAcrossNodes(t *testing.T) {
	c := startCluster(t)
	callback := c.issuer + "/login/federated/corp/callback"
	z := zitadeltest.Start(t, "signet-cluster", "cluster-client-secret", callback)
	z.Users.Add(zitadeltest.User{User: storage.User{ID: "zu-eve", Username: "eve@corp.example", Password: "pw-eve",
		FirstName: "Eve", LastName: "Node", Email: "eve@corp.example", EmailVerified: true}, Groups: []string{"aws-dev"}})
	secret := filepath.Join(t.TempDir(), "corp.secret")
	if err := os.WriteFile(secret, []byte("cluster-client-secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	admin(t, c.env, "idp", "add", "corp", "--issuer", z.Issuer, "--client-id", "signet-cluster",
		"--client-secret", "file:"+secret, "--scope", "profile", "--database-url", c.dbURL)

	starter, answerer, third := c.nodes[1], c.nodes[0], c.nodes[2]
	b := newBrowser(t)
	p := b.do(http.MethodGet, starter.base+"/login/federated/corp?return="+url.QueryEscape("/device"), nil)
	if p.status != http.StatusFound || !strings.HasPrefix(p.location, z.Issuer) {
		t.Fatalf("begin on %s: %d %q\n%s", starter.name, p.status, p.location, p.body)
	}
	// The provider's login form, then its redirects up to signet.
	loc := p.location
	for range 5 {
		p = b.do(http.MethodGet, abs(z.Issuer, loc), nil)
		if p.location == "" {
			break
		}
		loc = p.location
	}
	m := opLoginIDRe.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("not the provider's login form (%d):\n%s", p.status, p.body)
	}
	p = b.do(http.MethodPost, z.Issuer+"/login/username", url.Values{"id": {m[1]}, "username": {"eve@corp.example"}, "password": {"pw-eve"}})
	loc = p.location
	for range 5 {
		if strings.HasPrefix(loc, callback) {
			break
		}
		p = b.do(http.MethodGet, abs(z.Issuer, loc), nil)
		loc = p.location
	}
	if !strings.HasPrefix(loc, callback) || !strings.HasPrefix(callback, answerer.base) || answerer.base == starter.base {
		t.Fatalf("the provider sent the browser to %q; want %s's callback, not %s's", loc, answerer.name, starter.name)
	}
	p = b.do(http.MethodGet, loc, nil)
	if p.status != http.StatusSeeOther || p.location != "/device" {
		t.Fatalf("callback on %s: %d %q\n%s\n%s", answerer.name, p.status, p.location, p.body, tail(answerer.logs(), 20))
	}
	if page := b.do(http.MethodGet, third.base+"/login", nil); !strings.Contains(page.body, "Signed in as <strong>eve@corp.example</strong>") {
		t.Fatalf("%s does not see the sign-in:\n%s", third.name, page.body)
	}
	thirdLoc := strings.Replace(loc, answerer.base, third.base, 1)
	if p := b.do(http.MethodGet, thirdLoc, nil); p.status != http.StatusBadRequest {
		t.Fatalf("the callback replayed on %s: %d, want 400", third.name, p.status)
	}
	if out := admin(t, c.env, "user", "list", "--database-url", c.dbURL); !strings.Contains(out, "eve@corp.example") {
		t.Fatalf("user list lacks the federated user:\n%s", out)
	}
}

// abs resolves a Location against base.
func abs(base, loc string) string {
	u, err := url.Parse(base)
	if err != nil {
		return loc
	}
	r, err := u.Parse(loc)
	if err != nil {
		return loc
	}
	return r.String()
}
