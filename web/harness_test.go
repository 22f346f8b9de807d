package web

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"html"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/internal/testsupport"
	"github.com/signet-auth/signet/secret"
)

// fakeBackend is the engine as the pages see it: users, clients, issued
// codes and device authorizations in memory, with the engine's rules that
// the pages rely on (exact redirect match with the loopback port rule,
// terminal device states stay terminal).
type fakeBackend struct {
	clock signet.Clock

	mu        sync.Mutex
	users     map[string]signet.User
	passwords map[string]string // user id → password
	clients   map[string]signet.Client
	codes     []CodeRequest
	devices   map[string]*signet.DeviceAuthorization // by normalised user code
	issueErr  error                                  // IssueCode fails with it when set
	browser   map[string]*signet.BrowserSession      // by token
	// browserLifetime is the absolute limit of a browser session; 0: 12 h.
	browserLifetime time.Duration
	nLookups        int // LookupUserCode calls
}

// lookups is how many times the pages looked a user code up.
func (b *fakeBackend) lookups() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.nLookups
}

func newFakeBackend(clock signet.Clock) *fakeBackend {
	return &fakeBackend{
		clock:     clock,
		users:     map[string]signet.User{},
		passwords: map[string]string{},
		clients:   map[string]signet.Client{},
		devices:   map[string]*signet.DeviceAuthorization{},
	}
}

func (b *fakeBackend) addUser(u signet.User, password string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.users[u.ID] = u
	b.passwords[u.ID] = password
}

func (b *fakeBackend) updateUser(id string, f func(*signet.User)) {
	b.mu.Lock()
	defer b.mu.Unlock()
	u := b.users[id]
	f(&u)
	b.users[id] = u
}

func (b *fakeBackend) addClient(c signet.Client) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.clients[c.ID] = c
}

// addDevice starts a pending device authorization and returns its user
// code as shown.
func (b *fakeBackend) addDevice(userCode, clientID string, scopes []string, ttl time.Duration) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.clock.Now()
	b.devices[secret.NormalizeUserCode(userCode)] = &signet.DeviceAuthorization{
		ClientID: clientID, Protocol: signet.ProtocolSSOOIDC, Scopes: scopes,
		Status: signet.DevicePending, CreatedAt: now, ExpiresAt: now.Add(ttl),
	}
	return userCode
}

func (b *fakeBackend) device(userCode string) signet.DeviceAuthorization {
	b.mu.Lock()
	defer b.mu.Unlock()
	return *b.devices[secret.NormalizeUserCode(userCode)]
}

func (b *fakeBackend) issued() []CodeRequest {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]CodeRequest(nil), b.codes...)
}

func (b *fakeBackend) Authenticate(_ context.Context, name, password string) (signet.User, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, u := range b.users {
		if u.Name == name && b.passwords[u.ID] == password && !u.Disabled {
			return u, nil
		}
	}
	return signet.User{}, signet.Errorf(signet.CodeAccessDenied, "Invalid credentials.")
}

func (b *fakeBackend) User(_ context.Context, id string) (signet.User, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	u, ok := b.users[id]
	if !ok {
		return u, signet.ErrNotFound
	}
	return u, nil
}

func (b *fakeBackend) Client(_ context.Context, id string) (signet.Client, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	c, ok := b.clients[id]
	if !ok {
		return c, signet.ErrNotFound
	}
	return c, nil
}

// MatchRedirectURI: exact match, or a registered port-less loopback URI
// with a port added (RFC 8252 §7.3).
func (b *fakeBackend) MatchRedirectURI(c signet.Client, uri string) bool {
	for _, reg := range c.RedirectURIs {
		if uri == reg {
			return true
		}
		for _, host := range []string{"http://127.0.0.1", "http://[::1]"} {
			rest, ok := strings.CutPrefix(reg, host)
			if !ok || !strings.HasPrefix(rest, "/") {
				continue
			}
			tail, ok := strings.CutPrefix(uri, host+":")
			if !ok {
				continue
			}
			port, path, ok := strings.Cut(tail, "/")
			if ok && isPort(port) && "/"+path == rest {
				return true
			}
		}
	}
	return false
}

func (b *fakeBackend) IssueCode(_ context.Context, req CodeRequest) (string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.issueErr != nil {
		return "", b.issueErr
	}
	if _, ok := b.clients[req.ClientID]; !ok && req.Protocol != signet.ProtocolSignIn {
		return "", signet.Errorf(signet.CodeUnauthorizedClient, "Unknown client.")
	}
	b.codes = append(b.codes, req)
	return "sac_code" + string(rune('A'+len(b.codes))), nil
}

func (b *fakeBackend) LookupUserCode(_ context.Context, typed string) (signet.DeviceAuthorization, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.nLookups++
	d, ok := b.devices[secret.NormalizeUserCode(typed)]
	if !ok {
		return signet.DeviceAuthorization{}, signet.ErrNotFound
	}
	return *d, nil
}

func (b *fakeBackend) DecideDevice(_ context.Context, typed string, approve bool, userID string, authTime time.Time) (signet.DeviceAuthorization, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	d, ok := b.devices[secret.NormalizeUserCode(typed)]
	switch {
	case !ok:
		return signet.DeviceAuthorization{}, signet.ErrNotFound
	case d.Status != signet.DevicePending:
		return *d, signet.ErrAlreadyUsed
	case !b.clock.Now().Before(d.ExpiresAt):
		return *d, signet.Errorf(signet.CodeExpiredToken, "The device code has expired.")
	}
	d.Status = signet.DeviceDenied
	if approve {
		d.Status, d.UserID, d.AuthTime = signet.DeviceApproved, userID, authTime
	}
	return *d, nil
}

// gcmSealer is AES-256-GCM with a random nonce in front, as the keyring's
// AEAD key does it.
type gcmSealer struct{ aead cipher.AEAD }

func newGCMSealer(t testing.TB) *gcmSealer {
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	block, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		t.Fatal(err)
	}
	return &gcmSealer{aead}
}

func (s *gcmSealer) Seal(pt, ad []byte) ([]byte, error) {
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(pt)+s.aead.Overhead())
	_, _ = rand.Read(nonce)
	return s.aead.Seal(nonce, nonce, pt, ad), nil
}

func (s *gcmSealer) Open(ct, ad []byte) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(ct) < n {
		return nil, errors.New("short ciphertext")
	}
	return s.aead.Open(nil, ct[:n], ct[n:], ad)
}

// Fixtures.
const (
	testIssuer   = "https://signet.test"
	aliceID      = "u-alice"
	alicePass    = "correct horse battery staple"
	ssoClientID  = "sso-client-1"
	ssoRedirect  = "http://127.0.0.1/oauth/callback"
	webClientID  = "web-client-1"
	webRedirect  = "https://app.example/cb"
	dynClientID  = "dyn-client-1"
	testVerifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
)

func challengeOf(verifier string) string {
	s := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(s[:])
}

var testChallenge = challengeOf(testVerifier)

type harness struct {
	t     testing.TB
	h     *Handler
	mux   *http.ServeMux
	be    *fakeBackend
	clock *testsupport.Clock
	logs  *testsupport.Logs
}

func newHarness(t testing.TB, opts ...func(*Options)) *harness {
	t.Helper()
	clock := testsupport.NewClock(time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC))
	be := newFakeBackend(clock)
	be.addUser(signet.User{ID: aliceID, Name: "alice", DisplayName: "Alice",
		Assignments: []signet.Assignment{{AccountID: "111111111111", RoleName: "Developer"}, {AccountID: "222222222222", RoleName: "ReadOnly"}}}, alicePass)
	be.addUser(signet.User{ID: "u-bob", Name: "bob"}, "bob-password")
	be.addUser(signet.User{ID: "u-mallory", Name: "mallory"}, "mallory-password")
	be.addClient(signet.Client{ID: ssoClientID, Name: "botocore-client-dev", Type: signet.ClientPublic, Dynamic: true,
		GrantTypes: []string{signet.GrantAuthorizationCode, signet.GrantRefreshToken}, RedirectURIs: []string{ssoRedirect}, Scopes: []string{"sso:account:access"}})
	be.addClient(signet.Client{ID: webClientID, Name: "Team Portal", Type: signet.ClientConfidential,
		GrantTypes: []string{signet.GrantAuthorizationCode}, RedirectURIs: []string{webRedirect}, Scopes: []string{"openid", "profile"}})
	be.addClient(signet.Client{ID: dynClientID, Name: "<img src=x onerror=alert(1)>Acme\u202eCLI", Type: signet.ClientPublic, Dynamic: true,
		RedirectURIs: []string{"http://127.0.0.1/cb"}, GrantTypes: []string{signet.GrantDeviceCode}})
	logs := &testsupport.Logs{}
	o := Options{Issuer: testIssuer}
	for _, f := range opts {
		f(&o)
	}
	h, err := New(Deps{Backend: be, Sealer: newGCMSealer(t), Clock: clock, Rand: rand.Reader,
		Log: slog.New(slog.NewTextHandler(logs, nil))}, o)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	h.Mount(mux)
	return &harness{t: t, h: h, mux: mux, be: be, clock: clock, logs: logs}
}

// agent is one browser: its cookies, its IP, and the headers a browser
// sends on a same-origin form post.
type agent struct {
	hs      *harness
	t       testing.TB // the test it reports to: the harness's, or a fuzz target's
	ip      string
	cookies map[string]string
}

func (hs *harness) agent(ip string) *agent {
	return &agent{hs: hs, t: hs.t, ip: ip, cookies: map[string]string{}}
}

func (a *agent) do(method, target string, form url.Values, hdr http.Header) *httptest.ResponseRecorder {
	a.t.Helper()
	var body *strings.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	} else {
		body = strings.NewReader("")
	}
	r := httptest.NewRequest(method, a.hs.h.opts.Issuer+target, body)
	r.RemoteAddr = a.ip + ":40000"
	if form != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range hdr {
		r.Header[k] = v
	}
	for name, v := range a.cookies {
		r.AddCookie(&http.Cookie{Name: name, Value: v})
	}
	w := httptest.NewRecorder()
	a.hs.mux.ServeHTTP(w, r)
	for _, c := range w.Result().Cookies() {
		if c.MaxAge < 0 {
			delete(a.cookies, c.Name)
		} else {
			a.cookies[c.Name] = c.Value
		}
	}
	return w
}

func (a *agent) get(target string) *httptest.ResponseRecorder {
	a.t.Helper()
	return a.do("GET", target, nil, nil)
}

// sameOrigin are the headers a browser adds to a form post from our page.
func sameOrigin() http.Header {
	return http.Header{"Sec-Fetch-Site": {"same-origin"}, "Origin": {testIssuer}}
}

func (a *agent) post(target string, form url.Values) *httptest.ResponseRecorder {
	a.t.Helper()
	return a.do("POST", target, form, sameOrigin())
}

var hiddenRE = regexp.MustCompile(`<input type="hidden" name="([a-z_]+)" value="([^"]*)">`)

// hidden returns the last value of each hidden field of a page.
func hidden(body string) map[string]string {
	m := map[string]string{}
	for _, s := range hiddenRE.FindAllStringSubmatch(body, -1) {
		m[s[1]] = html.UnescapeString(s[2])
	}
	return m
}

// formOf returns the hidden fields of the page's form that posts to action.
func formOf(t testing.TB, body, action string) url.Values {
	t.Helper()
	i := strings.Index(body, `action="`+action+`"`)
	if i < 0 {
		t.Fatalf("no form posting to %s in:\n%s", action, body)
	}
	rest := body[i:]
	if j := strings.Index(rest, "</form>"); j >= 0 {
		rest = rest[:j]
	}
	v := url.Values{}
	for k, s := range hidden(rest) {
		v.Set(k, s)
	}
	return v
}

// login signs the agent in as name through the login page.
func (a *agent) login(name, password string) *httptest.ResponseRecorder {
	a.t.Helper()
	page := a.get("/login")
	f := formOf(a.t, page.Body.String(), "/login")
	f.Set("username", name)
	f.Set("password", password)
	return a.post("/login", f)
}

func authorizeQuery(clientID, redirectURI string, extra ...string) string {
	v := url.Values{
		"response_type":         {"code"},
		"client_id":             {clientID},
		"redirect_uri":          {redirectURI},
		"state":                 {"st-123"},
		"code_challenge_method": {"S256"},
		"code_challenge":        {testChallenge},
	}
	for i := 0; i+1 < len(extra); i += 2 {
		if extra[i+1] == "\x00" {
			v.Del(extra[i])
		} else {
			v.Set(extra[i], extra[i+1])
		}
	}
	return v.Encode()
}

// location parses the Location of a redirect.
func location(t testing.TB, w *httptest.ResponseRecorder) *url.URL {
	t.Helper()
	u, err := url.Parse(w.Header().Get("Location"))
	if err != nil || w.Header().Get("Location") == "" {
		t.Fatalf("status %d, no usable Location %q; body:\n%s", w.Code, w.Header().Get("Location"), w.Body.String())
	}
	return u
}

// consent drives an authorize URL through to the consent page of a
// signed-in agent and returns the consent form.
func (a *agent) consent(authorizeURL string) url.Values {
	a.t.Helper()
	w := a.get(authorizeURL)
	if w.Code != http.StatusOK {
		a.t.Fatalf("authorize: status %d, Location %q, body:\n%s", w.Code, w.Header().Get("Location"), w.Body.String())
	}
	return formOf(a.t, w.Body.String(), "/consent")
}
