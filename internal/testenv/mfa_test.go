package testenv_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/authserver"
	"github.com/signet-auth/signet/internal/testenv"
	"github.com/signet-auth/signet/internal/testsupport"
)

// Second factors through the real server's pages, with a browser that
// keeps cookies and sees every redirect.

// approvalURLs are authorization requests of each protocol that a
// complete session gets the consent page for.
func approvalURLs(t *testing.T, e *testenv.Env) []string {
	t.Helper()
	c, err := e.Engine.RegisterClient(context.Background(), authserver.Registration{ClientName: "mfa-test", ClientType: "public",
		GrantTypes:   []string{signet.GrantAuthorizationCode, signet.GrantRefreshToken},
		RedirectURIs: []string{"http://127.0.0.1/oauth/callback"}, Scopes: []string{"openid"}})
	if err != nil {
		t.Fatal(err)
	}
	q := func(clientID, method string) string {
		return url.Values{"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {"http://127.0.0.1:53219/oauth/callback"},
			"code_challenge": {"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"}, "code_challenge_method": {method}, "state": {"s"}, "scope": {"openid"}}.Encode()
	}
	return []string{
		"/authorize?" + q(c.Client.ID, "S256"),
		"/oauth2/authorize?" + q(c.Client.ID, "S256"),
		"/v1/authorize?" + q(signet.SignInSameDevice, "SHA-256"),
	}
}

// MF-03: with MFA required, a password-only session reaches no approval:
// not the consent page of any authorization endpoint, not the device
// page, not a consent or device decision posted by hand. The same
// requests get the consent page once the second step is done.
func TestMF03_PasswordOnlySessionApprovesNothing(t *testing.T) {
	e := testenv.New(t, testenv.Options{MFA: "required"})
	complete := e.Browser(t)
	complete.EnrolTOTP(e.Clock.Now, "")
	urls := approvalURLs(t, e)
	for _, u := range urls {
		if p := complete.Get(u); p.Status != http.StatusOK || !strings.Contains(p.Body, `action="/consent"`) {
			t.Fatalf("%s with a complete session: %d %s", u, p.Status, p.Location)
		}
	}
	if p := complete.Get("/device"); p.Status != http.StatusOK || !strings.Contains(p.Body, `action="/device"`) {
		t.Fatalf("device page with a complete session: %d", p.Status)
	}
	e.Clock.Add(time.Minute)

	b := e.Browser(t)
	if loc := b.SignInAs(testenv.UserName, testenv.UserPassword, ""); !strings.HasPrefix(loc, "/login/mfa") {
		t.Fatalf("after the password: %s, want the second step", loc)
	}
	csrf := b.Get("/login/mfa").Hidden().Get("csrf")
	if csrf == "" {
		t.Fatal("no CSRF token on the second-step page")
	}
	for _, path := range append(urls, "/device", "/mfa") {
		p := b.Get(path)
		if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/login") {
			t.Errorf("%s: %d %s, want a redirect to sign in", path, p.Status, p.Location)
		}
		if strings.Contains(p.Body, `action="/consent"`) || strings.Contains(p.Body, `action="/device"`) {
			t.Errorf("%s: a password-only session got the approval page", path)
		}
	}
	for _, path := range []string{"/consent", "/device/decision"} {
		p := b.Post(path, url.Values{"csrf": {csrf}, "flow": {"x"}, "decision": {"approve"}})
		if p.Status != http.StatusForbidden {
			t.Errorf("POST %s: %d, want 403", path, p.Status)
		}
	}
}

// MF-03: a session that was complete under the policy in force loses its
// approvals when the policy comes to require a factor it did not show; the
// engine refuses the approval itself, whatever the pages let through.
func TestMF03_ApprovalRechecksPolicy(t *testing.T) {
	ctx := context.Background()
	e := testenv.New(t, testenv.Options{})
	b := e.Browser(t)
	b.SignIn()
	if err := e.Engine.CheckSecondFactor(ctx, e.User.ID, []string{signet.AMRPassword}); err != nil {
		t.Fatalf("optional, no factor: %v", err)
	}
	if err := e.Engine.SetMFAPolicy(ctx, e.User.ID, signet.MFARequired); err != nil {
		t.Fatal(err)
	}
	if b.SignedIn() {
		t.Error("a password-only session still signed in after the policy became required")
	}
	if err := e.Engine.CheckSecondFactor(ctx, e.User.ID, []string{signet.AMRPassword}); signet.ErrorCodeOf(err) != signet.CodeAccessDenied {
		t.Errorf("engine check of a password-only session: %v", err)
	}
}

// MF-01 at the pages: the second step with an authenticator code, a code
// reused within its step refused, and wrong codes at speed running into
// the failure budget (429 with Retry-After, even for the right code).
func TestMF01_SecondStepAtThePages(t *testing.T) {
	e := testenv.New(t, testenv.Options{MFA: "required"})
	secret, _ := e.Browser(t).EnrolTOTP(e.Clock.Now, "")
	e.Clock.Add(2 * time.Minute)
	code := testsupport.TOTPCode(secret, e.Clock.Now())

	b := e.Browser(t)
	b.SignInAs(testenv.UserName, testenv.UserPassword, "")
	if p := b.SecondStep("", "code", code); p.Status != http.StatusSeeOther {
		t.Fatalf("right code: %d", p.Status)
	}
	if !b.SignedIn() {
		t.Fatal("not signed in after the second step")
	}
	rec, err := e.Stores.Browser.ListBrowserSessions(context.Background(), signet.SessionFilter{UserID: e.User.ID, LiveOnly: true, Now: e.Clock.Now()})
	if err != nil || len(rec) == 0 || strings.Join(rec[len(rec)-1].AMR, " ") != "pwd otp mfa" {
		t.Fatalf("session AMR: %+v %v", rec, err)
	}

	other := e.Browser(t)
	other.SignInAs(testenv.UserName, testenv.UserPassword, "")
	if p := other.SecondStep("", "code", code); p.Status != http.StatusBadRequest {
		t.Errorf("the same code in another browser, same step: %d, want 400", p.Status)
	}
	for i := 0; i < 4; i++ {
		other.SecondStep("", "code", "000001")
	}
	e.Clock.Add(30 * time.Second)
	p := other.SecondStep("", "code", testsupport.TOTPCode(secret, e.Clock.Now()))
	if p.Status != http.StatusTooManyRequests {
		t.Errorf("the right code after five failures: %d, want 429", p.Status)
	}
}

// MF-04 at the pages: a recovery code signs in once; the second time it
// is refused.
func TestMF04_RecoveryCodeAtThePages(t *testing.T) {
	e := testenv.New(t, testenv.Options{MFA: "required"})
	_, codes := e.Browser(t).EnrolTOTP(e.Clock.Now, "")
	b := e.Browser(t)
	b.SignInAs(testenv.UserName, testenv.UserPassword, "")
	if p := b.SecondStep("", "recovery", strings.ToUpper(codes[0])); p.Status != http.StatusSeeOther || !b.SignedIn() {
		t.Fatalf("recovery code: %d", p.Status)
	}
	c := e.Browser(t)
	c.SignInAs(testenv.UserName, testenv.UserPassword, "")
	if p := c.SecondStep("", "recovery", codes[0]); p.Status != http.StatusBadRequest || c.SignedIn() {
		t.Errorf("the same recovery code again: %d", p.Status)
	}
}
