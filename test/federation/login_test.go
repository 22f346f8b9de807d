package federation

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/zitadel/oidc/v3/example/server/storage"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/internal/zitadeltest"
)

// TestUpstreamLoginWithZitadel: the login page offers the provider; its
// button leads through the provider's own login form back to signet,
// signed in as a user created on the spot with the provider's groups; a
// second login finds the same user.
func TestUpstreamLoginWithZitadel(t *testing.T) {
	e := newEnv(t)
	z := zitadeltest.Start(t, "signet-"+t.Name(), "zsecret", e.callback("zitadel"))
	z.Users.Add(zitadeltest.User{User: storage.User{ID: "zu-1", Username: "bob@corp.example", Password: "pw-bob",
		FirstName: "Bob", LastName: "Builder", Email: "bob@corp.example", EmailVerified: true}, Groups: []string{"aws-dev"}})
	e.addIdP(t, "zitadel", z.Issuer, "signet-"+t.Name(), "zsecret")

	b := newBrowser(t)
	login := b.get(e.URL + "/login")
	if !strings.Contains(login.Body, `href="/login/federated/zitadel"`) || !strings.Contains(login.Body, "Continue with Zitadel") {
		t.Fatalf("no provider button on the login page:\n%s", login.Body)
	}
	opForm := b.follow(e.URL+"/login/federated/zitadel", nil)
	done := b.zitadelLogin(opForm, "bob@corp.example", "pw-bob", nil)
	if done.Status != http.StatusOK || !strings.Contains(done.Body, "bob@corp.example") {
		t.Fatalf("after the provider: %s %d\n%s\nlog:\n%s", done.URL, done.Status, done.Body, e.log.String())
	}
	ctx := context.Background()
	id, err := e.Stores.Federation.GetIdentity(ctx, "zitadel", "zu-1")
	if err != nil {
		t.Fatal(err)
	}
	u, err := e.Stores.Users.GetUser(ctx, id.UserID)
	if err != nil || u.Name != "bob@corp.example" || u.DisplayName != "Bob Builder" || u.PasswordHash != "" {
		t.Fatalf("user %+v, %v", u, err)
	}
	groups, _ := e.Stores.Federation.UserGroups(ctx, u.ID)
	if len(groups) != 1 || groups[0] != "aws-dev" {
		t.Fatalf("groups %v", groups)
	}
	bs, err := e.Stores.Browser.ListBrowserSessions(ctx, signet.SessionFilter{UserID: u.ID})
	if err != nil || len(bs) != 1 {
		t.Fatalf("browser sessions %v, %v", bs, err)
	}

	// Again, in another browser: the same user.
	n := userCount(t, e)
	b2 := newBrowser(t)
	b2.zitadelLogin(b2.follow(e.URL+"/login/federated/zitadel?return="+url.QueryEscape("/device"), nil), "bob@corp.example", "pw-bob",
		func(u string) bool { return strings.HasPrefix(u, e.URL+"/device") })
	if userCount(t, e) != n {
		t.Fatal("a second login created another user")
	}
}
