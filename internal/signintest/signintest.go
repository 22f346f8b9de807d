package signintest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/api/signin"
	"github.com/signet-auth/signet/api/sts"
	"github.com/signet-auth/signet/authserver"
	"github.com/signet-auth/signet/awscreds"
	"github.com/signet-auth/signet/awscreds/awscredstest"
	"github.com/signet-auth/signet/dpop"
	"github.com/signet-auth/signet/keyring"
	"github.com/signet-auth/signet/password"
	"github.com/signet-auth/signet/secret"
	"github.com/signet-auth/signet/sigv4"
	"github.com/signet-auth/signet/sqlite"
	"github.com/signet-auth/signet/web"
)

// The user every environment has.
const (
	UserName     = "alice"
	UserPassword = "correct horse battery staple"
	AccountID    = "123456789012"
	RoleName     = "Admin"
	// PrincipalARN is what alice signs in as: her first assignment.
	PrincipalARN = "arn:aws:sts::" + AccountID + ":assumed-role/" + RoleName + "/" + UserName
)

// Options vary an environment.
type Options struct {
	Lifetimes authserver.Lifetimes
	// DPoPNonces turns server nonces on (off by default, as in the server).
	DPoPNonces bool
	Limiter    signin.Limiter
	Log        *slog.Logger
}

// Env is one running server and its parts.
type Env struct {
	URL    string // the issuer, http://127.0.0.1:port
	Server *httptest.Server
	Clock  *awscredstest.Clock

	DB        *sqlite.DB
	Stores    signet.Stores
	Keyring   *keyring.Keyring
	Engine    *authserver.Server
	Authority *awscreds.Authority
	DPoP      *dpop.Verifier
	SignIn    *signin.Handler
	User      signet.User
}

// New starts an environment and stops it when the test ends.
func New(t testing.TB, o Options) *Env {
	t.Helper()
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	log := o.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	e := &Env{Clock: awscredstest.NewClock(time.Now().Truncate(time.Second))}
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "signet.db"))
	must(err)
	t.Cleanup(func() { db.Close() })
	e.DB, e.Stores = db, db.Stores()

	master := make([]byte, 32)
	_, _ = rand.Read(master)
	e.Keyring, err = keyring.Open(ctx, e.Stores.Keys, master, e.Clock, rand.Reader, keyring.Options{})
	must(err)
	hasher, err := secret.NewHasher(e.Keyring.HMACKey())
	must(err)
	minter := secret.NewMinter(rand.Reader, hasher)
	// The cheapest argon2id parameters the package allows.
	pw, err := password.New(rand.Reader, password.Params{Memory: password.MinMemory, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32})
	must(err)
	e.Engine, err = authserver.New(authserver.Config{
		Users: e.Stores.Users, Clients: e.Stores.Clients, Grants: e.Stores.Grants,
		Minter: minter, Clock: e.Clock, Passwords: pw, Lifetimes: o.Lifetimes,
	})
	must(err)
	e.Authority, err = awscreds.New(awscreds.Config{
		AEAD: e.Keyring, Deriver: minter, Rand: rand.Reader, Clock: e.Clock, SessionLive: e.sessionLive,
	})
	must(err)
	verifier, err := sigv4.New(sigv4.Options{Credentials: e.Authority, Clock: e.Clock, Rand: rand.Reader, Logger: log})
	must(err)
	dopt := dpop.Options{Replay: e.Stores.Replay, Clock: e.Clock}
	if o.DPoPNonces {
		dopt.NonceKey = make([]byte, 32)
		_, _ = rand.Read(dopt.NonceKey)
	}
	e.DPoP, err = dpop.NewVerifier(dopt)
	must(err)

	e.User, err = e.Engine.CreateUser(ctx, UserName, "Alice", UserPassword)
	must(err)
	must(e.Engine.SetAssignments(ctx, e.User.ID, []signet.Assignment{
		{AccountID: AccountID, RoleName: RoleName}, {AccountID: AccountID, RoleName: "ReadOnly"},
	}))
	e.User, err = e.Stores.Users.GetUser(ctx, e.User.ID)
	must(err)

	e.Server = httptest.NewUnstartedServer(nil)
	e.URL = "http://" + e.Server.Listener.Addr().String()
	must(signin.EnsureClients(ctx, e.Engine, e.Stores.Clients, e.URL))

	pages, err := web.New(web.Deps{
		Backend: backend{e.Engine, e.Stores},
		Sealer:  e.Keyring, Clock: e.Clock, Rand: rand.Reader, Log: log,
	}, web.Options{
		Issuer:         e.URL,
		DevAutoApprove: true,
		DevUser:        func(ctx context.Context) (signet.User, error) { return e.Stores.Users.GetUser(ctx, e.User.ID) },
	})
	must(err)
	e.SignIn = &signin.Handler{
		Engine: e.Engine, Users: e.Stores.Users, Grants: e.Stores.Grants, Hasher: hasher,
		Credentials: e.Authority, Signer: e.Keyring, DPoP: e.DPoP, SigV4: verifier,
		Issuer: e.URL, Limiter: o.Limiter, Clock: e.Clock, Rand: rand.Reader, Logger: log,
	}
	mux := http.NewServeMux()
	pages.Mount(mux)
	e.SignIn.Mount(mux)
	(&sts.Handler{Verifier: verifier, Rand: rand.Reader, Logger: log}).Mount(mux)
	e.Server.Config.Handler = mux
	e.Server.Start()
	t.Cleanup(e.Server.Close)
	return e
}

// sessionLive answers awscreds' liveness question from the grant store.
func (e *Env) sessionLive(ctx context.Context, id string) (bool, error) {
	s, err := e.Stores.Grants.GetSession(ctx, id)
	if errors.Is(err, signet.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return s.Live(e.Clock.Now()), nil
}

// Challenge is the PKCE S256 challenge of verifier (RFC 7636 §4.2).
func Challenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// AuthorizeURL is the URL aws login opens (signin.md §6.1), with the
// CLI's SHA-256 method name.
func (e *Env) AuthorizeURL(clientID, redirectURI, verifier, state string) string {
	q := url.Values{
		"response_type": {"code"}, "client_id": {clientID}, "state": {state},
		"code_challenge_method": {"SHA-256"}, "scope": {"openid"},
		"redirect_uri": {redirectURI}, "code_challenge": {Challenge(verifier)},
	}
	return e.URL + "/v1/authorize?" + q.Encode()
}

// Code runs the browser step (approved by the pages' dev auto-approve) and
// returns the authorization code from the redirect.
func (e *Env) Code(t testing.TB, clientID, redirectURI, verifier string) string {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(e.AuthorizeURL(clientID, redirectURI, verifier, "state-1"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || loc.Query().Get("code") == "" {
		t.Fatalf("authorize: %s, Location %q", resp.Status, resp.Header.Get("Location"))
	}
	return loc.Query().Get("code")
}
