package brokertest

import (
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Paths the fake serves: Figma's two endpoints and one RFC 6749 token
// endpoint.
const (
	FigmaTokenPath   = "/v1/oauth/token"
	FigmaRefreshPath = "/v1/oauth/refresh"
	OAuth2TokenPath  = "/oauth2/token"
)

// ExpiresIn is the lifetime the fake gives access tokens: Figma's 90 days.
const ExpiresIn = 7776000

// Behavior answers one request in place of the fake's normal handling.
type Behavior func(u *Upstream, w http.ResponseWriter, r *http.Request)

// Upstream is a fake token provider on a real TLS listener.
//
// On the Figma paths it behaves as Figma documents its OAuth token API
// (https://developers.figma.com/docs/rest-api/authentication/): POST,
// application/x-www-form-urlencoded, the client in an Authorization: Basic
// header; a code is good once, for the client and redirect_uri it was
// issued to; success bodies are {"user_id_string","access_token",
// "token_type","expires_in","refresh_token"} (refresh: no refresh_token);
// errors are Figma's {"error":true,"status":N,"message":"…"}. Figma does
// not document its status for bad client credentials; the fake answers
// 401, as RFC 6749 §5.2 does for invalid_client.
//
// On OAuth2TokenPath it is an RFC 6749 token endpoint taking
// client_secret_basic (id and secret form-encoded, §2.3.1) or
// client_secret_post, with §5.2 error bodies.
type Upstream struct {
	srv *httptest.Server

	mu        sync.Mutex
	clients   map[string]string // id → secret
	codes     map[string]*grant
	refresh   map[string]string // refresh token → client id
	calls     map[string]int
	cancelled int
	script    []Behavior
	issued    []string
	last      map[string]*http.Request
	lastForm  map[string]url.Values
}

type grant struct {
	client, redirect string
	used             bool
}

// NewUpstream starts a fake provider that knows the given clients (id →
// secret). It stops when the test ends.
func NewUpstream(t testing.TB, clients map[string]string) *Upstream {
	t.Helper()
	u := &Upstream{clients: map[string]string{}, codes: map[string]*grant{}, refresh: map[string]string{},
		calls: map[string]int{}, last: map[string]*http.Request{}, lastForm: map[string]url.Values{}}
	for id, s := range clients {
		u.clients[id] = s
		u.issued = append(u.issued, s)
	}
	u.srv = httptest.NewTLSServer(http.HandlerFunc(u.serve))
	t.Cleanup(u.srv.Close)
	return u
}

// URL is the fake's base URL (https://127.0.0.1:port).
func (u *Upstream) URL() string { return u.srv.URL }

// RootCAs trusts the fake's certificate.
func (u *Upstream) RootCAs() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(u.srv.Certificate())
	return p
}

// Close stops the fake now (also done at the end of the test).
func (u *Upstream) Close() { u.srv.Close() }

func (u *Upstream) mint(prefix string) string {
	b := make([]byte, 20)
	rand.Read(b)
	s := prefix + hex.EncodeToString(b)
	u.issued = append(u.issued, s)
	return s
}

// IssueCode returns a fresh authorization code for client and redirectURI,
// as Figma's authorize endpoint would.
func (u *Upstream) IssueCode(clientID, redirectURI string) string {
	u.mu.Lock()
	defer u.mu.Unlock()
	c := u.mint("figcode_")
	u.codes[c] = &grant{client: clientID, redirect: redirectURI}
	return c
}

// IssueRefreshToken returns a refresh token of clientID.
func (u *Upstream) IssueRefreshToken(clientID string) string {
	u.mu.Lock()
	defer u.mu.Unlock()
	t := u.mint("figur_")
	u.refresh[t] = clientID
	return t
}

// Script queues behaviours for the next requests, one each, in order.
func (u *Upstream) Script(bs ...Behavior) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.script = append(u.script, bs...)
}

// Calls returns how many requests reached path ("" for all paths).
func (u *Upstream) Calls(path string) int {
	u.mu.Lock()
	defer u.mu.Unlock()
	if path == "" {
		n := 0
		for _, c := range u.calls {
			n += c
		}
		return n
	}
	return u.calls[path]
}

// Cancelled returns how many Hang requests ended because the client went
// away.
func (u *Upstream) Cancelled() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.cancelled
}

// Issued returns every secret the fake knows: client secrets, codes,
// access and refresh tokens.
func (u *Upstream) Issued() []string {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]string(nil), u.issued...)
}

// Last returns the last request to path and its parsed form.
func (u *Upstream) Last(path string) (*http.Request, url.Values) {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.last[path], u.lastForm[path]
}

func (u *Upstream) serve(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	_ = r.ParseForm()
	u.mu.Lock()
	u.calls[r.URL.Path]++
	u.last[r.URL.Path] = r
	u.lastForm[r.URL.Path] = r.PostForm
	var b Behavior
	if len(u.script) > 0 {
		b, u.script = u.script[0], u.script[1:]
	}
	u.mu.Unlock()
	if b != nil {
		b(u, w, r)
		return
	}
	u.Normal(w, r)
}

// Normal answers as the documented API does.
func (u *Upstream) Normal(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case FigmaTokenPath, FigmaRefreshPath:
		u.figma(w, r)
	case OAuth2TokenPath:
		u.oauth2(w, r)
	default:
		figmaError(w, http.StatusNotFound, "Not found")
	}
}

func formRequest(r *http.Request) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return r.Method == http.MethodPost && err == nil && mt == "application/x-www-form-urlencoded"
}

func figmaError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]any{"error": true, "status": status, "message": msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (u *Upstream) figma(w http.ResponseWriter, r *http.Request) {
	if !formRequest(r) {
		figmaError(w, http.StatusBadRequest, "Invalid request")
		return
	}
	id, secret, ok := r.BasicAuth()
	u.mu.Lock()
	defer u.mu.Unlock()
	if want, known := u.clients[id]; !ok || !known || want != secret {
		figmaError(w, http.StatusUnauthorized, "Invalid client credentials")
		return
	}
	if r.URL.Path == FigmaRefreshPath {
		if owner, ok := u.refresh[r.PostForm.Get("refresh_token")]; !ok || owner != id {
			figmaError(w, http.StatusBadRequest, "Invalid refresh token")
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"access_token": u.mint("figu_"), "token_type": "bearer", "expires_in": ExpiresIn})
		return
	}
	if r.PostForm.Get("grant_type") != "authorization_code" {
		figmaError(w, http.StatusBadRequest, "Invalid grant_type")
		return
	}
	g, ok := u.codes[r.PostForm.Get("code")]
	if !ok || g.used || g.client != id || g.redirect != r.PostForm.Get("redirect_uri") {
		if ok {
			g.used = true // a code is good for one attempt
		}
		figmaError(w, http.StatusBadRequest, "Invalid code")
		return
	}
	g.used = true
	rt := u.mint("figur_")
	u.refresh[rt] = id
	writeJSON(w, http.StatusOK, map[string]any{"user_id_string": "1234567890", "access_token": u.mint("figu_"),
		"token_type": "bearer", "expires_in": ExpiresIn, "refresh_token": rt})
}

func oauthError(w http.ResponseWriter, status int, code string) {
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="token"`)
	}
	writeJSON(w, status, map[string]string{"error": code})
}

func (u *Upstream) oauth2(w http.ResponseWriter, r *http.Request) {
	if !formRequest(r) {
		oauthError(w, http.StatusBadRequest, "invalid_request")
		return
	}
	id, secret, basic := r.BasicAuth()
	if basic {
		id, _ = url.QueryUnescape(id)
		secret, _ = url.QueryUnescape(secret)
		if r.PostForm.Has("client_secret") {
			oauthError(w, http.StatusBadRequest, "invalid_request") // §2.3: one method only
			return
		}
	} else {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if want, known := u.clients[id]; !known || want != secret || secret == "" {
		oauthError(w, http.StatusUnauthorized, "invalid_client")
		return
	}
	switch r.PostForm.Get("grant_type") {
	case "authorization_code":
		g, ok := u.codes[r.PostForm.Get("code")]
		if !ok || g.used || g.client != id || g.redirect != r.PostForm.Get("redirect_uri") {
			if ok {
				g.used = true
			}
			oauthError(w, http.StatusBadRequest, "invalid_grant")
			return
		}
		g.used = true
		rt := u.mint("rt_")
		u.refresh[rt] = id
		writeJSON(w, http.StatusOK, map[string]any{"access_token": u.mint("at_"), "token_type": "Bearer", "expires_in": 3600, "refresh_token": rt})
	case "refresh_token":
		if owner, ok := u.refresh[r.PostForm.Get("refresh_token")]; !ok || owner != id {
			oauthError(w, http.StatusBadRequest, "invalid_grant")
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"access_token": u.mint("at_"), "token_type": "Bearer", "expires_in": 3600})
	default:
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type")
	}
}

// Behaviours for Script.

// Respond answers status with body and Content-Type ctype.
func Respond(status int, ctype, body string) Behavior {
	return func(_ *Upstream, w http.ResponseWriter, _ *http.Request) {
		if ctype != "" {
			w.Header().Set("Content-Type", ctype)
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}
}

// Throttle answers 429 with Retry-After.
func Throttle(retryAfterSeconds int) Behavior {
	return func(_ *Upstream, w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Retry-After", strconv.Itoa(retryAfterSeconds))
		figmaError(w, http.StatusTooManyRequests, "Rate limit exceeded")
	}
}

// Redirect answers 307 to location.
func Redirect(location string) Behavior {
	return func(_ *Upstream, w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, location, http.StatusTemporaryRedirect)
	}
}

// Oversized answers 200 with a JSON token response padded past n bytes.
func Oversized(n int) Behavior {
	return func(u *Upstream, w http.ResponseWriter, _ *http.Request) {
		u.mu.Lock()
		at := u.mint("figu_")
		u.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"access_token":%q,"token_type":"bearer","expires_in":60,"refresh_token":"x","pad":"%s"}`, at, strings.Repeat("x", n))
	}
}

// Hang never answers: it waits until the client goes away (counted by
// Cancelled) or the server closes.
func Hang() Behavior {
	return func(u *Upstream, _ http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
		u.mu.Lock()
		u.cancelled++
		u.mu.Unlock()
	}
}

// Drip sends the status line and headers, then one byte of body every
// interval until the client goes away.
func Drip(interval time.Duration) Behavior {
	return func(u *Upstream, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		rc := http.NewResponseController(w)
		_, _ = w.Write([]byte("{"))
		_ = rc.Flush()
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-r.Context().Done():
				u.mu.Lock()
				u.cancelled++
				u.mu.Unlock()
				return
			case <-t.C:
				if _, err := w.Write([]byte(" ")); err != nil {
					return
				}
				_ = rc.Flush()
			}
		}
	}
}

// Gate holds the request until release is closed, then answers normally.
func Gate(entered chan<- struct{}, release <-chan struct{}) Behavior {
	return func(u *Upstream, w http.ResponseWriter, r *http.Request) {
		entered <- struct{}{}
		select {
		case <-release:
			u.Normal(w, r)
		case <-r.Context().Done():
		}
	}
}

// Delay waits d (or until the client goes away), then answers normally.
func Delay(d time.Duration) Behavior {
	return func(u *Upstream, w http.ResponseWriter, r *http.Request) {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
			u.Normal(w, r)
		case <-r.Context().Done():
		}
	}
}

// Normal answers as documented (a placeholder in a Script sequence).
func Normal() Behavior {
	return func(u *Upstream, w http.ResponseWriter, r *http.Request) { u.Normal(w, r) }
}
