package oauth2_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"golang.org/x/oauth2"

	"github.com/signet-auth/signet/internal/testenv"
	"github.com/signet-auth/signet/internal/testsupport"
)

// TestBS02_FreshLoginInChromium: a relying party that asks for a fresh
// sign-in (prompt=login, max_age=0, or a max_age the sign-in is older
// than) gets the login form in a real browser even though the person is
// signed in, and the ID token's auth_time is that new sign-in; a max_age
// the sign-in meets goes straight to consent and keeps the old auth_time
// (OIDC Core §3.1.2.1; catalogue BS-02).
func TestBS02_FreshLoginInChromium(t *testing.T) {
	testsupport.NeedChromium(t)
	e := newEnv(t, testenv.Options{})
	c := webClient(t, e)

	var mu sync.Mutex
	var codes []string
	cb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/callback" {
			mu.Lock()
			codes = append(codes, r.URL.Query().Get("code"))
			mu.Unlock()
		}
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, `<!doctype html><title>done</title><p id="done">ok</p>`)
	}))
	defer cb.Close()
	cfg := config(e, c, "openid", "profile")
	cfg.RedirectURL = cb.URL + "/callback" // the registered loopback URI, with this port

	ctx := testsupport.Chromium(t, 90*time.Second)
	run := func(steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			loc, _ := chromedp.Run(ctx, chromedp.Location())
			body, _ := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("body")))
			t.Fatalf("%v\nat %s\n%s", err, loc, body)
		}
	}

	// flow opens the authorization URL with extra parameters and reports
	// whether the login form came; it signs in if so, approves, and
	// returns the ID token's auth_time.
	flow := func(extra ...string) (login bool, authTime int64) {
		t.Helper()
		verifier := oauth2.GenerateVerifier()
		opts := []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(verifier)}
		for i := 0; i+1 < len(extra); i += 2 {
			opts = append(opts, oauth2.SetAuthURLParam(extra[i], extra[i+1]))
		}
		run(chromedp.Navigate(cfg.AuthCodeURL("st", opts...)), chromedp.WaitVisible(chromedp.CSS("#username, #approve")))
		loc, err := chromedp.Run(ctx, chromedp.Location())
		if err != nil {
			t.Fatal(err)
		}
		if u, _ := url.Parse(loc); u.Path == "/login" {
			login = true
			run(chromedp.SendKeys(chromedp.CSS("#username"), testenv.UserName),
				chromedp.SendKeys(chromedp.CSS("#password"), testenv.UserPassword),
				chromedp.Click(chromedp.CSS(`button[type=submit]`)),
				chromedp.WaitVisible(chromedp.CSS("#approve")))
		}
		run(chromedp.Click(chromedp.CSS("#approve")), chromedp.WaitVisible(chromedp.CSS("#done")))
		mu.Lock()
		code := codes[len(codes)-1]
		mu.Unlock()
		tok, err := cfg.Exchange(context.Background(), code, oauth2.VerifierOption(verifier))
		if err != nil {
			t.Fatal(err)
		}
		var claims struct {
			AuthTime int64 `json:"auth_time"`
		}
		verifyJWT(t, e, tok.Extra("id_token").(string), &claims)
		return login, claims.AuthTime
	}

	login, first := flow()
	if !login || first != e.Clock.Now().Unix() {
		t.Fatalf("first flow: login %v, auth_time %d, want the login at %d", login, first, e.Clock.Now().Unix())
	}
	for _, tc := range []struct {
		name  string
		extra []string
		fresh bool
	}{
		{"prompt=login", []string{"prompt", "login"}, true},
		{"max_age=0", []string{"max_age", "0"}, true},
		{"max_age the sign-in meets", []string{"max_age", "3600"}, false},
		{"max_age the sign-in is older than", []string{"max_age", "300"}, true},
	} {
		e.Clock.Add(10 * time.Minute)
		last := e.Clock.Now().Add(-10 * time.Minute).Unix()
		login, authTime := flow(tc.extra...)
		if login != tc.fresh {
			t.Errorf("%s: login form %v, want %v", tc.name, login, tc.fresh)
		}
		want := e.Clock.Now().Unix()
		if !tc.fresh {
			want = last
		}
		if authTime != want {
			t.Errorf("%s: auth_time %d, want %d", tc.name, authTime, want)
		}
	}
	if loc, _ := chromedp.Run(ctx, chromedp.Location()); !strings.HasPrefix(loc, cb.URL) {
		t.Errorf("ended at %s", loc)
	}
}
