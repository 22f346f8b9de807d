package testenv_test

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/authserver"
	"github.com/signet-auth/signet/internal/testenv"
)

const bsLoopback = "http://127.0.0.1:53219/oauth/callback"

func challenge() string {
	v := rand.Text() + rand.Text()
	sum := sha256.Sum256([]byte(v))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// bsPages are the pages a browser session opens: the three authorization
// endpoints and the device page's confirmation step.
type bsPages struct {
	e                   *testenv.Env
	sso, signIn, oauth2 string // authorization requests
}

func newBSPages(t *testing.T, e *testenv.Env) *bsPages {
	t.Helper()
	ctx := context.Background()
	sso, err := e.Engine.RegisterClient(ctx, authserver.Registration{
		ClientName: "aws-cli", ClientType: "public", RedirectURIs: []string{bsLoopback},
		GrantTypes: []string{signet.GrantAuthorizationCode, signet.GrantRefreshToken}, Scopes: []string{"sso:account:access"},
	})
	if err != nil {
		t.Fatal(err)
	}
	app, err := e.Engine.CreateClient(ctx, authserver.ClientSpec{
		Name: "portal", Type: signet.ClientConfidential, GrantTypes: []string{signet.GrantAuthorizationCode},
		RedirectURIs: []string{"https://portal.example.com/cb"}, Scopes: []string{"openid"},
	})
	if err != nil {
		t.Fatal(err)
	}
	q := func(v url.Values) string { return v.Encode() }
	return &bsPages{
		e: e,
		sso: "/authorize?" + q(url.Values{"response_type": {"code"}, "client_id": {sso.Client.ID}, "redirect_uri": {bsLoopback},
			"state": {"st"}, "code_challenge_method": {"S256"}, "code_challenge": {challenge()}, "scopes": {"sso:account:access"}}),
		signIn: "/v1/authorize?" + q(url.Values{"response_type": {"code"}, "client_id": {"arn:aws:signin:::devtools/same-device"},
			"redirect_uri": {bsLoopback}, "state": {"st"}, "code_challenge_method": {"SHA-256"}, "code_challenge": {challenge()},
			"scope": {"openid"}}),
		oauth2: "/oauth2/authorize?" + q(url.Values{"response_type": {"code"}, "client_id": {app.Client.ID},
			"redirect_uri": {"https://portal.example.com/cb"}, "state": {"st"}, "code_challenge_method": {"S256"},
			"code_challenge": {challenge()}, "scope": {"openid"}}),
	}
}

// signedIn reports, per page, whether b got the signed-in page (consent or
// device decision) rather than a redirect to the login form.
func (p *bsPages) signedIn(t *testing.T, b *testenv.Browser) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	look := func(name string, pg testenv.Page, form string) {
		switch {
		case pg.Status == http.StatusOK && strings.Contains(pg.Body, `action="`+form+`"`):
			out[name] = true
		case pg.Status == http.StatusSeeOther && strings.HasPrefix(pg.Location, "/login"):
			out[name] = false
		default:
			t.Fatalf("%s: status %d, location %q", name, pg.Status, pg.Location)
		}
	}
	look("/authorize", b.Get(p.sso), "/consent")
	look("/v1/authorize", b.Get(p.signIn), "/consent")
	look("/oauth2/authorize", b.Get(p.oauth2), "/consent")

	d, err := p.e.Engine.StartDevice(context.Background(), signet.ProtocolSSOOIDC, p.deviceClient(t), []string{"sso:account:access"})
	if err != nil {
		t.Fatal(err)
	}
	form := b.Get("/device").Hidden()
	form.Set("user_code", d.UserCode)
	pg := b.Post("/device", form)
	if pg.Status != http.StatusSeeOther {
		t.Fatalf("device lookup: status %d", pg.Status)
	}
	look("/device", b.Get(pg.Location), "/device/decision")
	return out
}

func (p *bsPages) deviceClient(t *testing.T) string {
	t.Helper()
	c, err := p.e.Engine.RegisterClient(context.Background(), authserver.Registration{ClientName: "device", ClientType: "public"})
	if err != nil {
		t.Fatal(err)
	}
	return c.Client.ID
}

func every(m map[string]bool, want bool) bool {
	for _, v := range m {
		if v != want {
			return false
		}
	}
	return len(m) == 4
}

// TestBS01_CopiedCookieRefused: a copy of the session cookie opens the
// pages only while the sign-in it belongs to lasts. Signing out, the
// administrator's revoke --user, disabling the user (even once enabled
// again) and a password change each end it at once, on every page: no
// consent, no device approval, and a consent form fetched before is
// refused when posted after.
func TestBS01_CopiedCookieRefused(t *testing.T) {
	for _, tc := range []struct {
		name string
		end  func(t *testing.T, e *testenv.Env, b *testenv.Browser)
	}{
		{"logout", func(t *testing.T, _ *testenv.Env, b *testenv.Browser) {
			if p := b.SignOut(); p.Status != http.StatusSeeOther {
				t.Fatalf("sign-out: status %d", p.Status)
			}
		}},
		{"revoke --user", func(t *testing.T, e *testenv.Env, _ *testenv.Browser) {
			if _, n, err := e.Engine.RevokeUserSessions(context.Background(), e.User.ID, "admin"); err != nil || n != 1 {
				t.Fatalf("RevokeUserSessions: %d browser sessions, %v", n, err)
			}
		}},
		{"disable and enable again", func(t *testing.T, e *testenv.Env, _ *testenv.Browser) {
			for _, disabled := range []bool{true, false} {
				if err := e.Engine.SetDisabled(context.Background(), e.User.ID, disabled); err != nil {
					t.Fatal(err)
				}
			}
		}},
		{"password change", func(t *testing.T, e *testenv.Env, _ *testenv.Browser) {
			if err := e.Engine.SetPassword(context.Background(), e.User.ID, testenv.UserPassword+" 2"); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := testenv.New(t, testenv.Options{})
			pages := newBSPages(t, e)
			b := e.Browser(t)
			b.SignIn()
			stolen := b.Clone(t)
			if got := pages.signedIn(t, stolen); !every(got, true) {
				t.Fatalf("the copy before: signed in at %v, want everywhere", got)
			}
			consent := stolen.Get(pages.sso).Hidden()
			consent.Set("decision", "approve")

			e.Clock.Add(time.Second) // the change comes after the sign-in
			tc.end(t, e, b)

			if got := pages.signedIn(t, stolen); !every(got, false) {
				t.Errorf("the copy after %s: signed in at %v, want nowhere", tc.name, got)
			}
			if p := stolen.Post("/consent", consent); p.Status == http.StatusSeeOther && strings.Contains(p.Location, "code=") {
				t.Errorf("the copy's consent after %s was honoured: %s", tc.name, p.Location)
			}
			if b.SignedIn() {
				t.Errorf("the browser itself is still signed in after %s", tc.name)
			}
		})
	}
}
