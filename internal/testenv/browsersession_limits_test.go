package testenv_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/authserver"
	"github.com/signet-auth/signet/internal/testenv"
)

// consentShown opens request with b: true for the consent page, false for
// a redirect to the login form.
func consentShown(t *testing.T, b *testenv.Browser, request string) bool {
	t.Helper()
	p := b.Get(request)
	switch {
	case p.Status == http.StatusOK && strings.Contains(p.Body, `action="/consent"`):
		return true
	case p.Status == http.StatusSeeOther && strings.HasPrefix(p.Location, "/login"):
		return false
	}
	t.Fatalf("%s: status %d, location %q", request, p.Status, p.Location)
	return false
}

// TestBS02_IdleAndAbsoluteLimits: on the server's clock, a sign-in used
// more often than its idle limit lasts until its absolute limit and no
// longer; one left unused for the idle limit has ended. The cookie's own
// life is no longer than the absolute limit.
func TestBS02_IdleAndAbsoluteLimits(t *testing.T) {
	e := testenv.New(t, testenv.Options{Lifetimes: authserver.Lifetimes{BrowserSession: 2 * time.Hour, BrowserIdle: 30 * time.Minute}})
	pages := newBSPages(t, e)
	b := e.Browser(t)
	b.SignIn()
	for i := range 5 { // used every 25 minutes: 125 minutes in all
		e.Clock.Add(25 * time.Minute)
		if !consentShown(t, b, pages.sso) && i < 4 {
			t.Fatalf("signed out after %d×25 min of regular use", i+1)
		} else if i == 4 && consentShown(t, b, pages.sso) {
			t.Errorf("still signed in after 125 min, past the 2 h absolute limit")
		}
	}

	b = e.Browser(t)
	b.SignIn()
	e.Clock.Add(29 * time.Minute)
	if !consentShown(t, b, pages.oauth2) {
		t.Fatal("signed out after 29 min idle, limit 30")
	}
	e.Clock.Add(30 * time.Minute)
	if consentShown(t, b, pages.oauth2) {
		t.Error("still signed in after 30 min idle")
	}
}

// TestBS02_CookieLivesNoLongerThanTheSession: the Max-Age the login sets
// is the browser session's absolute limit, which follows a shorter
// session lifetime.
func TestBS02_CookieLivesNoLongerThanTheSession(t *testing.T) {
	e := testenv.New(t, testenv.Options{Lifetimes: authserver.Lifetimes{Session: 20 * time.Minute}})
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(e.URL + "/login")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	form := testenv.Page{Body: string(body)}.Hidden()
	form.Set("username", testenv.UserName)
	form.Set("password", testenv.UserPassword)
	resp, err = c.PostForm(e.URL+"/login", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || len(resp.Cookies()) != 1 {
		t.Fatalf("login: status %d, cookies %v", resp.StatusCode, resp.Cookies())
	}
	if got := resp.Cookies()[0].MaxAge; got != 20*60 {
		t.Errorf("cookie Max-Age %d s, want 1200 (the session lifetime)", got)
	}
	b := e.Browser(t)
	b.SignIn()
	list, err := e.Engine.ListBrowserSessions(context.Background(), signet.SessionFilter{UserID: e.User.ID, LiveOnly: true})
	if err != nil || len(list) != 2 {
		t.Fatalf("ListBrowserSessions: %v %v", list, err)
	}
	for _, s := range list {
		if life := s.ExpiresAt.Sub(s.CreatedAt); life != 20*time.Minute {
			t.Errorf("browser session lives %v under a 20 min session lifetime", life)
		}
	}
	e.Clock.Add(20 * time.Minute)
	if b.SignedIn() {
		t.Error("signed in past --session-lifetime")
	}
}

// TestBS02_PromptLoginOnEveryAuthorizePage: prompt=login sends a
// signed-in browser to the login form on the SSO OIDC, Sign-In and OAuth
// 2.0 authorization pages alike; coming back without signing in again asks
// again, and signing in again leads on to consent.
func TestBS02_PromptLoginOnEveryAuthorizePage(t *testing.T) {
	e := testenv.New(t, testenv.Options{})
	pages := newBSPages(t, e)
	b := e.Browser(t)
	b.SignIn()
	for _, request := range []string{pages.sso, pages.signIn, pages.oauth2} {
		p := b.Get(request + "&prompt=login")
		if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/login?force=1&") {
			t.Fatalf("%s with prompt=login: status %d, location %q", request, p.Status, p.Location)
		}
		u, err := url.Parse(p.Location)
		if err != nil {
			t.Fatal(err)
		}
		back := u.Query().Get("return")
		if strings.Contains(back, "prompt=") || !strings.Contains(back, "signet_reauth=") {
			t.Fatalf("return URL %q", back)
		}
		// Going back there without signing in: the login form again.
		if again := b.Get(back); again.Status != http.StatusSeeOther || !strings.HasPrefix(again.Location, "/login?force=1&") {
			t.Errorf("%s: back without signing in: status %d, location %q", request, again.Status, again.Location)
		}
		e.Clock.Add(time.Second)
		form := b.Get(p.Location).Hidden()
		form.Set("username", testenv.UserName)
		form.Set("password", testenv.UserPassword)
		signed := b.Post("/login", form)
		if signed.Status != http.StatusSeeOther || signed.Location != back {
			t.Fatalf("%s: sign-in: status %d, location %q", request, signed.Status, signed.Location)
		}
		if !consentShown(t, b, back) {
			t.Errorf("%s: no consent after signing in again", request)
		}
	}
}
