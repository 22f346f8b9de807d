package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/signet-auth/signet"
)

// signedIn returns an agent signed in as alice.
func (hs *harness) signedIn() *agent {
	a := hs.agent("192.0.2.10")
	if w := a.login("alice", alicePass); w.Code != http.StatusSeeOther {
		hs.t.Fatalf("login: %d\n%s", w.Code, w.Body.String())
	}
	return a
}

// refusedOnPage asserts an error page with no redirect and no code.
func refusedOnPage(t *testing.T, hs *harness, w interface {
	Result() *http.Response
}, before int) {
	t.Helper()
	res := w.Result()
	if res.StatusCode != http.StatusBadRequest || res.Header.Get("Location") != "" {
		t.Errorf("status %d, Location %q; want 400 page, no redirect", res.StatusCode, res.Header.Get("Location"))
	}
	if n := len(hs.be.issued()); n != before {
		t.Errorf("codes issued: %d, want %d", n, before)
	}
}

func TestWB01_RedirectURIExactMatch(t *testing.T) {
	hs := newHarness(t)
	a := hs.signedIn()
	bad := []struct{ client, uri string }{
		{webClientID, "https://app.example/CB"},
		{webClientID, "https://app.example/cb/"},
		{webClientID, "https://app.example/cb?x=1"},
		{webClientID, "https://app.example/cb#frag"},
		{webClientID, "https://app.example/cb/%2e%2e%2fevil"},
		{webClientID, "https://app.example/cb/..;/evil"},
		{webClientID, "https://app.example@evil.example/cb"},
		{webClientID, "https://good@evil@app.example/cb"},
		{webClientID, "https://app.example:8443/cb"},
		{webClientID, "http://app.example/cb"},
		{webClientID, ""},
		{signInSameDevice(), "http://127.0.0.1:5000/cb?x=1"},
		{signInSameDevice(), "http://127.0.0.1:5000/cb#x"},
		{signInSameDevice(), "http://user@127.0.0.1:5000/cb"},
		{signInSameDevice(), "https://127.0.0.1:5000/cb"},
		{signInSameDevice(), "http://127.0.0.1:0/cb"},
		{signInSameDevice(), "http://127.0.0.1:65536/cb"},
		{signInSameDevice(), "http://127.0.0.1:5000"},
		{SignInCrossDevice, "https://evil.example/v1/sessions/confirmation"},
		{SignInCrossDevice, testIssuer + "/v1/sessions/confirmation/"},
		{SignInCrossDevice, "http://127.0.0.1:5000/oauth/callback"},
	}
	for _, tc := range bad {
		t.Run(tc.client+" "+tc.uri, func(t *testing.T) {
			path := "/oauth2/authorize?"
			extra := []string{"scope", "openid"}
			if strings.HasPrefix(tc.client, "arn:") {
				path = "/v1/authorize?"
			}
			w := a.get(path + authorizeQuery(tc.client, tc.uri, extra...))
			refusedOnPage(t, hs, w, 0)
		})
	}
}

func signInSameDevice() string { return SignInSameDevice }

func TestWB02_LoopbackOnlyPortVaries(t *testing.T) {
	ok := []string{
		"http://127.0.0.1:53682/oauth/callback",
		"http://127.0.0.1/oauth/callback",
		"http://127.0.0.1:1/any/path",
	}
	bad := []string{
		"http://localhost:53682/oauth/callback",
		"http://localhost.evil.com:53682/oauth/callback",
		"http://127.0.0.1.nip.io:53682/oauth/callback",
		"http://[::1]:53682/oauth/callback",
		"http://127.0.0.2:53682/oauth/callback",
		"http://0x7f000001:53682/oauth/callback",
		"http://127.1:53682/oauth/callback",
		"http://127.0.0.1:053682/oauth/callback",
		"http://127.0.0.1:+80/oauth/callback",
		"http://127.0.0.1:/oauth/callback",
		"http://127.0.0.1:53682/oauth/callback?x=1",
		"http://127.0.0.1:53682/oauth/callback?",
		"http://127.0.0.1:53682\\@evil.com/",
		"http://127.0.0.1:53682",
		"//127.0.0.1:53682/cb",
	}
	for _, u := range ok {
		if !isLoopbackRedirect(u) {
			t.Errorf("isLoopbackRedirect(%q) = false, want true", u)
		}
	}
	for _, u := range bad {
		if isLoopbackRedirect(u) {
			t.Errorf("isLoopbackRedirect(%q) = true, want false", u)
		}
	}

	// Through the page: the SSO client registered http://127.0.0.1/oauth/callback
	// and the CLI comes back with an ephemeral port.
	hs := newHarness(t)
	a := hs.signedIn()
	f := a.consent("/authorize?" + authorizeQuery(ssoClientID, "http://127.0.0.1:53682/oauth/callback"))
	f.Set("decision", "approve")
	loc := location(t, a.post("/consent", f))
	if loc.Host != "127.0.0.1:53682" || loc.Query().Get("code") == "" {
		t.Errorf("redirect %v, want code on 127.0.0.1:53682", loc)
	}
	w := a.get("/authorize?" + authorizeQuery(ssoClientID, "http://localhost:53682/oauth/callback"))
	refusedOnPage(t, hs, w, 1)
}

func TestWB03_NeverRedirectToUnvalidatedURI(t *testing.T) {
	hs := newHarness(t)
	a := hs.signedIn()
	cases := []struct{ name, path string }{
		{"unknown client", "/authorize?" + authorizeQuery("no-such-client", ssoRedirect)},
		{"unknown client, no PKCE", "/authorize?" + authorizeQuery("no-such-client", ssoRedirect, "code_challenge", "\x00")},
		{"unknown client, bad scope", "/oauth2/authorize?" + authorizeQuery("no-such-client", webRedirect, "scope", "admin")},
		{"bad redirect, no PKCE", "/authorize?" + authorizeQuery(ssoClientID, "https://evil.example/cb", "code_challenge", "\x00")},
		{"bad redirect, bad response_type", "/oauth2/authorize?" + authorizeQuery(webClientID, "https://evil.example/cb", "response_type", "token")},
		{"no client_id", "/authorize?" + authorizeQuery("", ssoRedirect, "client_id", "\x00")},
		{"repeated client_id", "/authorize?" + authorizeQuery(ssoClientID, ssoRedirect) + "&client_id=" + ssoClientID},
		{"repeated redirect_uri", "/authorize?" + authorizeQuery(ssoClientID, ssoRedirect) + "&redirect_uri=" + url.QueryEscape("https://evil.example/cb")},
		{"Sign-In: unknown client", "/v1/authorize?" + authorizeQuery("arn:aws:signin:::devtools/other", "http://127.0.0.1:1234/cb")},
		{"Sign-In: stored client id", "/v1/authorize?" + authorizeQuery(ssoClientID, ssoRedirect)},
		{"SSO: Sign-In client id", "/authorize?" + authorizeQuery(SignInSameDevice, "http://127.0.0.1:1234/cb")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := a.get(tc.path)
			refusedOnPage(t, hs, w, 0)
			if strings.Contains(w.Body.String(), "evil.example") {
				t.Error("error page echoes the redirect URI")
			}
		})
	}

	// Once client and redirect URI are established, errors go back to the
	// client, with state and iss.
	w := a.get("/authorize?" + authorizeQuery(ssoClientID, ssoRedirect, "code_challenge", "\x00"))
	if w.Code != http.StatusSeeOther {
		t.Fatalf("status %d, want 303", w.Code)
	}
	q := location(t, w).Query()
	if q.Get("error") != "invalid_request" || q.Get("state") != "st-123" || q.Get("iss") != testIssuer {
		t.Errorf("error redirect query %v", q)
	}
}

func TestAC04_PKCERequired(t *testing.T) {
	hs := newHarness(t)
	a := hs.signedIn()
	for _, tc := range []struct{ path, client, redirect string }{
		{"/authorize", ssoClientID, ssoRedirect},
		{"/oauth2/authorize", webClientID, webRedirect},
		{"/v1/authorize", SignInSameDevice, "http://127.0.0.1:4321/oauth/callback"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			for _, drop := range [][]string{
				{"code_challenge", "\x00"},
				{"code_challenge", "\x00", "code_challenge_method", "\x00"},
			} {
				w := a.get(tc.path + "?" + authorizeQuery(tc.client, tc.redirect, drop...))
				if w.Code != http.StatusSeeOther {
					t.Fatalf("status %d, want 303", w.Code)
				}
				loc := location(t, w)
				if loc.Query().Get("error") != "invalid_request" || loc.Query().Get("code") != "" {
					t.Errorf("redirect %v, want error=invalid_request and no code", loc)
				}
			}
		})
	}
	if n := len(hs.be.issued()); n != 0 {
		t.Errorf("%d codes issued", n)
	}
}

func TestAC05_OnlyS256(t *testing.T) {
	hs := newHarness(t)
	a := hs.signedIn()
	nonCanonical := testChallenge[:42] + "B" // the 2 spare bits set
	if testChallenge[42] == 'B' {
		nonCanonical = testChallenge[:42] + "C"
	}
	bad := []struct{ name, method, challenge string }{
		{"plain", "plain", testVerifier},
		{"method omitted", "\x00", testChallenge},
		{"method empty", "", testChallenge},
		{"lower case", "s256", testChallenge},
		{"unknown", "S512", testChallenge},
		{"42 chars", "S256", testChallenge[:42]},
		{"44 chars", "S256", testChallenge + "A"},
		{"padded", "S256", testChallenge[:42] + "="},
		{"standard alphabet", "S256", "+" + testChallenge[1:]},
		{"non-canonical", "S256", nonCanonical},
	}
	for _, path := range []string{"/authorize", "/v1/authorize"} {
		client, redirect := ssoClientID, ssoRedirect
		if path == "/v1/authorize" {
			client, redirect = SignInSameDevice, "http://127.0.0.1:4321/oauth/callback"
		}
		for _, tc := range bad {
			t.Run(path+" "+tc.name, func(t *testing.T) {
				w := a.get(path + "?" + authorizeQuery(client, redirect, "code_challenge_method", tc.method, "code_challenge", tc.challenge))
				if w.Code != http.StatusSeeOther || location(t, w).Query().Get("error") != "invalid_request" {
					t.Errorf("status %d Location %q, want error=invalid_request", w.Code, w.Header().Get("Location"))
				}
			})
		}
	}
	// aws login's "SHA-256" is S256 on /v1/authorize only.
	w := a.get("/authorize?" + authorizeQuery(ssoClientID, ssoRedirect, "code_challenge_method", "SHA-256"))
	if location(t, w).Query().Get("error") != "invalid_request" {
		t.Errorf("SSO accepted SHA-256: %v", w.Header().Get("Location"))
	}
	f := a.consent("/v1/authorize?" + authorizeQuery(SignInSameDevice, "http://127.0.0.1:4321/oauth/callback", "code_challenge_method", "SHA-256", "scope", "openid"))
	f.Set("decision", "approve")
	f.Set("assignment", "111111111111/Developer")
	if w := a.post("/consent", f); w.Code != http.StatusSeeOther {
		t.Fatalf("approve: %d", w.Code)
	}
	got := hs.be.issued()
	if len(got) != 1 || got[0].CodeChallengeMethod != "S256" || got[0].CodeChallenge != testChallenge {
		t.Errorf("issued %+v, want one S256 code", got)
	}
}

func TestWB05_ApprovalBoundToBrowserSession(t *testing.T) {
	hs := newHarness(t)
	attacker := hs.agent("198.51.100.66")
	attacker.login("mallory", "mallory-password")
	attackerFlow := attacker.consent("/authorize?" + authorizeQuery(ssoClientID, ssoRedirect)).Get("flow")

	victim := hs.signedIn()
	victimForm := victim.consent("/authorize?" + authorizeQuery(webClientID, webRedirect, "scope", "openid"))

	t.Run("flow from another session", func(t *testing.T) {
		f := url.Values{"csrf": {victimForm.Get("csrf")}, "flow": {attackerFlow}, "decision": {"approve"}}
		if w := victim.post("/consent", f); w.Code != http.StatusForbidden {
			t.Errorf("status %d, want 403", w.Code)
		}
	})
	t.Run("no flow", func(t *testing.T) {
		f := url.Values{"csrf": {victimForm.Get("csrf")}, "decision": {"approve"}}
		if w := victim.post("/consent", f); w.Code != http.StatusForbidden {
			t.Errorf("status %d, want 403", w.Code)
		}
	})
	t.Run("session cookie as flow", func(t *testing.T) {
		f := url.Values{"csrf": {victimForm.Get("csrf")}, "flow": {victim.cookies["__Host-signet"]}, "decision": {"approve"}}
		if w := victim.post("/consent", f); w.Code != http.StatusForbidden {
			t.Errorf("status %d, want 403", w.Code)
		}
	})
	t.Run("GET on the decision endpoints", func(t *testing.T) {
		for _, p := range []string{"/consent?decision=approve&flow=" + url.QueryEscape(victimForm.Get("flow")) + "&csrf=" + victimForm.Get("csrf"), "/device/decision", "/logout"} {
			w := victim.get(p)
			if w.Code != http.StatusMethodNotAllowed || !strings.Contains(w.Header().Get("Allow"), "POST") {
				t.Errorf("GET %s: status %d Allow %q, want 405", p, w.Code, w.Header().Get("Allow"))
			}
		}
	})
	t.Run("expired flow", func(t *testing.T) {
		hs.clock.Add(flowLifetime + 1)
		f := victimForm
		f.Set("decision", "approve")
		if w := victim.post("/consent", f); w.Code != http.StatusForbidden {
			t.Errorf("status %d, want 403", w.Code)
		}
	})
	if n := len(hs.be.issued()); n != 0 {
		t.Errorf("%d codes issued", n)
	}

	// After signing out and in again (a new session), the old page's flow
	// is dead too.
	f := victim.consent("/authorize?" + authorizeQuery(ssoClientID, ssoRedirect))
	victim.login("alice", alicePass)
	f.Set("decision", "approve")
	fresh := victim.consent("/authorize?" + authorizeQuery(ssoClientID, ssoRedirect))
	f.Set("csrf", fresh.Get("csrf"))
	if w := victim.post("/consent", f); w.Code != http.StatusForbidden {
		t.Errorf("flow from before re-login: status %d, want 403", w.Code)
	}
}

func TestWB08_SeeOtherAfterCredentialPost(t *testing.T) {
	hs := newHarness(t)
	a := hs.agent("192.0.2.1")
	if w := a.login("alice", alicePass); w.Code != http.StatusSeeOther {
		t.Errorf("login: %d, want 303", w.Code)
	}
	for _, d := range []string{"approve", "deny"} {
		f := a.consent("/authorize?" + authorizeQuery(ssoClientID, ssoRedirect))
		f.Set("decision", d)
		if w := a.post("/consent", f); w.Code != http.StatusSeeOther {
			t.Errorf("consent %s: %d, want 303", d, w.Code)
		}
	}
	f := formOf(t, a.get("/login").Body.String(), "/logout")
	if w := a.post("/logout", f); w.Code != http.StatusSeeOther {
		t.Errorf("logout: %d, want 303", w.Code)
	}
}

func TestCL06_DynamicClientShownUnverified(t *testing.T) {
	hs := newHarness(t)
	a := hs.signedIn()

	page := a.get("/authorize?" + authorizeQuery(ssoClientID, ssoRedirect)).Body.String()
	if !strings.Contains(page, `<span class="badge">unverified</span>`) {
		t.Error("dynamic client not marked unverified on the consent page")
	}
	page = a.get("/oauth2/authorize?" + authorizeQuery(webClientID, webRedirect, "scope", "openid")).Body.String()
	if strings.Contains(page, "unverified") {
		t.Error("administrator's client marked unverified")
	}

	// The device page shows a hostile self-asserted name escaped, and unverified.
	hs.be.addDevice("BCDFG-HJKLM", dynClientID, []string{"sso:account:access"}, 10*60e9)
	body := a.deviceConfirmPage(t, "BCDFG-HJKLM")
	if strings.Contains(body, "<img") || !strings.Contains(body, "&lt;img src=x onerror=alert(1)&gt;Acme") {
		t.Errorf("client name not escaped:\n%s", body)
	}
	if !strings.Contains(body, `<span class="badge">unverified</span>`) {
		t.Error("dynamic client not marked unverified on the device page")
	}
}

func TestSignInAuthorize(t *testing.T) {
	hs := newHarness(t)
	a := hs.agent("192.0.2.7")
	target := "/v1/authorize?" + authorizeQuery(SignInSameDevice, "http://127.0.0.1:53219/oauth/callback", "code_challenge_method", "SHA-256", "scope", "openid")

	w := a.get(target)
	loc := location(t, w)
	if w.Code != http.StatusSeeOther || loc.Path != "/login" || loc.Query().Get("return") != target {
		t.Fatalf("not signed in: %d %v", w.Code, loc)
	}
	w = a.login("alice", alicePass)
	if location(t, w).String() != "/login" {
		// login() posts from a bare /login page; go through the return.
		t.Fatalf("login: %v", location(t, w))
	}
	page := a.get(target).Body.String()
	for _, want := range []string{"111111111111", "Developer", "222222222222", "ReadOnly", `type="radio"`, "AWS CLI (aws login)"} {
		if !strings.Contains(page, want) {
			t.Errorf("consent page lacks %q", want)
		}
	}
	f := formOf(t, page, "/consent")
	f.Set("decision", "approve")

	t.Run("assignment not the user's", func(t *testing.T) {
		f := url.Values{}
		for k, v := range formOf(t, page, "/consent") {
			f[k] = v
		}
		f.Set("decision", "approve")
		f.Set("assignment", "999999999999/Admin")
		if w := a.post("/consent", f); w.Code != http.StatusBadRequest {
			t.Errorf("status %d, want 400", w.Code)
		}
	})

	f.Set("assignment", "222222222222/ReadOnly")
	w = a.post("/consent", f)
	loc = location(t, w)
	if w.Code != http.StatusSeeOther || loc.Host != "127.0.0.1:53219" || loc.Path != "/oauth/callback" {
		t.Fatalf("approve: %d %v", w.Code, loc)
	}
	q := loc.Query()
	if q.Get("code") == "" || q.Get("state") != "st-123" || q.Has("iss") {
		t.Errorf("redirect query %v", q)
	}
	got := hs.be.issued()
	want := signet.Assignment{AccountID: "222222222222", RoleName: "ReadOnly"}
	if len(got) != 1 || got[0].Assignment != want || got[0].Protocol != signet.ProtocolSignIn ||
		got[0].ClientID != SignInSameDevice || got[0].UserID != aliceID || got[0].RedirectURI != "http://127.0.0.1:53219/oauth/callback" ||
		len(got[0].Scopes) != 1 || got[0].Scopes[0] != "openid" || !got[0].AuthTime.Equal(hs.clock.Now()) {
		t.Errorf("issued %+v", got)
	}

	t.Run("cross-device lands on the confirmation page", func(t *testing.T) {
		f := a.consent("/v1/authorize?" + authorizeQuery(SignInCrossDevice, testIssuer+"/v1/sessions/confirmation", "scope", "openid"))
		f.Set("decision", "approve")
		f.Set("assignment", "111111111111/Developer")
		loc := location(t, a.post("/consent", f))
		if loc.Scheme+"://"+loc.Host+loc.Path != testIssuer+"/v1/sessions/confirmation" {
			t.Fatalf("redirect %v", loc)
		}
		page := a.get(loc.RequestURI()).Body.String()
		if !strings.Contains(page, verificationCode(loc.Query().Get("code"), "st-123")) {
			t.Errorf("confirmation page lacks the code:\n%s", page)
		}
	})
	t.Run("other scope", func(t *testing.T) {
		w := a.get("/v1/authorize?" + authorizeQuery(SignInSameDevice, "http://127.0.0.1:53219/oauth/callback", "scope", "openid aws:admin"))
		if location(t, w).Query().Get("error") != "invalid_scope" {
			t.Errorf("Location %q, want invalid_scope", w.Header().Get("Location"))
		}
	})
	t.Run("user without assignments", func(t *testing.T) {
		b := hs.agent("192.0.2.8")
		b.login("bob", "bob-password")
		w := b.get(target)
		if w.Code != http.StatusForbidden || !strings.Contains(w.Body.String(), "no AWS account") {
			t.Errorf("status %d, body:\n%s", w.Code, w.Body.String())
		}
	})
}

func TestSignInVerificationCode(t *testing.T) {
	// signin.md §6.2's example.
	got := verificationCode("YXV0aC1jb2RlLWV4YW1wbGU", "3f0e8c7a-2b1d-4e5f-9a6b-7c8d9e0f1a2b")
	want := "Y29kZT1ZWFYwYUMxamIyUmxMV1Y0WVcxd2JHVSZzdGF0ZT0zZjBlOGM3YS0yYjFkLTRlNWYtOWE2Yi03YzhkOWUwZjFhMmI="
	if got != want {
		t.Errorf("verificationCode = %s, want %s", got, want)
	}
	hs := newHarness(t)
	w := hs.agent("192.0.2.1").get("/v1/sessions/confirmation?code=YXV0aC1jb2RlLWV4YW1wbGU&state=3f0e8c7a-2b1d-4e5f-9a6b-7c8d9e0f1a2b")
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `id="verification-code" tabindex="0" aria-label="Verification code">`+want+`</pre>`) {
		t.Errorf("status %d, page:\n%s", w.Code, w.Body.String())
	}
	for _, p := range []string{"/v1/sessions/confirmation", "/v1/sessions/confirmation?state=x", "/v1/sessions/confirmation?code=a&code=b"} {
		if w := hs.agent("192.0.2.1").get(p); w.Code != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", p, w.Code)
		}
	}
	w = hs.agent("192.0.2.1").get("/v1/sessions/confirmation?error=access_denied&state=x")
	if !strings.Contains(w.Body.String(), "cancelled") {
		t.Errorf("denied cross-device flow: %s", w.Body.String())
	}
}

func TestOAuth2Authorize(t *testing.T) {
	hs := newHarness(t)
	a := hs.signedIn()
	jkt := challengeOf("some key")
	f := a.consent("/oauth2/authorize?" + authorizeQuery(webClientID, webRedirect, "scope", "openid profile", "nonce", "n-1", "dpop_jkt", jkt))
	f.Set("decision", "approve")
	q := location(t, a.post("/consent", f)).Query()
	if q.Get("code") == "" || q.Get("state") != "st-123" || q.Get("iss") != testIssuer {
		t.Errorf("redirect query %v, want code, state and iss", q)
	}
	got := hs.be.issued()[0]
	if got.Nonce != "n-1" || got.DPoPJKT != jkt || strings.Join(got.Scopes, " ") != "openid profile" {
		t.Errorf("issued %+v", got)
	}

	for _, tc := range []struct {
		name, err string
		extra     []string
	}{
		{"scope not registered", "invalid_scope", []string{"scope", "openid admin"}},
		{"response_type token", "unsupported_response_type", []string{"response_type", "token"}},
		{"no response_type", "invalid_request", []string{"response_type", "\x00"}},
		{"bad dpop_jkt", "invalid_request", []string{"dpop_jkt", "abc"}},
		{"repeated parameter", "invalid_request", []string{"scope", "openid&scope=profile"}},
		{"prompt=none", "consent_required", []string{"prompt", "none"}},
		{"max_age not a number", "invalid_request", []string{"max_age", "soon"}},
		{"max_age negative", "invalid_request", []string{"max_age", "-1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := a.get("/oauth2/authorize?" + strings.ReplaceAll(authorizeQuery(webClientID, webRedirect, tc.extra...), "%26scope%3D", "&scope="))
			q := location(t, w).Query()
			if q.Get("error") != tc.err || q.Get("iss") != testIssuer || q.Get("state") != "st-123" {
				t.Errorf("redirect query %v, want error=%s", q, tc.err)
			}
			if strings.Contains(q.Get("error_description"), "admin") || strings.Contains(q.Get("error_description"), "token") {
				t.Errorf("error_description echoes input: %q", q.Get("error_description"))
			}
		})
	}

	t.Run("prompt=login asks again", func(t *testing.T) {
		w := a.get("/oauth2/authorize?" + authorizeQuery(webClientID, webRedirect, "scope", "openid", "prompt", "login"))
		loc := location(t, w)
		if loc.Path != "/login" || loc.Query().Get("force") != "1" || strings.Contains(loc.Query().Get("return"), "prompt") {
			t.Fatalf("Location %v", loc)
		}
		if w := a.get(loc.RequestURI()); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `id="password"`) {
			t.Errorf("forced login page: %d", w.Code)
		}
		// Without force a signed-in user goes straight back.
		if w := a.get("/login?return=" + url.QueryEscape(loc.Query().Get("return"))); w.Code != http.StatusSeeOther {
			t.Errorf("login with return while signed in: %d", w.Code)
		}
	})
	t.Run("prompt=none signed out", func(t *testing.T) {
		w := hs.agent("192.0.2.99").get("/oauth2/authorize?" + authorizeQuery(webClientID, webRedirect, "scope", "openid", "prompt", "none"))
		if location(t, w).Query().Get("error") != "login_required" {
			t.Errorf("Location %q", w.Header().Get("Location"))
		}
	})
}

// CC-06 on the authorization endpoint: when the store cannot keep the code,
// the client is sent temporarily_unavailable (RFC 6749 §4.1.2.1), which it
// may retry, not server_error; any other failure stays server_error.
func TestCC06_CodeStoreDownRedirectsTemporarilyUnavailable(t *testing.T) {
	hs := newHarness(t)
	a := hs.signedIn()
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"store down", signet.Internal(fmt.Errorf("postgres: %w (conn closed)", signet.ErrUnavailable)), "temporarily_unavailable"},
		{"another failure", signet.Internal(errors.New("boom")), "server_error"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hs.be.mu.Lock()
			hs.be.issueErr = tc.err
			hs.be.mu.Unlock()
			f := a.consent("/oauth2/authorize?" + authorizeQuery(webClientID, webRedirect, "scope", "openid"))
			f.Set("decision", "approve")
			q := location(t, a.post("/consent", f)).Query()
			if q.Get("error") != tc.want || q.Get("code") != "" || q.Get("state") != "st-123" || q.Get("iss") != testIssuer {
				t.Errorf("redirect query %v, want error=%s with state and iss", q, tc.want)
			}
		})
	}
}

func TestSSOAuthorizeScopesPlural(t *testing.T) {
	hs := newHarness(t)
	a := hs.signedIn()
	page := a.get("/authorize?" + authorizeQuery(ssoClientID, ssoRedirect, "scopes", "sso:account:access"))
	if !strings.Contains(page.Body.String(), "<code>sso:account:access</code>") {
		t.Errorf("consent page lacks the scope:\n%s", page.Body.String())
	}
	w := a.get("/authorize?" + authorizeQuery(ssoClientID, ssoRedirect, "scopes", "sso:account:access codewhisperer:completions"))
	if location(t, w).Query().Get("error") != "invalid_scope" {
		t.Errorf("unregistered scope: %q", w.Header().Get("Location"))
	}
	f := formOf(t, page.Body.String(), "/consent")
	f.Set("decision", "approve")
	a.post("/consent", f)
	if got := hs.be.issued(); len(got) != 1 || strings.Join(got[0].Scopes, " ") != "sso:account:access" || got[0].Protocol != signet.ProtocolSSOOIDC {
		t.Errorf("issued %+v", got)
	}
	// Deny sends access_denied back.
	f = a.consent("/authorize?" + authorizeQuery(ssoClientID, ssoRedirect))
	f.Set("decision", "deny")
	q := location(t, a.post("/consent", f)).Query()
	if q.Get("error") != "access_denied" || q.Get("state") != "st-123" || q.Has("code") {
		t.Errorf("deny: %v", q)
	}
}

func TestIssuerFromConfigurationOnly(t *testing.T) {
	hs := newHarness(t)
	a := hs.signedIn()
	forged := http.Header{"X-Forwarded-Host": {"evil.example"}, "X-Forwarded-Proto": {"https"}, "Forwarded": {"host=evil.example"}}
	do := func(target string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("GET", "https://evil.example"+target, nil) // Host: evil.example
		r.RemoteAddr = "192.0.2.1:1"
		for k, v := range forged {
			r.Header[k] = v
		}
		for name, v := range a.cookies {
			r.AddCookie(&http.Cookie{Name: name, Value: v})
		}
		w := httptest.NewRecorder()
		hs.mux.ServeHTTP(w, r)
		return w
	}
	// The cross-device redirect URI is the configured issuer's, not the Host's.
	w := do("/v1/authorize?" + authorizeQuery(SignInCrossDevice, "https://evil.example/v1/sessions/confirmation"))
	if w.Code != http.StatusBadRequest {
		t.Errorf("cross-device to the Host's URL: %d", w.Code)
	}
	w = do("/v1/authorize?" + authorizeQuery(SignInCrossDevice, testIssuer+"/v1/sessions/confirmation", "code_challenge", "\x00"))
	if q := location(t, w).Query(); q.Get("iss") != testIssuer {
		t.Errorf("iss %q, want the configured issuer", q.Get("iss"))
	}
	// Origin is compared with the configured issuer too.
	f := a.consent("/authorize?" + authorizeQuery(ssoClientID, ssoRedirect))
	f.Set("decision", "approve")
	if w := a.do("POST", "/consent", f, http.Header{"Origin": {"https://evil.example"}}); w.Code != http.StatusForbidden {
		t.Errorf("Origin of the Host: %d, want 403", w.Code)
	}
}
