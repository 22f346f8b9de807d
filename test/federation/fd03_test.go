package federation

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/zitadel/oidc/v3/example/server/storage"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/internal/zitadeltest"
)

// TestFD03_NeverLinkedByEmail: upstream accounts whose name or e-mail is a
// local user's get users of their own, found again by (IdP, subject) even
// after the e-mail changes upstream; the local users keep their sessions
// and their assignments go to nobody else (catalogue FD-03).
func TestFD03_NeverLinkedByEmail(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	// A local user named by an e-mail address, besides testenv's alice.
	carol, err := e.Engine.CreateUser(ctx, "carol@corp.example", "Carol", "a long enough local password")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Engine.SetAssignments(ctx, carol.ID, []signet.Assignment{{AccountID: "444455556666", RoleName: "Admin"}}); err != nil {
		t.Fatal(err)
	}
	z := zitadeltest.Start(t, "signet-fd03", "zsecret", e.callback("corp"))
	// One upstream account reuses alice's login name, another carol's
	// name as its e-mail and preferred name.
	z.Users.Add(zitadeltest.User{User: storage.User{ID: "zu-a", Username: "alice", Password: "pw-a", Email: "alice@corp.example",
		FirstName: "Not", LastName: "Alice"}})
	z.Users.Add(zitadeltest.User{User: storage.User{ID: "zu-c", Username: "carol@corp.example", Password: "pw-c",
		Email: "carol@corp.example", FirstName: "Not", LastName: "Carol"}})
	e.addIdP(t, "corp", z.Issuer, "signet-fd03", "zsecret")

	login := func(user, pw string) signet.User {
		t.Helper()
		b := newBrowser(t)
		p := b.zitadelLogin(b.follow(e.URL+"/login/federated/corp", nil), user, pw, nil)
		if p.Status != http.StatusOK {
			t.Fatalf("login of %s: %d\n%s", user, p.Status, p.Body)
		}
		sub := map[string]string{"alice": "zu-a", "carol@corp.example": "zu-c"}[user]
		id, err := e.Stores.Federation.GetIdentity(ctx, "corp", sub)
		if err != nil {
			t.Fatal(err)
		}
		u, err := e.Stores.Users.GetUser(ctx, id.UserID)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	aliceSession := e.Browser(t)
	aliceSession.SignIn()

	fa := login("alice", "pw-a")
	fc := login("carol@corp.example", "pw-c")
	for _, c := range []struct {
		fed   signet.User
		local signet.User
	}{{fa, e.User}, {fc, carol}} {
		if c.fed.ID == c.local.ID {
			t.Fatalf("the upstream account was linked to local user %s", c.local.Name)
		}
		if !strings.HasSuffix(c.fed.Name, "+corp") || c.fed.PasswordHash != "" {
			t.Errorf("federated user %q (password hash set: %v)", c.fed.Name, c.fed.PasswordHash != "")
		}
		for _, a := range c.local.Assignments {
			if slices.Contains(c.fed.Assignments, a) {
				t.Errorf("federated user %s got local %s's assignment %v", c.fed.Name, c.local.Name, a)
			}
		}
		bs, _ := e.Stores.Browser.ListBrowserSessions(ctx, signet.SessionFilter{UserID: c.fed.ID})
		if len(bs) != 1 {
			t.Errorf("%s: %d browser sessions", c.fed.Name, len(bs))
		}
	}
	// The local user's own session is untouched and is still alice's.
	if p := aliceSession.Get("/login"); !strings.Contains(p.Body, "Signed in as <strong>alice</strong>") {
		t.Errorf("alice's session after the upstream logins:\n%s", p.Body)
	}

	// The e-mail changes upstream (to the local user's name, even): the
	// same subject finds the same user.
	z.Users.Add(zitadeltest.User{User: storage.User{ID: "zu-a", Username: "alice", Password: "pw-a", Email: "alice",
		FirstName: "Not", LastName: "Alice"}})
	if again := login("alice", "pw-a"); again.ID != fa.ID {
		t.Errorf("the same subject became user %s, was %s", again.ID, fa.ID)
	}
}
