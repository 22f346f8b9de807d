package web

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/signet-auth/signet"
)

// submitCode posts a user code from the device form.
func (a *agent) submitCode(t *testing.T, code string) *httptest.ResponseRecorder {
	t.Helper()
	f := formOf(t, a.get("/device").Body.String(), "/device")
	f.Set("user_code", code)
	return a.post("/device", f)
}

// deviceConfirmPage goes from the code to the confirmation page of a
// signed-in agent.
func (a *agent) deviceConfirmPage(t *testing.T, code string) string {
	t.Helper()
	w := a.submitCode(t, code)
	loc := location(t, w)
	if loc.Path != "/device/confirm" {
		t.Fatalf("after code: %v", loc)
	}
	w = a.get(loc.RequestURI())
	if w.Code != http.StatusOK {
		t.Fatalf("confirm page: %d\n%s", w.Code, w.Body.String())
	}
	return w.Body.String()
}

func (a *agent) decideDevice(t *testing.T, page, decision string) *httptest.ResponseRecorder {
	t.Helper()
	f := formOf(t, page, "/device/decision")
	f.Set("decision", decision)
	return a.post("/device/decision", f)
}

func TestDeviceFlow(t *testing.T) {
	hs := newHarness(t)
	code := hs.be.addDevice("BCDFG-HJKLM", ssoClientID, []string{"sso:account:access"}, 10*time.Minute)
	a := hs.agent("192.0.2.20")

	// Sign-in first (catalogue AB-01): the link the device shows sends an
	// anonymous browser to the login page, which comes back to the form
	// with the code filled in; then the confirmation page.
	w := a.get("/device?user_code=" + url.QueryEscape("bcdfg hjklm"))
	loc := location(t, w)
	if loc.Path != "/login" || loc.Query().Get("return") != "/device?user_code=BCDFG-HJKLM" {
		t.Fatalf("not signed in: %v", loc)
	}
	f := formOf(t, a.get(loc.RequestURI()).Body.String(), "/login")
	f.Set("username", "alice")
	f.Set("password", alicePass)
	loc = location(t, a.post("/login", f))
	if loc.String() != "/device?user_code=BCDFG-HJKLM" {
		t.Fatalf("after login: %v", loc)
	}
	body := a.get(loc.String()).Body.String()
	form := formOf(t, body, "/device")
	if m := userCodeRE.FindStringSubmatch(body); m == nil || m[1] != "BCDFG-HJKLM" {
		t.Errorf("form prefilled with %q", m)
	}
	form.Set("user_code", "BCDFG-HJKLM")
	loc = location(t, a.post("/device", form))
	if loc.Path != "/device/confirm" {
		t.Fatalf("after the code: %v", loc)
	}
	page := a.get(loc.String()).Body.String()
	for _, want := range []string{code, "botocore-client-dev", "<code>sso:account:access</code>", "matches"} {
		if !strings.Contains(page, want) {
			t.Errorf("confirm page lacks %q", want)
		}
	}
	if d := hs.be.device(code); d.Status != signet.DevicePending {
		t.Fatalf("status %s before the decision", d.Status)
	}
	w = a.decideDevice(t, page, "approve")
	if d := hs.be.device(code); d.Status != signet.DeviceApproved || d.UserID != aliceID {
		t.Errorf("after approve: %+v", d)
	}
	if !strings.Contains(w.Body.String(), "Device approved") {
		t.Errorf("result page:\n%s", w.Body.String())
	}
}

func TestDV03_ExpiredCodeCannotBeApproved(t *testing.T) {
	hs := newHarness(t)
	a := hs.signedIn()
	code := hs.be.addDevice("BCDFG-HJKLM", ssoClientID, nil, time.Minute)

	page := a.deviceConfirmPage(t, code)
	hs.clock.Add(2 * time.Minute)
	w := a.decideDevice(t, page, "approve")
	if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "expired") {
		t.Errorf("approve after expiry: %d\n%s", w.Code, w.Body.String())
	}
	if d := hs.be.device(code); d.Status != signet.DevicePending {
		t.Errorf("status %s", d.Status)
	}
	w = a.submitCode(t, code)
	if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "expired") {
		t.Errorf("expired code typed: %d\n%s", w.Code, w.Body.String())
	}
}

func TestDV04_TerminalStateIsFinal(t *testing.T) {
	hs := newHarness(t)
	a := hs.signedIn()
	code := hs.be.addDevice("BCDFG-HJKLM", ssoClientID, nil, 10*time.Minute)
	page := a.deviceConfirmPage(t, code)

	w := a.decideDevice(t, page, "deny")
	if !strings.Contains(w.Body.String(), "You denied this request") {
		t.Errorf("deny page:\n%s", w.Body.String())
	}
	// Back, then Approve on the same page (or a replayed POST).
	w = a.decideDevice(t, page, "approve")
	body := w.Body.String()
	if !strings.Contains(body, "already denied") || strings.Contains(body, "Device approved") {
		t.Errorf("approve after deny:\n%s", body)
	}
	if d := hs.be.device(code); d.Status != signet.DeviceDenied {
		t.Errorf("status %s, want denied", d.Status)
	}
	// Typing the code again says so as well.
	w = a.submitCode(t, code)
	if !strings.Contains(w.Body.String(), "already denied") {
		t.Errorf("code typed again:\n%s", w.Body.String())
	}
}

// signedInAt is a new browser at ip signed in as name.
func (hs *harness) signedInAt(ip, name, password string) *agent {
	a := hs.agent(ip)
	if w := a.login(name, password); w.Code != http.StatusSeeOther {
		hs.t.Fatalf("login as %s: %d", name, w.Code)
	}
	return a
}

func TestDV07_UserCodeGuessingLimited(t *testing.T) {
	hs := newHarness(t)
	code := hs.be.addDevice("BCDFG-HJKLM", ssoClientID, nil, time.Hour)
	a := hs.signedInAt("203.0.113.5", "alice", alicePass)
	lim := hs.h.opts.Limits.DeviceIP

	for i := range lim.Max {
		w := a.submitCode(t, fmt.Sprintf("ZZZZZ-ZZZ%c%c", "BCDFGHJKLM"[i%10], 'B'))
		if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "not recognised") {
			t.Fatalf("miss %d: %d", i, w.Code)
		}
	}
	// Even the right code is refused now, with Retry-After.
	w := a.submitCode(t, code)
	if w.Code != http.StatusTooManyRequests {
		t.Fatalf("after %d misses: %d, want 429", lim.Max, w.Code)
	}
	ra, err := strconv.Atoi(w.Header().Get("Retry-After"))
	if err != nil || ra <= 0 || ra > int(lim.Window/time.Second) {
		t.Errorf("Retry-After %q", w.Header().Get("Retry-After"))
	}

	// The same budget holds for a fresh session of another account from
	// that IP, and malformed codes count too.
	b := hs.signedInAt("203.0.113.5", "bob", "bob-password")
	if w := b.submitCode(t, "<script>"); w.Code != http.StatusTooManyRequests {
		t.Errorf("new session, same IP: %d, want 429", w.Code)
	}
	// The account's budget is spent as well: alice from elsewhere is
	// refused, bob from elsewhere is not.
	if w := hs.signedInAt("203.0.113.6", "alice", alicePass).submitCode(t, code); w.Code != http.StatusTooManyRequests {
		t.Errorf("same account, other IP: %d, want 429", w.Code)
	}
	if w := hs.signedInAt("203.0.113.6", "bob", "bob-password").submitCode(t, code); w.Code != http.StatusSeeOther {
		t.Errorf("other account, other IP: %d, want 303", w.Code)
	}
	// The window ends.
	hs.clock.Add(lim.Window)
	if w := a.submitCode(t, code); w.Code != http.StatusSeeOther {
		t.Errorf("after the window: %d, want 303", w.Code)
	}

	t.Run("per session", func(t *testing.T) {
		hs := newHarness(t, func(o *Options) { o.Limits.DeviceSession = Limit{Max: 3, Window: time.Minute} })
		a := hs.signedIn()
		for i := range 3 {
			hs.h.opts.ClientIP = func(*http.Request) string { return "198.51.100." + strconv.Itoa(i) }
			a.submitCode(t, "ZZZZZ-ZZZZZ")
		}
		if w := a.submitCode(t, "ZZZZZ-ZZZZZ"); w.Code != http.StatusTooManyRequests {
			t.Errorf("session over budget from a new IP: %d, want 429", w.Code)
		}
	})
}

// AB-01: a signed-in guesser is stopped by the budgets that are theirs:
// the account's across sessions and addresses, and the session's and the
// address's; another account is never held back by them.
func TestAB01_SignedInGuesserStoppedByOwnBudgets(t *testing.T) {
	hs := newHarness(t, func(o *Options) { o.Limits.DeviceAccount = Limit{Max: 3, Window: time.Minute} })
	code := hs.be.addDevice("BCDFG-HJKLM", ssoClientID, nil, time.Hour)
	for i := range 3 {
		m := hs.signedInAt("198.51.100."+strconv.Itoa(i), "mallory", "mallory-password")
		if w := m.submitCode(t, "ZZZZZ-ZZZZZ"); w.Code != http.StatusBadRequest {
			t.Fatalf("miss %d: %d, want 400", i, w.Code)
		}
	}
	m := hs.signedInAt("198.51.100.99", "mallory", "mallory-password")
	if w := m.submitCode(t, code); w.Code != http.StatusTooManyRequests {
		t.Errorf("account over budget, new session and address: %d, want 429", w.Code)
	}
	if w := hs.signedInAt("198.51.100.0", "alice", alicePass).submitCode(t, code); w.Code != http.StatusSeeOther {
		t.Errorf("another account from a guessing address: %d, want 303", w.Code)
	}
}

// AB-01: the deployment-wide count of misses is an alert, not a lock:
// past it nobody is refused, and the log says so at error level.
func TestAB01_DeploymentWideMissesAlertNeverLock(t *testing.T) {
	hs := newHarness(t, func(o *Options) { o.Limits.DeviceGlobal = Limit{Max: 4, Window: time.Minute} })
	code := hs.be.addDevice("BCDFG-HJKLM", ssoClientID, nil, time.Hour)
	for i := range 6 {
		who, pass := "mallory", "mallory-password"
		if i%2 == 1 {
			who, pass = "bob", "bob-password"
		}
		hs.signedInAt("198.51.100."+strconv.Itoa(i), who, pass).submitCode(t, "ZZZZZ-ZZZZZ")
	}
	if w := hs.signedInAt("198.51.100.200", "alice", alicePass).submitCode(t, code); w.Code != http.StatusSeeOther {
		t.Errorf("after 6 misses on the deployment (alert at 4): %d, want 303", w.Code)
	}
	if !strings.Contains(hs.logs.String(), "level=ERROR") || !strings.Contains(hs.logs.String(), "alert threshold") {
		t.Errorf("no alert in the log:\n%s", hs.logs.String())
	}
}

// AB-01: an anonymous visitor's codes, from any number of addresses, are
// never looked up nor counted: each is sent to sign in, and a signed-in
// user at another address approves their code as ever.
func TestAB01_AnonymousGuessesNeverLockOthersOut(t *testing.T) {
	hs := newHarness(t)
	code := hs.be.addDevice("BCDFG-HJKLM", ssoClientID, nil, time.Hour)
	for i := range 1000 {
		v := hs.agent(fmt.Sprintf("198.18.%d.%d", i/250, i%250+1))
		f := formOf(t, v.get("/login").Body.String(), "/login") // any page starts a session
		f.Set("user_code", fmt.Sprintf("ZZZZZ-ZZZ%c%c", "BCDFGHJKLM"[i%10], "BCDFGHJKLM"[i/10%10]))
		w := v.post("/device", f)
		if loc := location(t, w); loc.Path != "/login" {
			t.Fatalf("anonymous code %d: %d to %v, want 303 to /login", i, w.Code, loc)
		}
	}
	if n := hs.be.lookups(); n != 0 {
		t.Errorf("%d codes looked up for anonymous visitors", n)
	}
	a := hs.signedInAt("192.0.2.77", "alice", alicePass)
	page := a.deviceConfirmPage(t, code)
	a.decideDevice(t, page, "approve")
	if d := hs.be.device(code); d.Status != signet.DeviceApproved || d.UserID != aliceID {
		t.Errorf("after approve: %+v", d)
	}
}

func TestDV09_GetNeverApproves(t *testing.T) {
	for _, dev := range []bool{false, true} {
		t.Run(fmt.Sprintf("dev auto-approve %v", dev), func(t *testing.T) {
			hs := newHarness(t, func(o *Options) {
				o.DevAutoApprove = dev
				o.DevUser = func(context.Context) (signet.User, error) { return signet.User{ID: aliceID, Name: "alice"}, nil }
			})
			a := hs.signedIn()
			code := hs.be.addDevice("BCDFG-HJKLM", ssoClientID, []string{"sso:account:access"}, 10*time.Minute)

			// The link a phisher sends: it prefills the form, nothing more.
			w := a.get("/device?user_code=" + url.QueryEscape(code))
			if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `value="`+code+`"`) {
				t.Errorf("prefilled form: %d\n%s", w.Code, w.Body.String())
			}
			// The confirmation page, a GET, shows what would be approved.
			page := a.deviceConfirmPage(t, code)
			for _, want := range []string{code, "botocore-client-dev", "sso:account:access", "If someone sent you a link"} {
				if !strings.Contains(page, want) {
					t.Errorf("confirm page lacks %q", want)
				}
			}
			// GETs with approval-looking parameters do nothing.
			f := formOf(t, page, "/device/decision")
			a.get("/device/decision?decision=approve&flow=" + url.QueryEscape(f.Get("flow")) + "&csrf=" + f.Get("csrf"))
			a.get("/device?user_code=" + code + "&decision=approve")
			if d := hs.be.device(code); d.Status != signet.DevicePending {
				t.Errorf("status %s after GETs, want pending", d.Status)
			}
		})
	}
}
