package federation

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/zitadel/oidc/v3/example/server/storage"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/internal/zitadeltest"
)

// TestSurfacesThroughUpstreamLogin: Sign-In's /v1/authorize (aws login)
// and the standard /oauth2/authorize both send a person who is not signed
// in to the login page, whose provider button leads through the upstream
// login and back to the same request's consent; Sign-In offers the
// assignment a group rule gave, and the approval sends a code to the
// client.
func TestSurfacesThroughUpstreamLogin(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	z := zitadeltest.Start(t, "signet-surfaces", "zsecret", e.callback("corp"))
	z.Users.Add(zitadeltest.User{User: storage.User{ID: "zu-f", Username: "frank@corp.example", Password: "pw-f",
		FirstName: "Frank", LastName: "Surface"}, Groups: []string{"aws-dev"}})
	e.addIdP(t, "corp", z.Issuer, "signet-surfaces", "zsecret")
	if err := e.Stores.Federation.AddGroupRule(ctx, signet.GroupRule{Group: "aws-dev", AccountID: "111122223333", RoleName: "Developer"}); err != nil {
		t.Fatal(err)
	}
	app := e.IAMApplication(t, "team-portal", "https://portal.example.com/cb", "openid", "profile")
	sum := sha256.Sum256([]byte("verifier-0123456789-0123456789-0123456789-0123"))
	challenge := base64.RawURLEncoding.EncodeToString(sum[:])

	for _, tc := range []struct {
		name, request, redirect string
		form                    func(url.Values)
	}{
		{"/v1/authorize", "/v1/authorize?" + url.Values{"response_type": {"code"}, "client_id": {signet.SignInSameDevice},
			"redirect_uri": {"http://127.0.0.1:53219/oauth/callback"}, "state": {"st-v1"}, "scope": {"openid"},
			"code_challenge": {challenge}, "code_challenge_method": {"SHA-256"}}.Encode(),
			"http://127.0.0.1:53219/oauth/callback", func(f url.Values) { f.Set("assignment", "111122223333/Developer") }},
		{"/oauth2/authorize", "/oauth2/authorize?" + url.Values{"response_type": {"code"}, "client_id": {app.ID},
			"redirect_uri": {"https://portal.example.com/cb"}, "state": {"st-o2"}, "scope": {"openid profile"},
			"code_challenge": {challenge}, "code_challenge_method": {"S256"}}.Encode(),
			"https://portal.example.com/cb", func(url.Values) {}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newBrowser(t)
			login := b.follow(e.URL+tc.request, nil)
			if !strings.Contains(login.URL, "/login?") {
				t.Fatalf("not sent to the login page: %s (%d)", login.URL, login.Status)
			}
			m := regexp.MustCompile(`href="(/login/federated/corp\?return=[^"]+)"`).FindStringSubmatch(login.Body)
			if m == nil {
				t.Fatalf("no button carrying the request:\n%s", login.Body)
			}
			href := strings.ReplaceAll(m[1], "&amp;", "&")
			consent := b.zitadelLogin(b.follow(e.URL+href, nil), "frank@corp.example", "pw-f", nil)
			if consent.Status != http.StatusOK || !strings.Contains(consent.Body, `action="/consent"`) {
				t.Fatalf("not back at the consent page: %s %d\n%s", consent.URL, consent.Status, consent.Body)
			}
			if tc.name == "/v1/authorize" && !strings.Contains(consent.Body, `value="111122223333/Developer"`) {
				t.Fatalf("the group's assignment is not offered:\n%s", consent.Body)
			}
			f := consent.hidden()
			f.Set("decision", "approve")
			tc.form(f)
			r := b.do(http.MethodPost, e.URL+"/consent", f)
			if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, tc.redirect+"?") {
				t.Fatalf("consent: %d %q\n%s", r.Status, r.Location, r.Body)
			}
			if u, _ := url.Parse(r.Location); u.Query().Get("code") == "" {
				t.Fatalf("no code in %s", r.Location)
			}
		})
	}
}
