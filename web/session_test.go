package web

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/signet-auth/signet"
)

func TestWB04_CSRFAndCrossSitePosts(t *testing.T) {
	hs := newHarness(t)
	victim := hs.signedIn()
	other := hs.signedIn()
	code := hs.be.addDevice("BCDFG-HJKLM", ssoClientID, nil, time.Hour)

	// Valid forms of every POST, from the victim's pages.
	loginForm := func() url.Values {
		a := hs.agent("192.0.2.50")
		f := formOf(t, a.get("/login").Body.String(), "/login")
		f.Set("username", "alice")
		f.Set("password", alicePass)
		victim.cookies = a.cookies // the signed-out browser
		return f
	}
	consentForm := func() url.Values {
		f := victim.consent("/authorize?" + authorizeQuery(ssoClientID, ssoRedirect))
		f.Set("decision", "approve")
		return f
	}
	deviceForm := func() url.Values {
		f := formOf(t, victim.get("/device").Body.String(), "/device")
		f.Set("user_code", code)
		return f
	}
	decisionForm := func() url.Values {
		f := formOf(t, victim.deviceConfirmPage(t, code), "/device/decision")
		f.Set("decision", "approve")
		return f
	}
	logoutForm := func() url.Values { return formOf(t, victim.get("/device").Body.String(), "/logout") }

	posts := []struct {
		path string
		form func() url.Values
	}{
		{"/consent", consentForm},
		{"/device", deviceForm},
		{"/device/decision", decisionForm},
		{"/logout", logoutForm},
		{"/login", loginForm}, // last: it signs the victim out
	}
	otherCSRF := formOf(t, other.get("/device").Body.String(), "/device").Get("csrf")
	attacks := []struct {
		name string
		edit func(url.Values, http.Header)
	}{
		{"no token", func(f url.Values, _ http.Header) { f.Del("csrf") }},
		{"empty token", func(f url.Values, _ http.Header) { f.Set("csrf", "") }},
		{"other session's token", func(f url.Values, _ http.Header) { f.Set("csrf", otherCSRF) }},
		{"Sec-Fetch-Site cross-site", func(_ url.Values, h http.Header) { h.Set("Sec-Fetch-Site", "cross-site") }},
		{"Sec-Fetch-Site same-site", func(_ url.Values, h http.Header) { h.Set("Sec-Fetch-Site", "same-site") }},
		{"foreign Origin", func(_ url.Values, h http.Header) { h.Set("Origin", "https://evil.example") }},
		{"foreign Origin, no Sec-Fetch-Site", func(_ url.Values, h http.Header) {
			h.Del("Sec-Fetch-Site")
			h.Set("Origin", "https://signet.test.evil.example")
		}},
		{"null Origin without Sec-Fetch-Site", func(_ url.Values, h http.Header) {
			h.Del("Sec-Fetch-Site")
			h.Set("Origin", "null")
		}},
		{"http Origin for https issuer", func(_ url.Values, h http.Header) { h.Set("Origin", "http://signet.test") }},
	}
	for _, p := range posts {
		for _, at := range attacks {
			t.Run(p.path+" "+at.name, func(t *testing.T) {
				f, hdr := p.form(), sameOrigin()
				at.edit(f, hdr)
				w := victim.do("POST", p.path, f, hdr)
				if w.Code != http.StatusForbidden {
					t.Errorf("status %d, want 403", w.Code)
				}
			})
		}
		t.Run(p.path+" valid", func(t *testing.T) {
			hdr := sameOrigin()
			hdr.Set("Origin", "null") // what Chromium sends under Referrer-Policy: no-referrer
			if w := victim.do("POST", p.path, p.form(), hdr); w.Code == http.StatusForbidden {
				t.Errorf("valid post refused:\n%s", w.Body.String())
			}
		})
	}
	if n := len(hs.be.issued()); n != 1 {
		t.Errorf("%d codes issued, want only the valid one", n)
	}

	t.Run("token from before login", func(t *testing.T) {
		a := hs.agent("192.0.2.51")
		stale := formOf(t, a.get("/login").Body.String(), "/login").Get("csrf")
		a.login("alice", alicePass)
		f := a.consent("/authorize?" + authorizeQuery(ssoClientID, ssoRedirect))
		f.Set("decision", "approve")
		f.Set("csrf", stale)
		if w := a.post("/consent", f); w.Code != http.StatusForbidden {
			t.Errorf("status %d, want 403", w.Code)
		}
	})
}

// pagePaths are GETs that reach every kind of response: pages, error
// pages, redirects, 405s and the style sheet.
func pagePaths(hs *harness) []string {
	return []string{
		"/login",
		"/device",
		"/device?user_code=BCDFG-HJKLM",
		"/device/confirm?t=garbage",
		"/authorize?" + authorizeQuery(ssoClientID, ssoRedirect),
		"/authorize?" + authorizeQuery("unknown", ssoRedirect),
		"/authorize?" + authorizeQuery(ssoClientID, ssoRedirect, "code_challenge", "\x00"),
		"/v1/authorize?" + authorizeQuery(SignInSameDevice, "http://127.0.0.1:1/oauth/callback"),
		"/v1/sessions/confirmation?code=abc&state=def",
		"/consent",
		"/static/signet.css",
	}
}

func TestWB06_NoFraming(t *testing.T) {
	hs := newHarness(t)
	for _, a := range []*agent{hs.agent("192.0.2.1"), hs.signedIn()} {
		for _, p := range pagePaths(hs) {
			w := a.get(p)
			if w.Header().Get("X-Frame-Options") != "DENY" || !strings.Contains(w.Header().Get("Content-Security-Policy"), "frame-ancestors 'none'") {
				t.Errorf("%s (%d): X-Frame-Options %q, CSP %q", p, w.Code, w.Header().Get("X-Frame-Options"), w.Header().Get("Content-Security-Policy"))
			}
		}
	}
	w := hs.agent("192.0.2.1").do("PUT", "/login", url.Values{}, nil)
	if w.Code != http.StatusMethodNotAllowed || w.Header().Get("X-Frame-Options") != "DENY" {
		t.Errorf("PUT /login: %d, headers %v", w.Code, w.Header())
	}
}

func TestWB07_EscapingAndNoScript(t *testing.T) {
	hs := newHarness(t)
	a := hs.signedIn()
	xss := `"><svg onload=alert(1)><script>alert(2)</script>javascript:alert(3)`

	// Caller input in the user-code field, the state, the scope.
	body := a.get("/device?user_code=" + url.QueryEscape(xss[:60])).Body.String()
	if strings.Contains(body, "<svg") || strings.Contains(body, "<script>") {
		t.Errorf("user code not escaped:\n%s", body)
	}
	w := a.get("/authorize?" + authorizeQuery(ssoClientID, ssoRedirect, "state", xss, "scopes", xss))
	loc := location(t, w)
	if loc.Query().Get("state") != xss {
		t.Errorf("state not carried intact: %q", loc.Query().Get("state"))
	}
	if d := loc.Query().Get("error_description"); d != describe("invalid_scope") {
		t.Errorf("error_description %q is not the fixed text", d)
	}
	f := a.consent("/authorize?" + authorizeQuery(ssoClientID, ssoRedirect, "state", xss))
	f.Set("decision", "deny")
	if got := location(t, a.post("/consent", f)).Query().Get("state"); got != xss {
		t.Errorf("state after consent %q", got)
	}

	// A hostile client name on the consent page.
	hs.be.addClient(signet.Client{ID: "evil", Name: xss, RedirectURIs: []string{webRedirect}, Dynamic: true})
	body = a.get("/oauth2/authorize?" + authorizeQuery("evil", webRedirect)).Body.String()
	if strings.Contains(body, "<svg") || strings.Contains(body, "<script>") || !strings.Contains(body, "&lt;svg onload=alert(1)&gt;") {
		t.Errorf("client name not escaped:\n%s", body)
	}
	// A failed login echoes the name, escaped.
	if body := hs.agent("192.0.2.3").login(xss, "x").Body.String(); strings.Contains(body, "<svg") || !strings.Contains(body, "&#34;&gt;&lt;svg") {
		t.Errorf("login name not escaped:\n%s", body)
	}

	for _, p := range pagePaths(hs) {
		w := a.get(p)
		csp := w.Header().Get("Content-Security-Policy")
		if strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "default-src 'none'") || w.Header().Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: CSP %q nosniff %q", p, csp, w.Header().Get("X-Content-Type-Options"))
		}
		if strings.Contains(w.Body.String(), "<script") || strings.Contains(w.Body.String(), "style=") {
			t.Errorf("%s: page has inline script or style", p)
		}
	}
}

func TestWB09_NoReferrerNoStore(t *testing.T) {
	hs := newHarness(t)
	a := hs.signedIn()
	for _, p := range pagePaths(hs) {
		w := a.get(p)
		if w.Header().Get("Referrer-Policy") != "no-referrer" {
			t.Errorf("%s: Referrer-Policy %q", p, w.Header().Get("Referrer-Policy"))
		}
		if strings.HasPrefix(w.Header().Get("Content-Type"), "text/html") && w.Header().Get("Cache-Control") != "no-store" {
			t.Errorf("%s: Cache-Control %q", p, w.Header().Get("Cache-Control"))
		}
		if strings.Contains(w.Body.String(), "://") && strings.Contains(w.Body.String(), `src="http`) {
			t.Errorf("%s: third-party asset", p)
		}
	}
}

func TestWB10_SessionCookie(t *testing.T) {
	t.Run("https issuer", func(t *testing.T) {
		hs := newHarness(t)
		w := hs.agent("192.0.2.1").get("/login")
		c := w.Result().Cookies()
		if len(c) != 1 {
			t.Fatalf("cookies %v", c)
		}
		if c[0].Name != "__Host-signet" || !c[0].Secure || !c[0].HttpOnly || c[0].SameSite != http.SameSiteLaxMode || c[0].Path != "/" || c[0].Domain != "" {
			t.Errorf("cookie %+v", c[0])
		}
	})
	t.Run("http loopback issuer", func(t *testing.T) {
		hs := newHarness(t, func(o *Options) { o.Issuer = "http://127.0.0.1:8080" })
		c := hs.agent("192.0.2.1").get("/login").Result().Cookies()
		if len(c) != 1 || c[0].Name != "signet" || c[0].Secure || !c[0].HttpOnly || c[0].SameSite != http.SameSiteLaxMode {
			t.Errorf("cookies %+v", c)
		}
		if _, err := New(Deps{Backend: hs.be, Sealer: newGCMSealer(t), Clock: hs.clock, Rand: strings.NewReader("")}, Options{Issuer: "http://signet.example"}); err == nil {
			t.Error("plain http accepted for a non-loopback issuer")
		}
	})
	t.Run("id rotates at login", func(t *testing.T) {
		hs := newHarness(t)
		a := hs.agent("192.0.2.1")
		a.get("/login")
		planted := a.cookies["__Host-signet"] // what an attacker fixed in the victim's browser
		a.login("alice", alicePass)
		after := a.cookies["__Host-signet"]
		if after == planted {
			t.Fatal("cookie unchanged at login")
		}
		var before, now browserSession
		if !hs.h.open(planted, adSession, &before) || !hs.h.open(after, adSession, &now) || before.ID == now.ID {
			t.Errorf("session id not rotated: %q → %q", before.ID, now.ID)
		}
		attacker := hs.agent("198.51.100.1")
		attacker.cookies["__Host-signet"] = planted
		w := attacker.get("/authorize?" + authorizeQuery(ssoClientID, ssoRedirect))
		if w.Code != http.StatusSeeOther || location(t, w).Path != "/login" {
			t.Errorf("planted cookie is signed in: %d", w.Code)
		}
	})
	t.Run("credentials changed or user disabled ends the session", func(t *testing.T) {
		for _, change := range []func(*signet.User, time.Time){
			func(u *signet.User, now time.Time) { u.CredentialsChangedAt = now.Add(time.Second) },
			func(u *signet.User, _ time.Time) { u.Disabled = true },
		} {
			hs := newHarness(t)
			a := hs.signedIn()
			if w := a.get("/authorize?" + authorizeQuery(ssoClientID, ssoRedirect)); w.Code != http.StatusOK {
				t.Fatalf("signed in: %d", w.Code)
			}
			hs.clock.Add(time.Minute)
			hs.be.updateUser(aliceID, func(u *signet.User) { change(u, hs.clock.Now().Add(-30*time.Second)) })
			w := a.get("/authorize?" + authorizeQuery(ssoClientID, ssoRedirect))
			if w.Code != http.StatusSeeOther || location(t, w).Path != "/login" {
				t.Errorf("still signed in: %d", w.Code)
			}
		}
	})
	t.Run("session expires", func(t *testing.T) {
		hs := newHarness(t)
		hs.be.browserLifetime = time.Hour // the engine's limit
		a := hs.signedIn()
		hs.clock.Add(time.Hour)
		w := a.get("/authorize?" + authorizeQuery(ssoClientID, ssoRedirect))
		if w.Code != http.StatusSeeOther || location(t, w).Path != "/login" {
			t.Errorf("expired session still signed in: %d", w.Code)
		}
	})
	t.Run("logout", func(t *testing.T) {
		hs := newHarness(t)
		a := hs.signedIn()
		f := formOf(t, a.get("/login").Body.String(), "/logout")
		w := a.post("/logout", f)
		if len(a.cookies) != 0 || location(t, w).Path != "/login" {
			t.Errorf("after logout: cookies %v", a.cookies)
		}
	})
}

func TestRL04_LoginLimitsAndGenericErrors(t *testing.T) {
	hs := newHarness(t)
	attacker := hs.agent("203.0.113.9")

	unknown := attacker.login("nobody", "x").Body.String()
	wrong := attacker.login("alice", "wrong").Body.String()
	msg := "The user name or password is incorrect."
	if !strings.Contains(unknown, msg) || !strings.Contains(wrong, msg) {
		t.Fatalf("messages differ or missing:\n%s\n---\n%s", unknown, wrong)
	}
	strip := func(s string) string { // the pages differ only in the echoed name and tokens
		s = strings.ReplaceAll(s, `value="nobody"`, "")
		s = strings.ReplaceAll(s, `value="alice"`, "")
		return hiddenRE.ReplaceAllString(s, "")
	}
	if strip(unknown) != strip(wrong) {
		t.Error("unknown user and wrong password give different pages")
	}

	lim := hs.h.opts.Limits.LoginAccount
	for range lim.Max - 1 {
		attacker.login("alice", "wrong")
	}
	w := attacker.login("alice", alicePass)
	if w.Code != http.StatusTooManyRequests {
		t.Fatalf("right password after %d failures: %d, want 429", lim.Max, w.Code)
	}
	if s, _ := strconv.Atoi(w.Header().Get("Retry-After")); s <= 0 {
		t.Errorf("Retry-After %q", w.Header().Get("Retry-After"))
	}
	// The victim, elsewhere, is not locked out.
	if w := hs.agent("192.0.2.33").login("alice", alicePass); w.Code != http.StatusSeeOther {
		t.Errorf("victim from another IP: %d, want 303", w.Code)
	}
	// Another account from the attacker's IP still works (within the IP budget).
	if w := attacker.login("bob", "bob-password"); w.Code != http.StatusSeeOther {
		t.Errorf("other account: %d, want 303", w.Code)
	}
	// A success resets the account's count.
	hs.clock.Add(lim.Window)
	b := hs.agent("192.0.2.34")
	for range lim.Max - 1 {
		b.login("alice", "wrong")
	}
	b.login("alice", alicePass)
	for range lim.Max - 1 {
		b.login("alice", "wrong")
	}
	if w := b.login("alice", alicePass); w.Code != http.StatusSeeOther {
		t.Errorf("after reset: %d, want 303", w.Code)
	}

	t.Run("per IP", func(t *testing.T) {
		hs := newHarness(t, func(o *Options) { o.Limits.LoginIP = Limit{Max: 3, Window: time.Minute} })
		a := hs.agent("203.0.113.10")
		for _, n := range []string{"a", "b", "c"} {
			a.login(n, "x")
		}
		if w := a.login("alice", alicePass); w.Code != http.StatusTooManyRequests {
			t.Errorf("IP over budget: %d, want 429", w.Code)
		}
	})
}

func TestLoginReturnIsLocal(t *testing.T) {
	ok := map[string]string{
		"/authorize?client_id=x":  "/authorize?client_id=x",
		"/device/confirm?t=abc":   "/device/confirm?t=abc",
		"/v1/authorize":           "/v1/authorize",
		"/oauth2/authorize?a=b&c": "/oauth2/authorize?a=b&c",
	}
	for in, want := range ok {
		if got := safeReturn(in); got != want {
			t.Errorf("safeReturn(%q) = %q, want %q", in, got, want)
		}
	}
	for _, in := range []string{"https://evil.example/authorize", "//evil.example/authorize", "/\\evil.example/authorize",
		"/login", "/authorize/../x", "authorize", "/authorize#x", "javascript:alert(1)", "/%2e%2e/authorize", "/Authorize"} {
		if got := safeReturn(in); got != "" {
			t.Errorf("safeReturn(%q) = %q, want refused", in, got)
		}
	}
	hs := newHarness(t)
	a := hs.agent("192.0.2.1")
	f := formOf(t, a.get("/login?return="+url.QueryEscape("https://evil.example/")).Body.String(), "/login")
	f.Set("username", "alice")
	f.Set("password", alicePass)
	if loc := location(t, a.post("/login", f)); loc.String() != "/login" {
		t.Errorf("redirect after login %v", loc)
	}
}

func TestDevAutoApprove(t *testing.T) {
	devUser := func(context.Context) (signet.User, error) {
		return signet.User{ID: aliceID, Name: "alice", Assignments: []signet.Assignment{{AccountID: "111111111111", RoleName: "Developer"}, {AccountID: "222222222222", RoleName: "ReadOnly"}}}, nil
	}
	hs := newHarness(t, func(o *Options) { o.DevAutoApprove = true; o.DevUser = devUser })
	w := hs.agent("192.0.2.1").get("/v1/authorize?" + authorizeQuery(SignInSameDevice, "http://127.0.0.1:9/oauth/callback", "code_challenge_method", "SHA-256"))
	q := location(t, w).Query()
	if q.Get("code") == "" || q.Get("state") != "st-123" {
		t.Fatalf("no code: %v", q)
	}
	got := hs.be.issued()
	if len(got) != 1 || got[0].UserID != aliceID || got[0].Assignment.AccountID != "111111111111" {
		t.Errorf("issued %+v", got)
	}
	if !strings.Contains(hs.logs.String(), "level=WARN") || !strings.Contains(hs.logs.String(), "AUTO-APPROVE") {
		t.Errorf("no warning logged:\n%s", hs.logs.String())
	}
	// Validation still comes first.
	if w := hs.agent("192.0.2.1").get("/authorize?" + authorizeQuery("unknown", ssoRedirect)); w.Code != http.StatusBadRequest {
		t.Errorf("unknown client under auto-approve: %d", w.Code)
	}

	code := hs.be.addDevice("BCDFG-HJKLM", ssoClientID, nil, time.Minute)
	if _, err := hs.h.AutoApproveDevice(context.Background(), code); err != nil {
		t.Fatal(err)
	}
	if d := hs.be.device(code); d.Status != signet.DeviceApproved || d.UserID != aliceID {
		t.Errorf("device %+v", d)
	}

	off := newHarness(t)
	code = off.be.addDevice("BCDFG-HJKLM", ssoClientID, nil, time.Minute)
	if _, err := off.h.AutoApproveDevice(context.Background(), code); err == nil || off.be.device(code).Status != signet.DevicePending {
		t.Error("AutoApproveDevice approved with the option off")
	}
	if _, err := New(Deps{Backend: off.be, Sealer: newGCMSealer(t), Clock: off.clock, Rand: strings.NewReader("")}, Options{Issuer: testIssuer, DevAutoApprove: true}); err == nil {
		t.Error("DevAutoApprove without DevUser accepted")
	}
}

func TestTheme(t *testing.T) {
	dir := t.TempDir()
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(dir, "templates"), 0o755))
	must(os.MkdirAll(filepath.Join(dir, "static"), 0o755))
	must(os.WriteFile(filepath.Join(dir, "templates", "login.html"), []byte(`{{define "content"}}<p>Acme sign-in</p><form method="post" action="/login"><input type="hidden" name="csrf" value="{{.FormCSRF}}"></form>{{end}}`), 0o644))
	must(os.WriteFile(filepath.Join(dir, "static", "signet.css"), []byte("body{color:red}"), 0o644))
	hs := newHarness(t, func(o *Options) { o.ThemeDir = dir })
	a := hs.agent("192.0.2.1")
	if body := a.get("/login").Body.String(); !strings.Contains(body, "Acme sign-in") || !strings.Contains(body, `lang="en"`) {
		t.Errorf("theme login page:\n%s", body)
	}
	signedIn := hs.signedIn()
	if body := signedIn.get("/device").Body.String(); !strings.Contains(body, `id="user_code"`) {
		t.Error("embedded device page lost")
	}
	w := a.get("/static/signet.css")
	if w.Body.String() != "body{color:red}" || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/css") {
		t.Errorf("theme css: %q %q", w.Header().Get("Content-Type"), w.Body.String())
	}
	for _, p := range []string{"/static/..%2ftemplates%2flogin.html", "/static/nothere.css", "/static/.hidden"} {
		if w := a.get(p); w.Code != http.StatusNotFound {
			t.Errorf("%s: %d", p, w.Code)
		}
	}
	must(os.WriteFile(filepath.Join(dir, "templates", "error.html"), []byte(`{{define "content"}}{{.Nope}}`), 0o644))
	if _, err := New(Deps{Backend: hs.be, Sealer: newGCMSealer(t), Clock: hs.clock, Rand: strings.NewReader("")}, Options{Issuer: testIssuer, ThemeDir: dir}); err == nil {
		t.Error("broken theme template accepted")
	}
}

func TestStaticStyleSheet(t *testing.T) {
	hs := newHarness(t)
	w := hs.agent("192.0.2.1").get("/static/signet.css")
	if w.Code != http.StatusOK || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/css") {
		t.Errorf("%d %q", w.Code, w.Header().Get("Content-Type"))
	}
}

// Logins back off (the "per user for logins, with backoff"): each
// time an address spends an account's budget again, it is locked out twice
// as long — one window, two, four — up to a day; a success forgets it.
func TestRL04_LoginBackoff(t *testing.T) {
	hs := newHarness(t)
	lim := hs.h.opts.Limits.LoginAccount
	a := hs.agent("203.0.113.77")
	retryAfter := func() time.Duration {
		t.Helper()
		w := a.login("alice", alicePass)
		if w.Code != http.StatusTooManyRequests {
			t.Fatalf("right password while locked out: %d, want 429", w.Code)
		}
		s, _ := strconv.Atoi(w.Header().Get("Retry-After"))
		return time.Duration(s) * time.Second
	}
	for strike, want := range []time.Duration{lim.Window, 2 * lim.Window, 4 * lim.Window} {
		for range lim.Max {
			a.login("alice", "wrong")
		}
		if got := retryAfter(); got != want {
			t.Fatalf("lockout %d: Retry-After %v, want %v", strike+1, got, want)
		}
		hs.clock.Add(want - time.Second)
		if got := retryAfter(); got != time.Second {
			t.Fatalf("lockout %d, a second before its end: Retry-After %v, want 1s", strike+1, got)
		}
		hs.clock.Add(time.Second)
	}
	// Past the lockout the right password works, and forgets the backoff.
	if w := a.login("alice", alicePass); w.Code != http.StatusSeeOther {
		t.Fatalf("after the lockout: %d, want 303", w.Code)
	}
	for range lim.Max {
		a.login("alice", "wrong")
	}
	if got := retryAfter(); got != lim.Window {
		t.Fatalf("after a success, Retry-After %v, want one window again (%v)", got, lim.Window)
	}
	if lockout(lim.Window, 40) != maxLockout {
		t.Errorf("lockout(…, 40) = %v, want the cap %v", lockout(lim.Window, 40), maxLockout)
	}
}
