package testenv

import (
	"context"
	"crypto/rand"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"testing"
	"time"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/api/oauth2"
	"github.com/signet-auth/signet/api/signin"
	"github.com/signet-auth/signet/api/ssooidc"
	"github.com/signet-auth/signet/api/ssoportal"
	"github.com/signet-auth/signet/api/sts"
	"github.com/signet-auth/signet/api/uibuilder"
	"github.com/signet-auth/signet/authserver"
	"github.com/signet-auth/signet/awscreds"
	"github.com/signet-auth/signet/awscreds/awscredstest"
	"github.com/signet-auth/signet/broker"
	"github.com/signet-auth/signet/broker/brokertest"
	"github.com/signet-auth/signet/dpop"
	"github.com/signet-auth/signet/httpserver"
	"github.com/signet-auth/signet/iamrole"
	"github.com/signet-auth/signet/keyring"
	"github.com/signet-auth/signet/password"
	"github.com/signet-auth/signet/ratelimit"
	"github.com/signet-auth/signet/secret"
	"github.com/signet-auth/signet/sigv4"
	"github.com/signet-auth/signet/sqlite"
	"github.com/signet-auth/signet/web"
)

// Fixed identities of every environment.
const (
	UserName     = "alice"
	UserPassword = "correct horse battery staple"
	// AccountID is the account of the user's first assignments and the
	// account whose principals may call CreateTokenWithIAM.
	AccountID      = "123456789012"
	OtherAccountID = "210987654321"
	Region         = "us-east-1"
)

// UserAssignments are the user's account/role assignments.
func UserAssignments() []signet.Assignment {
	return []signet.Assignment{
		{AccountID: AccountID, RoleName: "Admin"},
		{AccountID: AccountID, RoleName: "ReadOnly"},
		{AccountID: OtherAccountID, RoleName: "Developer"},
	}
}

// Options vary an environment.
type Options struct {
	// Lifetimes of the engine; zero fields take the defaults.
	Lifetimes authserver.Lifetimes
	// DevAutoApprove turns on the pages' --dev-auto-approve and the
	// device-flow hook that goes with it.
	DevAutoApprove bool
	// RoleCredentialLifetime of the portal; 0: its default.
	RoleCredentialLifetime time.Duration
	// IAMRegion, if set, is the only region CreateTokenWithIAM signatures
	// may name.
	IAMRegion string
	// Log receives every component's log; nil: discarded.
	Log *slog.Logger
	// DPoPNonces turns on server DPoP nonces (RFC 9449 §8) on the
	// standard OAuth surface.
	DPoPNonces bool
	// DynamicRegistration turns on RFC 7591 registration at
	// /oauth2/register.
	DynamicRegistration bool
	// SignInLimiter bounds Sign-In's CreateOAuth2Token per client address;
	// nil: RateLimits' Sign-In limit if set, else no limit.
	SignInLimiter signin.Limiter
	// Broker mounts the Amplify UI Builder token broker with one "figma"
	// provider whose upstream is a local fake (Env.Upstream) holding the
	// client FigmaClientID, usable by principals of AccountID.
	Broker bool
	// RateLimits, if set, turns on a ratelimit.Limiter with this policy
	// over the SQLite store for the SSO OIDC and standard OAuth surfaces
	// and the pages. Its client address comes from X-Forwarded-For
	// (loopback is a trusted proxy), so a test can speak from any address.
	RateLimits *ratelimit.Policy
	// RateLimitStore, if set, keeps the limiter's shared counters instead
	// of the SQLite store (ratelimittest.DownStore for a store that is
	// down); it needs RateLimits.
	RateLimitStore signet.RateLimitStore
	// IAM, if set, lets role bindings (Stores.RoleBindings) send the
	// portal's and Sign-In's credential requests to the STS at
	// IAM.Endpoint; the environment fills in Issuer, Signer, Clock and
	// Rand. Without it a bound assignment fails.
	IAM *iamrole.Config
}

// The broker's client at the fake Figma upstream (Options.Broker).
const (
	FigmaClientID     = "studio-client"
	FigmaClientSecret = "studio-secret-0123456789abcdef"
	FigmaRedirectURI  = "https://studio.example.com/figma/callback"
)

// PrincipalARN is what the user signs in to Sign-In as: the first
// assignment.
const PrincipalARN = "arn:aws:sts::" + AccountID + ":assumed-role/Admin/" + UserName

// Env is one running server and the parts it is made of.
type Env struct {
	URL    string // the issuer: http://127.0.0.1:port
	Server *httptest.Server
	Clock  *awscredstest.Clock

	DB        *sqlite.DB
	DBPath    string // the SQLite file, to open a second handle on it
	Stores    signet.Stores
	Hasher    *secret.Hasher
	Engine    *authserver.Server
	Authority *awscreds.Authority
	Verifier  *sigv4.Verifier
	Pages     *web.Handler
	SSOOIDC   *ssooidc.Handler
	Portal    *ssoportal.Handler
	// Roles is the portal's and Sign-In's credential source: Authority,
	// or STS for a bound (account, role).
	Roles *iamrole.Source
	// Keyring signs ID tokens and client_credentials tokens and serves
	// the JWKS of the standard OAuth surface.
	Keyring *keyring.Keyring
	// DPoP checks proofs for Sign-In and the standard OAuth surface, as in
	// the server.
	DPoP   *dpop.Verifier
	OAuth2 *oauth2.Handler
	SignIn *signin.Handler
	// Broker and Upstream, with Options.Broker: the broker behind the
	// Amplify UI Builder operations and the fake Figma it calls.
	Broker   *broker.Broker
	Upstream *brokertest.Upstream
	// Limiter is set when Options.RateLimits is.
	Limiter *ratelimit.Limiter

	User signet.User
}

// New starts an environment on a fresh SQLite file in t.TempDir and stops
// it when the test ends. The clock stands at the wall-clock time of the
// start (SigV4 signatures from the real SDKs are dated by the wall clock)
// and moves only when the test moves it.
func New(t testing.TB, o Options) *Env {
	t.Helper()
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	e := &Env{Clock: awscredstest.NewClock(time.Now().Truncate(time.Second))}
	log := o.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}

	e.DBPath = filepath.Join(t.TempDir(), "signet.db")
	db, err := sqlite.Open(ctx, e.DBPath)
	must(err)
	t.Cleanup(func() { db.Close() })
	e.DB, e.Stores = db, db.Stores()

	// The keys come from a keyring under a random master key, as in the
	// server: its HMAC key for token digests, itself as the AEAD.
	master := make([]byte, keyring.MasterKeySize)
	rand.Read(master)
	e.Keyring, err = keyring.Open(ctx, e.Stores.Keys, master, e.Clock, rand.Reader, keyring.Options{})
	must(err)
	e.Hasher, err = secret.NewHasher(e.Keyring.HMACKey())
	must(err)
	minter := secret.NewMinter(rand.Reader, e.Hasher)
	// The cheapest argon2id parameters the package allows: tests log in
	// often.
	pw, err := password.New(rand.Reader, password.Params{Memory: password.MinMemory, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32})
	must(err)

	var pageLimiter web.Limiter
	var pageLimits web.Limits
	if o.RateLimits != nil {
		proxies := httpserver.Proxies{Trusted: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}}
		store := e.Stores.RateLimit
		if o.RateLimitStore != nil {
			store = o.RateLimitStore
		}
		e.Limiter, err = ratelimit.New(ratelimit.Config{
			Store: store, Policy: *o.RateLimits, Clock: e.Clock, Digest: e.Hasher.Digest, Log: log,
			ClientIP: func(r *http.Request) netip.Addr { return proxies.Resolve(r).ClientIP },
		})
		must(err)
		pageLimiter, pageLimits = e.Limiter.Pages(), web.PageLimits(*o.RateLimits)
	}

	e.Server = httptest.NewUnstartedServer(nil)
	e.URL = "http://" + e.Server.Listener.Addr().String()

	e.Engine, err = authserver.New(authserver.Config{
		Users: e.Stores.Users, Clients: e.Stores.Clients, Grants: e.Stores.Grants, Browser: e.Stores.Browser,
		Minter: minter, Clock: e.Clock, Passwords: pw, Lifetimes: o.Lifetimes,
		Limiter: e.Limiter, ClientKeys: e.Stores.ClientKeys, Replay: e.Stores.Replay, Signer: e.Keyring,
		IAMAccountID: AccountID,
	})
	must(err)
	e.Authority, err = awscreds.New(awscreds.Config{
		AEAD: e.Keyring, Deriver: minter, Rand: rand.Reader, Clock: e.Clock,
		SessionLive: e.sessionLive, Keys: e.Stores.AccessKeys, // long-term keys in the store, as in the server
	})
	must(err)
	e.Verifier, err = sigv4.New(sigv4.Options{Credentials: e.Authority, Clock: e.Clock, Rand: rand.Reader, Logger: log})
	must(err)

	e.User, err = e.Engine.CreateUser(ctx, UserName, "Alice", UserPassword)
	must(err)
	must(e.Engine.SetAssignments(ctx, e.User.ID, UserAssignments()))
	e.User, err = e.Stores.Users.GetUser(ctx, e.User.ID)
	must(err)

	e.Pages, err = web.New(web.Deps{
		Backend: web.EngineBackend{Engine: e.Engine, Users: e.Stores.Users, Clients: e.Stores.Clients},
		Sealer:  e.Keyring, Clock: e.Clock, Rand: rand.Reader, Log: log, Limiter: pageLimiter,
	}, web.Options{
		Issuer:          e.URL,
		SessionLifetime: e.Engine.Lifetimes().BrowserSession,
		Limits:          pageLimits,
		DevAutoApprove:  o.DevAutoApprove,
		DevUser:         func(ctx context.Context) (signet.User, error) { return e.Stores.Users.GetUser(ctx, e.User.ID) },
	})
	must(err)
	e.SSOOIDC = &ssooidc.Handler{
		Engine: e.Engine, Issuer: e.URL, Rand: rand.Reader, Log: log,
		Verifier: e.Verifier, IAMAccountID: AccountID, Region: o.IAMRegion,
		Limiter: e.Limiter,
	}
	if o.DevAutoApprove {
		e.SSOOIDC.AutoApprove = func(ctx context.Context, userCode string) {
			if _, err := e.Pages.AutoApproveDevice(ctx, userCode); err != nil {
				log.ErrorContext(ctx, "testenv: auto-approve failed", "err", err)
			}
		}
	}
	e.Roles = &iamrole.Source{Local: e.Authority, Bindings: e.Stores.RoleBindings}
	if o.IAM != nil {
		c := *o.IAM
		c.Issuer, c.Signer, c.Clock, c.Rand = e.URL, e.Keyring, e.Clock, rand.Reader
		if c.Log == nil {
			c.Log = log
		}
		e.Roles.Exchanger, err = iamrole.NewExchanger(c)
		must(err)
	}
	e.Portal = &ssoportal.Handler{
		Engine: e.Engine, Users: e.Stores.Users, Credentials: e.Roles,
		Clock: e.Clock, Rand: rand.Reader, Log: log, RoleCredentialLifetime: o.RoleCredentialLifetime,
	}
	stsHandler := &sts.Handler{Verifier: e.Verifier, Rand: rand.Reader, Logger: log}

	dopts := dpop.Options{Replay: e.Stores.Replay, Clock: e.Clock}
	if o.DPoPNonces {
		dopts.NonceKey = make([]byte, 32)
		rand.Read(dopts.NonceKey)
	}
	e.DPoP, err = dpop.NewVerifier(dopts)
	must(err)
	e.OAuth2 = &oauth2.Handler{
		Engine: e.Engine, Users: e.Stores.Users, Signer: e.Keyring,
		DPoP: e.DPoP, ClientKeys: e.Stores.ClientKeys, Issuer: e.URL,
		Clock: e.Clock, Log: log, Limiter: e.Limiter,
	}
	if o.DynamicRegistration {
		e.OAuth2.Registration = &oauth2.Registration{}
	}
	// The two built-in Sign-In clients, whose cross-device redirect URI
	// depends on the issuer.
	must(signin.EnsureClients(ctx, e.Engine, e.Stores.Clients, e.URL))
	signInLimiter := o.SignInLimiter
	if signInLimiter == nil && e.Limiter != nil {
		signInLimiter = e.Limiter.SignIn()
	}
	e.SignIn = &signin.Handler{
		Engine: e.Engine, Users: e.Stores.Users, Grants: e.Stores.Grants,
		Credentials: e.Roles, Signer: e.Keyring, DPoP: e.DPoP, SigV4: e.Verifier,
		Issuer: e.URL, Limiter: signInLimiter, Clock: e.Clock, Rand: rand.Reader, Logger: log,
		Clients: e.Stores.Clients, // JT-01
	}

	mux := http.NewServeMux()
	e.Pages.Mount(mux)
	e.SSOOIDC.Mount(mux)
	e.Portal.Mount(mux)
	stsHandler.Mount(mux)
	e.OAuth2.Mount(mux)
	e.SignIn.Mount(mux)
	if o.Broker {
		e.startBroker(t, log)
		(&uibuilder.Handler{Broker: e.Broker, Verifier: e.Verifier, Logger: log}).Mount(mux)
	}
	e.Server.Config.Handler = e.Portal.WithLogout(mux)
	e.Server.Start()
	t.Cleanup(e.Server.Close)
	return e
}

// startBroker starts the fake Figma and a broker that uses it.
func (e *Env) startBroker(t testing.TB, log *slog.Logger) {
	t.Helper()
	e.Upstream = brokertest.NewUpstream(t, map[string]string{FigmaClientID: FigmaClientSecret})
	b, err := broker.New(broker.Config{
		Upstream: broker.UpstreamConfig{AllowPrivateNetworks: true},
		Providers: []broker.ProviderConfig{{
			Name: "figma", Kind: broker.KindFigma, DefaultClient: FigmaClientID,
			TokenURL: e.Upstream.URL() + brokertest.FigmaTokenPath, RefreshURL: e.Upstream.URL() + brokertest.FigmaRefreshPath,
			Clients: []broker.ClientConfig{{
				ID: FigmaClientID, Secret: FigmaClientSecret,
				RedirectURIs: []string{FigmaRedirectURI}, AllowedPrincipals: []string{AccountID},
			}},
		}},
	}, broker.Options{Clock: e.Clock, Logger: log, RootCAs: e.Upstream.RootCAs()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	e.Broker = b
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

// IAMApplication registers an application for CreateTokenWithIAM the way an
// administrator would: a confidential client with the given id (an ARN),
// the authorization_code and refresh_token grants and one redirect URI.
func (e *Env) IAMApplication(t testing.TB, id, redirectURI string, scopes ...string) signet.Client {
	t.Helper()
	ic, err := e.Engine.CreateClient(context.Background(), authserver.ClientSpec{
		ID: id, Name: "Application " + id, Type: signet.ClientConfidential,
		GrantTypes:   []string{signet.GrantAuthorizationCode, signet.GrantRefreshToken},
		RedirectURIs: []string{redirectURI}, Scopes: scopes,
	})
	if err != nil {
		t.Fatal(err)
	}
	return ic.Client
}

// Credentials mints temporary credentials for a principal of account
// acting in role, as if it had signed in elsewhere: what a caller of
// CreateTokenWithIAM or STS signs with.
func (e *Env) Credentials(t testing.TB, account, role string) awscreds.Credentials {
	t.Helper()
	p, err := awscreds.AssumedRole(signet.Assignment{AccountID: account, RoleName: role}, "service", "")
	if err != nil {
		t.Fatal(err)
	}
	c, err := e.Authority.Mint(p, e.Clock.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// AccessKey creates a long-term access key (AKIA…) for an IAM user or root
// ARN, as an administrator would, and returns its id and secret.
func (e *Env) AccessKey(t testing.TB, principalARN string) (id, secret string) {
	t.Helper()
	k, sec, err := e.Authority.CreateAccessKey(context.Background(), principalARN)
	if err != nil {
		t.Fatal(err)
	}
	return k.ID, sec
}

// SSOTokens registers a device-flow client and runs the device flow
// through the engine (no HTTP), approved by the user, and returns the
// client and the tokens of the new SSO OIDC session: what a test of a
// token's consumer needs.
func (e *Env) SSOTokens(t testing.TB, scopes ...string) (authserver.IssuedClient, authserver.TokenResponse) {
	t.Helper()
	ctx := context.Background()
	c, err := e.Engine.RegisterClient(ctx, authserver.Registration{ClientName: "testenv", ClientType: "public", Scopes: scopes})
	if err != nil {
		t.Fatal(err)
	}
	d, err := e.Engine.StartDevice(ctx, signet.ProtocolSSOOIDC, c.Client.ID, scopes)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Engine.ApproveDevice(ctx, d.UserCode, e.User.ID); err != nil {
		t.Fatal(err)
	}
	tok, err := e.Engine.Token(ctx, authserver.TokenRequest{
		Protocol: signet.ProtocolSSOOIDC, GrantType: signet.GrantDeviceCode,
		Client: authserver.ClientSecret{ID: c.Client.ID, Secret: c.Secret}, DeviceCode: d.DeviceCode,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c, tok
}
