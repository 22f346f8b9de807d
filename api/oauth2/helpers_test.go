package oauth2_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"golang.org/x/oauth2"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/authserver"
	"github.com/signet-auth/signet/dpop"
	"github.com/signet-auth/signet/internal/testenv"
)

const redirectURI = "http://127.0.0.1/callback"

// newEnv starts a server with a one-second device poll interval, so that
// golang.org/x/oauth2's DeviceAccessToken polls after one second.
func newEnv(t *testing.T, o testenv.Options) *testenv.Env {
	t.Helper()
	o.Lifetimes.DevicePollInterval = time.Second
	return testenv.New(t, o)
}

// client registers a client the way an administrator does.
func client(t *testing.T, e *testenv.Env, typ signet.ClientType, grants []string, scopes ...string) authserver.IssuedClient {
	t.Helper()
	spec := authserver.ClientSpec{Name: "app", Type: typ, GrantTypes: grants, Scopes: scopes}
	for _, g := range grants {
		if g == signet.GrantAuthorizationCode {
			spec.RedirectURIs = []string{redirectURI}
		}
	}
	ic, err := e.Engine.CreateClient(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	return ic
}

// webClient is a confidential client of the code flow with refresh.
func webClient(t *testing.T, e *testenv.Env) authserver.IssuedClient {
	return client(t, e, signet.ClientConfidential,
		[]string{signet.GrantAuthorizationCode, signet.GrantRefreshToken}, "openid", "profile", "email")
}

// config is a golang.org/x/oauth2 configuration for c on e.
func config(e *testenv.Env, c authserver.IssuedClient, scopes ...string) *oauth2.Config {
	return &oauth2.Config{
		ClientID: c.Client.ID, ClientSecret: c.Secret, RedirectURL: redirectURI, Scopes: scopes,
		Endpoint: oauth2.Endpoint{
			AuthURL: e.URL + "/oauth2/authorize", TokenURL: e.URL + "/oauth2/token",
			DeviceAuthURL: e.URL + "/oauth2/device_authorization", AuthStyle: oauth2.AuthStyleInHeader,
		},
	}
}

// authorize walks the browser through an authorization URL and returns the
// code the redirect carries.
func authorize(t *testing.T, e *testenv.Env, authURL string) string {
	t.Helper()
	loc := e.Browser(t).AuthorizeURL(authURL)
	u, err := url.Parse(loc)
	if err != nil || !strings.HasPrefix(loc, redirectURI) {
		t.Fatalf("authorize: redirected to %q", loc)
	}
	code := u.Query().Get("code")
	if code == "" {
		t.Fatalf("authorize: no code in %q", loc)
	}
	return code
}

// codeFor runs the authorization request of c through the pages with the
// challenge of verifier and extra parameters, and returns the code.
func codeFor(t *testing.T, e *testenv.Env, c authserver.IssuedClient, verifier string, extra ...string) string {
	t.Helper()
	opts := []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(verifier)}
	for i := 0; i+1 < len(extra); i += 2 {
		opts = append(opts, oauth2.SetAuthURLParam(extra[i], extra[i+1]))
	}
	return authorize(t, e, config(e, c, "openid", "profile").AuthCodeURL("state-1", opts...))
}

// reply is a response as the tests look at it.
type reply struct {
	Status int
	Header http.Header
	Body   map[string]any
	Raw    string
}

func (r reply) str(name string) string { s, _ := r.Body[name].(string); return s }

// call sends a request to e and reads the reply; header pairs are name,
// value.
func call(t *testing.T, e *testenv.Env, method, path, body, contentType string, header ...string) reply {
	t.Helper()
	req, err := http.NewRequest(method, e.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Add(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	r := reply{Status: resp.StatusCode, Header: resp.Header, Raw: string(raw)}
	_ = json.Unmarshal(raw, &r.Body)
	return r
}

// post sends a form.
func post(t *testing.T, e *testenv.Env, path string, form url.Values, header ...string) reply {
	t.Helper()
	return call(t, e, http.MethodPost, path, form.Encode(), "application/x-www-form-urlencoded", header...)
}

// basic is an Authorization header value per RFC 6749 §2.3.1.
func basic(id, secret string) string {
	req, _ := http.NewRequest("GET", "/", nil)
	req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	return req.Header.Get("Authorization")
}

// secretAuth adds client_secret_post credentials to a form.
func secretAuth(f url.Values, c authserver.IssuedClient) url.Values {
	f.Set("client_id", c.Client.ID)
	f.Set("client_secret", c.Secret)
	return f
}

// wantError checks an RFC 6749 §5.2 error reply.
func wantError(t *testing.T, r reply, status int, code string) {
	t.Helper()
	if r.Status != status || r.str("error") != code {
		t.Fatalf("got %d %s, want %d %s", r.Status, r.Raw, status, code)
	}
	if r.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store", r.Header.Get("Cache-Control"))
	}
}

// exchange redeems a code with client_secret_post.
func exchange(t *testing.T, e *testenv.Env, c authserver.IssuedClient, code, verifier string, header ...string) reply {
	t.Helper()
	return post(t, e, "/oauth2/token", secretAuth(url.Values{
		"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirectURI}, "code_verifier": {verifier},
	}, c), header...)
}

// refresh redeems a refresh token with client_secret_post.
func refresh(t *testing.T, e *testenv.Env, c authserver.IssuedClient, rt string, header ...string) reply {
	t.Helper()
	return post(t, e, "/oauth2/token", secretAuth(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}, c), header...)
}

// introspect asks about token as c.
func introspect(t *testing.T, e *testenv.Env, c authserver.IssuedClient, token string) reply {
	t.Helper()
	return post(t, e, "/oauth2/introspect", secretAuth(url.Values{"token": {token}}, c))
}

// active reports whether c's introspection finds token active.
func active(t *testing.T, e *testenv.Env, c authserver.IssuedClient, token string) bool {
	t.Helper()
	r := introspect(t, e, c, token)
	if r.Status != http.StatusOK {
		t.Fatalf("introspect: %d %s", r.Status, r.Raw)
	}
	return r.Body["active"] == true
}

// key is a client's DPoP key.
type key struct{ priv *ecdsa.PrivateKey }

func newKey(t *testing.T) key {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return key{k}
}

func (k key) jkt(t *testing.T) string {
	t.Helper()
	j, err := dpop.KeyThumbprint(&k.priv.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// proof is a DPoP proof for method and url at the environment's time.
func (k key) proof(t *testing.T, e *testenv.Env, method, u string, opts ...dpop.ProofOption) string {
	t.Helper()
	p, err := dpop.NewProof(k.priv, method, u, e.Clock.Now(), rand.Text(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// fetchJWKS reads the published keys.
func fetchJWKS(t *testing.T, e *testenv.Env) jose.JSONWebKeySet {
	t.Helper()
	r := call(t, e, http.MethodGet, "/.well-known/jwks.json", "", "")
	var set jose.JSONWebKeySet
	if r.Status != http.StatusOK || json.Unmarshal([]byte(r.Raw), &set) != nil {
		t.Fatalf("jwks: %d %s", r.Status, r.Raw)
	}
	return set
}

// verifyJWT checks token against the published JWKS with go-jose and
// returns its claims and kid.
func verifyJWT(t *testing.T, e *testenv.Env, token string, claims any) string {
	t.Helper()
	tok, err := jwt.ParseSigned(token, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		t.Fatal(err)
	}
	kid := tok.Headers[0].KeyID
	set := fetchJWKS(t, e)
	keys := set.Key(kid)
	if kid == "" || len(keys) != 1 {
		t.Fatalf("kid %q names %d published keys", kid, len(keys))
	}
	if err := tok.Claims(keys[0].Key, claims); err != nil {
		t.Fatal(err)
	}
	return kid
}

func decodeJSON(t *testing.T, resp *http.Response, v any) {
	t.Helper()
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}
