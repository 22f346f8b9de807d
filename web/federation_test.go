package web

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"

	"crypto/rand"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/internal/testsupport"
)

// fakeFederation is an upstream that answers Begin with its own URL and
// Complete with bob for the state it handed out, to the browser it was
// handed to. The protocol checks are package upstream's and are tested
// against real and hostile providers in test/federation; here the pages'
// part is: buttons, hints, the mode, the session and the return.
type fakeFederation struct {
	mu      sync.Mutex
	begun   map[string]string // state → binding
	returns map[string]string // state → ret
	amr     []string
}

func (f *fakeFederation) Providers(context.Context) ([]signet.IdentityProvider, error) {
	return []signet.IdentityProvider{
		{Name: "corp", Kind: signet.IdPOIDC, DisplayName: "Corp SSO", Domains: []string{"corp.example"}},
		{Name: "google", Kind: signet.IdPOIDC},
	}, nil
}

func (f *fakeFederation) Begin(_ context.Context, idp, binding, ret string) (string, error) {
	if idp != "corp" && idp != "google" {
		return "", signet.ErrNotFound
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	state := "st-" + binding[:6]
	f.begun[state], f.returns[state] = binding, ret
	return "https://idp.example/authorize?state=" + state, nil
}

func (f *fakeFederation) Complete(_ context.Context, idp string, q url.Values, binding string) (signet.User, []string, string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	st := q.Get("state")
	if b, ok := f.begun[st]; !ok || b != binding {
		return signet.User{}, nil, "", &signet.Error{Code: signet.CodeAccessDenied, Err: errors.New("bad state")}
	}
	delete(f.begun, st)
	return signet.User{ID: "u-bob", Name: "bob"}, f.amr, f.returns[st], nil
}

func newFedHarness(t testing.TB, mode LoginMode) (*harness, *fakeFederation) {
	t.Helper()
	hs := newHarness(t)
	fed := &fakeFederation{begun: map[string]string{}, returns: map[string]string{}, amr: []string{"pwd", "mfa"}}
	logs := &testsupport.Logs{}
	h, err := New(Deps{Backend: hs.be, Sealer: newGCMSealer(t), Clock: hs.clock, Rand: rand.Reader,
		Log: slog.New(slog.NewTextHandler(logs, nil)), Federation: fed}, Options{Issuer: testIssuer, LoginMode: mode})
	if err != nil {
		t.Fatal(err)
	}
	hs.h, hs.logs, hs.mux = h, logs, http.NewServeMux()
	h.Mount(hs.mux)
	return hs, fed
}

func TestLoginPageOffersProviders(t *testing.T) {
	hs, _ := newFedHarness(t, LoginPasswordAndFederated)
	a := hs.agent("192.0.2.1")
	ret := "/authorize?" + authorizeQuery(ssoClientID, ssoRedirect)
	w := a.get("/login?return=" + url.QueryEscape(ret))
	body := w.Body.String()
	for _, want := range []string{`id="idp-corp"`, "Continue with Corp SSO", "Continue with google", `name="password"`} {
		if !strings.Contains(body, want) {
			t.Errorf("login page lacks %q:\n%s", want, body)
		}
	}
	// The button carries the flow on.
	if !strings.Contains(body, `/login/federated/corp?return=%2fauthorize`) && !strings.Contains(body, `/login/federated/corp?return=%2Fauthorize`) {
		t.Errorf("the button does not carry the return:\n%s", body)
	}
}

// The whole round: the button, the provider, the callback; the browser is
// signed in as the provider's user with the provider's amr, under a new
// session id (WB-10), and goes on to the flow.
func TestFederatedLoginRound(t *testing.T) {
	hs, fed := newFedHarness(t, LoginPasswordAndFederated)
	a := hs.agent("192.0.2.1")
	a.get("/login")
	ret := "/device?user_code=BCDFG-HJKLM"
	w := a.get("/login/federated/corp?return=" + url.QueryEscape(ret))
	if w.Code != http.StatusFound || !strings.HasPrefix(w.Header().Get("Location"), "https://idp.example/authorize?") {
		t.Fatalf("begin: %d %s", w.Code, w.Header().Get("Location"))
	}
	state := location(t, w).Query().Get("state")
	before := a.cookies[hs.h.cookieName]
	w = a.get("/login/federated/corp/callback?state=" + state + "&code=c")
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != ret {
		t.Fatalf("callback: %d %s\n%s", w.Code, w.Header().Get("Location"), w.Body)
	}
	if a.cookies[hs.h.cookieName] == before {
		t.Error("the session id did not change at sign-in")
	}
	var rec *signet.BrowserSession
	hs.be.mu.Lock()
	for _, r := range hs.be.browser {
		rec = r
	}
	hs.be.mu.Unlock()
	if rec == nil || rec.UserID != "u-bob" || !reflect.DeepEqual(rec.AMR, fed.amr) {
		t.Fatalf("browser session %+v", rec)
	}
	// A callback from another browser with the same state: the generic
	// page, no session.
	other := hs.agent("192.0.2.2")
	other.get("/login")
	if w := other.get("/login/federated/corp/callback?state=" + state + "&code=c"); w.Code != http.StatusBadRequest ||
		!strings.Contains(w.Body.String(), "could not be completed") {
		t.Fatalf("foreign callback: %d\n%s", w.Code, w.Body)
	}
	if w := a.get("/login/federated/nosuch"); w.Code != http.StatusBadRequest {
		t.Errorf("unknown provider: %d", w.Code)
	}
	if w := a.get("/login/federated/Bad%20Name"); w.Code != http.StatusBadRequest {
		t.Errorf("malformed provider name: %d", w.Code)
	}
}

// --login federated-only: no password form, and its POST is refused even
// with the right password.
func TestLoginFederatedOnly(t *testing.T) {
	hs, _ := newFedHarness(t, LoginFederatedOnly)
	a := hs.agent("192.0.2.1")
	w := a.get("/login")
	if strings.Contains(w.Body.String(), `name="password"`) || !strings.Contains(w.Body.String(), `id="idp-corp"`) {
		t.Fatalf("federated-only login page:\n%s", w.Body)
	}
	form := url.Values{"csrf": {hidden(w.Body.String())["csrf"]}, "username": {"alice"}, "password": {alicePass}}
	if w := a.post("/login", form); w.Code != http.StatusForbidden {
		t.Fatalf("password POST: %d", w.Code)
	}
	hs.be.mu.Lock()
	n := len(hs.be.browser)
	hs.be.mu.Unlock()
	if n != 0 {
		t.Fatal("a password login started a session in federated-only mode")
	}
	if _, err := New(Deps{Backend: hs.be, Sealer: newGCMSealer(t), Clock: hs.clock, Rand: rand.Reader},
		Options{Issuer: testIssuer, LoginMode: LoginFederatedOnly}); err == nil {
		t.Error("federated-only without Federation was accepted")
	}
}

// idp_hint names a provider, login_hint an e-mail of a provider's domain:
// either skips the choice, on the login page or in the flow it returns to.
func TestLoginHints(t *testing.T) {
	hs, _ := newFedHarness(t, LoginPasswordAndFederated)
	a := hs.agent("192.0.2.1")
	flow := func(extra ...string) string {
		return "/authorize?" + authorizeQuery(ssoClientID, ssoRedirect, extra...)
	}
	for _, tc := range []struct {
		name, target, want string
	}{
		{"idp_hint in the flow", "/login?return=" + url.QueryEscape(flow("idp_hint", "google")), "/login/federated/google?return="},
		{"idp_hint on the page", "/login?idp_hint=corp", "/login/federated/corp"},
		{"login_hint of a domain", "/login?return=" + url.QueryEscape(flow("login_hint", "Dave@Corp.Example")), "/login/federated/corp?return="},
		{"login_hint of another domain", "/login?login_hint=dave@other.example", ""},
		{"unknown idp_hint", "/login?idp_hint=nosuch", ""},
		{"force shows the page", "/login?idp_hint=corp&force=1", ""},
	} {
		w := a.get(tc.target)
		switch {
		case tc.want == "" && w.Code != http.StatusOK:
			t.Errorf("%s: %d %s, want the login page", tc.name, w.Code, w.Header().Get("Location"))
		case tc.want != "" && (w.Code != http.StatusSeeOther || !strings.HasPrefix(w.Header().Get("Location"), tc.want)):
			t.Errorf("%s: %d %q, want a redirect to %s", tc.name, w.Code, w.Header().Get("Location"), tc.want)
		}
	}
}

func TestFederatedAMR(t *testing.T) {
	for _, tc := range []struct{ in, want []string }{
		{nil, nil},
		{[]string{"pwd", "mfa", "hwk"}, []string{"pwd", "mfa", "hwk"}},
		{[]string{"urn:okta:password", "pwd", "pwd", "otp"}, []string{"pwd", "otp"}},
	} {
		if got := FederatedAMR(tc.in); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("FederatedAMR(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

// FuzzFederatedCallback: any query at the callback, from a browser that
// began a login, gets an answer other than 500 and signs nobody in unless
// it carries the state that browser was given.
func FuzzFederatedCallback(f *testing.F) {
	f.Add("state=st-x&code=c")
	f.Add("error=access_denied&error_description=%00")
	f.Add("state=&code=&iss=https%3A%2F%2Fevil")
	hs, _ := newFedHarness(f, LoginPasswordAndFederated)
	f.Fuzz(func(t *testing.T, query string) {
		a := hs.agent("192.0.2.9")
		a.t = t
		a.get("/login/federated/corp")
		// What a browser would send: the query as one request line.
		q, err := url.ParseQuery(query)
		if err != nil {
			q = url.Values{"state": {query}}
		}
		w := a.get("/login/federated/corp/callback?" + q.Encode())
		if w.Code >= 500 {
			t.Fatalf("callback ?%s: %d", query, w.Code)
		}
		if w.Code == http.StatusSeeOther {
			t.Fatalf("callback ?%s signed in without the state", query)
		}
	})
}
