package testenv_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	cdpwebauthn "github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/internal/testenv"
	"github.com/signet-auth/signet/internal/testsupport"
)

// recordFetch makes the page keep the body of every fetch it posts to
// path (in sessionStorage, which outlives the navigation that follows),
// so that the test can send one again.
const recordFetch = `(function (path) {
  var f = window.fetch;
  window.fetch = function (url, init) {
    if (url === path && init && init.body) sessionStorage.setItem("body", init.body.toString());
    return f.apply(this, arguments);
  };
})`

// TestMF02_PasskeysInChromium registers passkeys and signs in with them in
// headless Chromium, with the DevTools virtual authenticator, against the
// real server (issuer http://localhost:port: an rpId must be a domain):
// forced enrolment with a passkey, a usernameless sign-in, a passkey as
// the second step after the password, and the refusals of catalogue MF-02:
// a replayed challenge, an assertion made for another origin, a signature
// counter that went back, a passkey sign-in without user verification, and
// another user's credential as alice's second step.
func TestMF02_PasskeysInChromium(t *testing.T) {
	testsupport.NeedChromium(t)
	logs := &testsupport.Logs{}
	e := testenv.New(t, testenv.Options{MFA: "required", Localhost: true, Log: logs.Logger()})
	// because checks the engine's reason for the last refusal.
	because := func(what, want string) {
		t.Helper()
		var last string
		for _, r := range logs.Records() {
			if r["msg"] == "web: passkey refused" {
				last, _ = r["err"].(string)
			}
		}
		if !strings.Contains(last, want) {
			t.Errorf("%s: refused because %q, want %q", what, last, want)
		}
	}
	bctx := context.Background()

	ctx := testsupport.Chromium(t, 120*time.Second)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(720, 860)); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	if _, err := chromedp.Call(ctx, cdpwebauthn.Enable, cdpwebauthn.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	addAuthenticator := func(uv bool) cdpwebauthn.AuthenticatorID {
		// uv: the authenticator can verify the user, and does.
		t.Helper()
		res, err := chromedp.Call(ctx, cdpwebauthn.AddVirtualAuthenticator, cdpwebauthn.AddVirtualAuthenticatorParams{
			Options: &cdpwebauthn.VirtualAuthenticatorOptions{Protocol: cdpwebauthn.AuthenticatorProtocolCtap2,
				Ctap2version: cdpwebauthn.Ctap2versionCtap21, Transport: cdpwebauthn.AuthenticatorTransportInternal,
				HasResidentKey: true, HasUserVerification: uv, IsUserVerified: uv, AutomaticPresenceSimulation: true}})
		if err != nil {
			t.Fatal(err)
		}
		return res.AuthenticatorID
	}
	auth := addAuthenticator(true)

	run := func(steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, scancel := context.WithTimeout(ctx, 15*time.Second)
		defer scancel()
		if err := chromedp.Do(sctx, steps...); err != nil {
			loc, _ := chromedp.Run(ctx, chromedp.Location())
			body, _ := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("body")))
			t.Fatalf("%v\nat %s\n%s", err, loc, body)
		}
	}
	eval := func(js string) {
		t.Helper()
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[any](js)); err != nil {
			t.Fatalf("%s: %v", js, err)
		}
	}
	clearCookies := func() {
		t.Helper()
		if _, err := chromedp.Call(ctx, network.ClearBrowserCookies, cdp.Empty{}); err != nil {
			t.Fatal(err)
		}
	}
	password := func(name, pw string) {
		t.Helper()
		run(chromedp.Navigate(e.URL+"/login"), chromedp.WaitVisible(chromedp.CSS("#username")),
			chromedp.SendKeys(chromedp.CSS("#username"), name), chromedp.SendKeys(chromedp.CSS("#password"), pw),
			chromedp.Click(chromedp.CSS(`button[type=submit]`)))
	}
	signedIn := chromedp.WaitVisible(chromedp.CSS(`footer form[action="/logout"]`))
	refused := func(what string) {
		t.Helper()
		run(chromedp.WaitVisible(chromedp.CSS("#passkey-status")))
		if loc, _ := chromedp.Run(ctx, chromedp.Location()); !strings.HasSuffix(loc, "/login") && !strings.Contains(loc, "/login?") && !strings.Contains(loc, "/login/mfa") {
			t.Errorf("%s: at %s", what, loc)
		}
	}
	lastAMR := func(userID string) []string {
		t.Helper()
		list, err := e.Stores.Browser.ListBrowserSessions(bctx, signet.SessionFilter{UserID: userID, LiveOnly: true, Now: e.Clock.Now()})
		if err != nil || len(list) == 0 {
			t.Fatalf("browser sessions: %v %v", list, err)
		}
		return list[len(list)-1].AMR
	}

	// Forced enrolment, with a passkey this time.
	password(testenv.UserName, testenv.UserPassword)
	run(chromedp.WaitVisible(chromedp.CSS("#add-passkey")))
	run(chromedp.SetValue(chromedp.CSS("#passkey-name"), "Laptop"), chromedp.Click(chromedp.CSS("#add-passkey")),
		chromedp.WaitVisible(chromedp.CSS("#passkeys")))
	ps, err := e.Stores.Passkeys.ListPasskeys(bctx, e.User.ID)
	if err != nil || len(ps) != 1 || ps[0].Name != "Laptop" {
		t.Fatalf("passkeys after registration: %+v %v", ps, err)
	}
	if got := lastAMR(e.User.ID); !slices.Equal(got, []string{"pwd", "hwk", "mfa"}) {
		t.Errorf("AMR after registering: %v", got)
	}
	if dir := os.Getenv(screenshotsEnv); dir != "" {
		png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		if err == nil {
			err = os.WriteFile(filepath.Join(dir, "mfa-passkeys.png"), png, 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
	}

	// A sign-in with the passkey alone, no user name; its answer is kept
	// to be sent again.
	clearCookies()
	e.Clock.Add(time.Minute)
	run(chromedp.Navigate(e.URL+"/login"), chromedp.WaitVisible(chromedp.CSS("#passkey-login")))
	eval(recordFetch + `("/login/passkey")`)
	cookies, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{e.URL}})
	if err != nil {
		t.Fatal(err)
	}
	run(chromedp.Click(chromedp.CSS("#passkey-login")), signedIn)
	if got := lastAMR(e.User.ID); !slices.Equal(got, []string{"hwk", "user", "mfa"}) {
		t.Errorf("AMR of a passkey sign-in: %v", got)
	}
	body, err := chromedp.Run(ctx, chromedp.Evaluate[string](`sessionStorage.getItem("body") || ""`))
	if err != nil || body == "" {
		t.Fatalf("recorded answer: %q %v", body, err)
	}

	// The same answer again, from the same anonymous session it was made
	// in: the challenge is spent.
	req, _ := http.NewRequest(http.MethodPost, e.URL+"/login/passkey", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for _, c := range cookies.Cookies {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || len(resp.Cookies()) != 0 {
		t.Errorf("replayed assertion: %d, cookies %v", resp.StatusCode, resp.Cookies())
	}
	because("replayed assertion", "challenge replayed")

	// The passkey as the second step after the password.
	clearCookies()
	e.Clock.Add(time.Second)
	password(testenv.UserName, testenv.UserPassword)
	run(chromedp.WaitVisible(chromedp.CSS("#passkey-verify")), chromedp.Click(chromedp.CSS("#passkey-verify")))
	run(signedIn)
	if got := lastAMR(e.User.ID); !slices.Equal(got, []string{"pwd", "hwk", "mfa"}) {
		t.Errorf("AMR of a password and passkey sign-in: %v", got)
	}

	// A signature counter that went back: the authenticator is put back
	// to 0, as a clone would be. Refused, and nobody is signed in.
	creds, err := chromedp.Call(ctx, cdpwebauthn.GetCredentials, cdpwebauthn.GetCredentialsParams{AuthenticatorID: auth})
	if err != nil || len(creds.Credentials) != 1 {
		t.Fatalf("virtual credentials: %v %v", creds, err)
	}
	alice := *creds.Credentials[0]
	stored, err := e.Stores.Passkeys.GetPasskey(bctx, alice.CredentialID)
	if err != nil || stored.SignCount < 2 {
		t.Fatalf("stored counter: %+v %v", stored, err)
	}
	setCredential := func(a cdpwebauthn.AuthenticatorID, c cdpwebauthn.Credential) {
		t.Helper()
		_, _ = chromedp.Call(ctx, cdpwebauthn.RemoveCredential, cdpwebauthn.RemoveCredentialParams{AuthenticatorID: a, CredentialID: c.CredentialID})
		if _, err := chromedp.Call(ctx, addCredential, addCredentialParams{AuthenticatorID: a, Credential: virtualCredential{
			CredentialID: c.CredentialID, IsResidentCredential: c.IsResidentCredential, RpID: c.RpID, PrivateKey: c.PrivateKey,
			UserHandle: c.UserHandle, SignCount: c.SignCount}}); err != nil {
			t.Fatal(err)
		}
	}
	cloned := alice
	cloned.SignCount = 0
	setCredential(auth, cloned)
	clearCookies()
	e.Clock.Add(time.Second)
	run(chromedp.Navigate(e.URL+"/login"), chromedp.WaitVisible(chromedp.CSS("#passkey-login")),
		chromedp.Click(chromedp.CSS("#passkey-login")))
	refused("counter regression")
	because("counter regression", "signature counter did not move forward")
	if got, _ := e.Stores.Passkeys.GetPasskey(bctx, alice.CredentialID); got.SignCount != stored.SignCount {
		t.Errorf("counter after a regression: %d, want %d", got.SignCount, stored.SignCount)
	}
	alice.SignCount = float64(stored.SignCount) + 10
	setCredential(auth, alice)

	// An assertion made on another origin (another signet on localhost,
	// so the same rpId) for a challenge of this one.
	other := testenv.New(t, testenv.Options{Localhost: true})
	jarBrowser := e.Browser(t)
	form := jarBrowser.Get("/login").Hidden()
	startPage := jarBrowser.Post("/login/passkey/options", url.Values{"csrf": {form.Get("csrf")}})
	if startPage.Status != http.StatusOK {
		t.Fatalf("options: %d %s", startPage.Status, startPage.Body)
	}
	var start struct {
		Options json.RawMessage `json:"options"`
		State   string          `json:"state"`
	}
	if err := json.Unmarshal([]byte(startPage.Body), &start); err != nil {
		t.Fatal(err)
	}
	run(chromedp.Navigate(other.URL+"/login"), chromedp.WaitVisible(chromedp.CSS("#passkey-login")))
	assertion, err := chromedp.Run(ctx, chromedp.Evaluate[string](getAssertion+"("+string(start.Options)+")", chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("assertion on the other origin: %v", err)
	}
	p := jarBrowser.Post("/login/passkey", url.Values{"csrf": {form.Get("csrf")}, "state": {start.State}, "credential": {assertion}})
	if p.Status != http.StatusBadRequest || jarBrowser.SignedIn() {
		t.Errorf("assertion of another origin: %d %s", p.Status, p.Body)
	}
	because("another origin", "origin")

	// Another user's credential as alice's second step: bob enrols a
	// passkey on the same authenticator; alice's is taken off it and the
	// page asks for any credential.
	bob, err := e.Engine.CreateUser(bctx, "bob", "Bob", "another correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	clearCookies()
	e.Clock.Add(time.Second)
	password("bob", "another correct horse battery")
	run(chromedp.WaitVisible(chromedp.CSS("#add-passkey")), chromedp.Click(chromedp.CSS("#add-passkey")),
		chromedp.WaitVisible(chromedp.CSS("#passkeys")))
	if ps, _ := e.Stores.Passkeys.ListPasskeys(bctx, bob.ID); len(ps) != 1 {
		t.Fatalf("bob's passkeys: %v", ps)
	}
	_, _ = chromedp.Call(ctx, cdpwebauthn.RemoveCredential, cdpwebauthn.RemoveCredentialParams{AuthenticatorID: auth, CredentialID: alice.CredentialID})
	clearCookies()
	e.Clock.Add(time.Second)
	password(testenv.UserName, testenv.UserPassword)
	run(chromedp.WaitVisible(chromedp.CSS("#passkey-verify")))
	eval(`(function () { var g = navigator.credentials.get.bind(navigator.credentials);
		navigator.credentials.get = function (o) { delete o.publicKey.allowCredentials; return g(o); }; })()`)
	run(chromedp.Click(chromedp.CSS("#passkey-verify")))
	refused("another user's credential")
	because("another user's credential", "not owned by the user")
	if got := lastAMR(e.User.ID); !slices.Equal(got, []string{"pwd"}) {
		t.Errorf("AMR after another user's credential: %v", got)
	}

	// A passkey sign-in without user verification: the authenticator
	// answers with the UV flag off (the DevTools override of a response's
	// flags, as an authenticator without a PIN would).
	alice.SignCount += 10
	setCredential(auth, alice)
	badUV := true
	if _, err := chromedp.Call(ctx, cdpwebauthn.SetResponseOverrideBits, cdpwebauthn.SetResponseOverrideBitsParams{
		AuthenticatorID: auth, IsBadUV: &badUV}); err != nil {
		t.Fatal(err)
	}
	clearCookies()
	e.Clock.Add(time.Second)
	run(chromedp.Navigate(e.URL+"/login"), chromedp.WaitVisible(chromedp.CSS("#passkey-login")))
	eval(`sessionStorage.clear()`)
	eval(recordFetch + `("/login/passkey")`)
	run(chromedp.Click(chromedp.CSS("#passkey-login")))
	refused("no user verification")
	because("no user verification", "did not verify the user")
	if b, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`sessionStorage.getItem("body") || ""`)); b == "" {
		t.Error("no user verification: the browser sent nothing, so the server was not asked")
	}
	// The same authenticator is enough as a second step after the
	// password.
	clearCookies()
	e.Clock.Add(time.Second)
	password(testenv.UserName, testenv.UserPassword)
	run(chromedp.WaitVisible(chromedp.CSS("#passkey-verify")), chromedp.Click(chromedp.CSS("#passkey-verify")), signedIn)
}

// addCredential is WebAuthn.addCredential with only the fields a
// credential of this test has: Chromium refuses the CMTG fields
// cdproto's Credential always sends.
var addCredential = cdp.Command[addCredentialParams, cdp.Empty]{Method: cdpwebauthn.CommandAddCredential}

type addCredentialParams struct {
	AuthenticatorID cdpwebauthn.AuthenticatorID `json:"authenticatorId"`
	Credential      virtualCredential           `json:"credential"`
}

type virtualCredential struct {
	CredentialID         []byte  `json:"credentialId"`
	IsResidentCredential bool    `json:"isResidentCredential"`
	RpID                 string  `json:"rpId"`
	PrivateKey           []byte  `json:"privateKey"`
	UserHandle           []byte  `json:"userHandle"`
	SignCount            float64 `json:"signCount"`
}

// getAssertion asks the authenticator for an assertion with the options
// the server gave and returns it encoded as static/webauthn.js sends it.
const getAssertion = `(function (o) {
  function dec(s) { s = s.replace(/-/g, "+").replace(/_/g, "/"); while (s.length % 4) s += "=";
    var b = atob(s), u = new Uint8Array(b.length); for (var i = 0; i < b.length; i++) u[i] = b.charCodeAt(i); return u.buffer; }
  function enc(buf) { var s = "", b = new Uint8Array(buf); for (var i = 0; i < b.length; i++) s += String.fromCharCode(b[i]);
    return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, ""); }
  o.publicKey.challenge = dec(o.publicKey.challenge);
  return navigator.credentials.get(o).then(function (c) {
    var r = c.response;
    return JSON.stringify({id: c.id, rawId: enc(c.rawId), type: c.type, clientExtensionResults: {},
      response: {clientDataJSON: enc(r.clientDataJSON), authenticatorData: enc(r.authenticatorData),
        signature: enc(r.signature), userHandle: r.userHandle ? enc(r.userHandle) : undefined}});
  });
})`
