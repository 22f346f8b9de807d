package authserver

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/internal/testsupport"
	"github.com/signet-auth/signet/password"
	"github.com/signet-auth/signet/secret"
)

// lockedReader makes a deterministic source safe for concurrent tests.
type lockedReader struct {
	mu sync.Mutex
	r  *rand.ChaCha8
}

func (l *lockedReader) Read(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.r.Read(p)
}

// countingObserver counts GrantIssued calls.
type countingObserver struct {
	mu sync.Mutex
	n  map[string]int
}

func (o *countingObserver) GrantIssued(p signet.Protocol, g string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.n[string(p)+" "+g]++
}

func (o *countingObserver) count(p signet.Protocol, g string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.n[string(p)+" "+g]
}

type fixture struct {
	t      testing.TB
	ctx    context.Context
	srv    *Server
	clock  *testsupport.Clock
	stores signet.Stores
	obs    *countingObserver
}

const (
	testPassword = "correct horse battery"
	loopbackCB   = "http://127.0.0.1/oauth/callback"
	signInID     = "arn:aws:signin:::devtools/same-device"
	verifier     = "Vq3n.f~X0aJ-3kR8pUo2LmZt9yWc7eHb5sNd1gQx4iKvA6rT_jE0uYhB2oCw8lMz"
	// jktA and jktB are two RFC 7638 thumbprints (43 base64url characters).
	jktA = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
	jktB = "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"
)

func challengeOf(v string) string {
	sum := sha256.Sum256([]byte(v))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// newFixture builds a Server on a fresh store with a fake clock, a seeded
// random source and cheap argon2 parameters; mutate adjusts the Config.
func newFixture(t testing.TB, mutate ...func(*Config)) *fixture {
	t.Helper()
	f, cfg := newFixtureConfig(t)
	for _, m := range mutate {
		m(&cfg)
	}
	srv, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	f.srv = srv
	return f
}

// newFixtureConfig builds everything but the Server.
func newFixtureConfig(t testing.TB) (*fixture, Config) {
	t.Helper()
	ctx := t.Context()
	clock := testsupport.NewClock(time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC))
	rnd := &lockedReader{r: rand.NewChaCha8([32]byte{1, 2, 3})}
	h, err := secret.NewHasher([]byte(strings.Repeat("k", 32)))
	if err != nil {
		t.Fatal(err)
	}
	pw, err := password.New(rnd, password.Params{Memory: password.MinMemory, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32})
	if err != nil {
		t.Fatal(err)
	}
	stores := openStores(t)
	obs := &countingObserver{n: map[string]int{}}
	cfg := Config{
		Users: stores.Users, Clients: stores.Clients, Grants: stores.Grants, Browser: stores.Browser,
		Minter: secret.NewMinter(rnd, h), Clock: clock, Passwords: pw, Observer: obs,
	}
	return &fixture{t: t, ctx: ctx, clock: clock, stores: stores, obs: obs}, cfg
}

// lifetimesErr is the error for lifetimes l, as New reports it.
func lifetimesErr(t testing.TB, l Lifetimes) error {
	t.Helper()
	_, err := l.WithDefaults()
	return err
}

func (f *fixture) user(name string) signet.User {
	f.t.Helper()
	u, err := f.srv.CreateUser(f.ctx, name, "User "+name, testPassword)
	if err != nil {
		f.t.Fatal(err)
	}
	return u
}

// ssoClient registers a public SSO OIDC client for the PKCE flow, as the
// AWS CLI does.
func (f *fixture) ssoClient() IssuedClient {
	f.t.Helper()
	c, err := f.srv.RegisterClient(f.ctx, Registration{
		ClientName: "botocore-client-test", ClientType: "public",
		GrantTypes:   []string{signet.GrantAuthorizationCode, signet.GrantRefreshToken},
		RedirectURIs: []string{loopbackCB}, Scopes: []string{"sso:account:access", "openid"},
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return c
}

// deviceClient registers a client the way the device flow does (no grant
// types).
func (f *fixture) deviceClient() IssuedClient {
	f.t.Helper()
	c, err := f.srv.RegisterClient(f.ctx, Registration{ClientName: "device-client", ClientType: "public"})
	if err != nil {
		f.t.Fatal(err)
	}
	return c
}

// signInClient creates the built-in public Sign-In client (no secret).
func (f *fixture) signInClient() IssuedClient {
	f.t.Helper()
	c, err := f.srv.CreateClient(f.ctx, ClientSpec{
		ID: signInID, Name: "AWS CLI", Type: signet.ClientPublic,
		GrantTypes:   []string{signet.GrantAuthorizationCode, signet.GrantRefreshToken},
		RedirectURIs: []string{loopbackCB},
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return c
}

func (f *fixture) authorize(c IssuedClient, u signet.User, p signet.Protocol, mutate ...func(*AuthorizeRequest)) string {
	f.t.Helper()
	r := AuthorizeRequest{
		ClientID: c.Client.ID, UserID: u.ID, Protocol: p,
		RedirectURI: "http://127.0.0.1:53219/oauth/callback", Scopes: c.Client.Scopes,
		CodeChallenge: challengeOf(verifier), CodeChallengeMethod: "S256", Nonce: "n-0S6_WzA2Mj",
	}
	for _, m := range mutate {
		m(&r)
	}
	code, err := f.srv.IssueCode(f.ctx, r)
	if err != nil {
		f.t.Fatal(err)
	}
	return code
}

func protocolOf(c IssuedClient) signet.Protocol {
	if c.Client.ID == signInID {
		return signet.ProtocolSignIn
	}
	return signet.ProtocolSSOOIDC
}

func (f *fixture) codeRequest(c IssuedClient, code string) TokenRequest {
	return TokenRequest{
		Protocol: protocolOf(c), GrantType: signet.GrantAuthorizationCode,
		Client: cred(c.Client.ID, c.Secret, c.Secret == ""),
		Code:   code, RedirectURI: "http://127.0.0.1:53219/oauth/callback", CodeVerifier: verifier,
	}
}

func (f *fixture) refreshRequest(c IssuedClient, rt string) TokenRequest {
	return TokenRequest{
		Protocol: protocolOf(c), GrantType: signet.GrantRefreshToken,
		Client: cred(c.Client.ID, c.Secret, c.Secret == ""), RefreshToken: rt,
	}
}

func (f *fixture) token(r TokenRequest) TokenResponse {
	f.t.Helper()
	resp, err := f.srv.Token(f.ctx, r)
	if err != nil {
		f.t.Fatalf("Token(%s): %v", r.GrantType, err)
	}
	return resp
}

// login runs the authorization-code flow and returns the first token set.
func (f *fixture) login(c IssuedClient, u signet.User, mutate ...func(*AuthorizeRequest)) TokenResponse {
	f.t.Helper()
	return f.token(f.codeRequest(c, f.authorize(c, u, protocolOf(c), mutate...)))
}

// loginDPoP is login with a code bound by dpop_jkt and redeemed with a
// proof from that key.
func (f *fixture) loginDPoP(c IssuedClient, u signet.User, jkt string) TokenResponse {
	f.t.Helper()
	r := f.codeRequest(c, f.authorize(c, u, protocolOf(c), func(r *AuthorizeRequest) { r.DPoPJKT = jkt }))
	r.DPoPJKT = jkt
	return f.token(r)
}

// wantErr fails unless err is a *signet.Error with code (and reason, if not
// empty).
func wantErr(t testing.TB, err error, code signet.ErrorCode, reason signet.Reason) *signet.Error {
	t.Helper()
	var e *signet.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T), want %s", err, err, code)
	}
	if e.Code != code || (reason != "" && e.Reason != reason) {
		t.Fatalf("error %v, want %s (%s)", e, code, reason)
	}
	if e.Message == "" {
		t.Fatalf("error %v has no client-safe message", e)
	}
	return e
}

// active reports whether the access token is live.
func (f *fixture) active(access string) bool {
	_, err := f.srv.LookupToken(f.ctx, TokenLookup{Token: access})
	return err == nil
}

// cred is the credential a request with this id and secret presents: a
// public client's id alone when public and without a secret.
func cred(id, secret string, public bool) ClientCredential {
	if public && secret == "" {
		return PublicClient{ID: id}
	}
	return ClientSecret{ID: id, Secret: secret}
}

// authenticate authenticates the client by id and secret (cred).
func (f *fixture) authenticate(id, secret string, public bool) (signet.Client, error) {
	return f.srv.AuthenticateClient(f.ctx, ClientAuth{Credential: cred(id, secret, public)})
}
