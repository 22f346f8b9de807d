package testenv

import (
	"context"
	"crypto/rand"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/api/oauth2"
	"github.com/signet-auth/signet/api/signin"
	"github.com/signet-auth/signet/api/ssooidc"
	"github.com/signet-auth/signet/api/ssoportal"
	"github.com/signet-auth/signet/authserver"
	"github.com/signet-auth/signet/awscreds"
	"github.com/signet-auth/signet/broker"
	"github.com/signet-auth/signet/broker/brokertest"
	"github.com/signet-auth/signet/dpop"
	"github.com/signet-auth/signet/iamrole"
	"github.com/signet-auth/signet/internal/app"
	"github.com/signet-auth/signet/internal/config"
	"github.com/signet-auth/signet/internal/testsupport"
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
	// TrustedTokenIssuers are --trusted-token-issuer settings: the
	// issuers CreateTokenWithIAM's jwt-bearer grant accepts.
	TrustedTokenIssuers []string
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
	// Accounts are --account settings: "ID=NAME" or "ID=NAME <EMAIL>".
	Accounts []string
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
	// TracerProvider, if set, receives the server's traces (an SDK
	// provider with an in-memory exporter).
	TracerProvider trace.TracerProvider
	// AdminUsers may use the admin console (--admin-user).
	AdminUsers []string
	// MFA is the --mfa policy ("": optional). MFAAdminRoles are the
	// --mfa-admin-roles; nil: none, since the environment's user holds the
	// AWS role Admin and most tests sign in with a password alone.
	MFA           string
	MFAAdminRoles []string
	// Localhost makes the issuer http://localhost:port instead of
	// http://127.0.0.1:port: WebAuthn (passkeys) needs a domain name.
	Localhost bool
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
	Clock  *testsupport.Clock

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
	// App is the assembled server all of the above belong to.
	App *app.App

	User signet.User
}

// New starts an environment on a fresh SQLite file in t.TempDir and stops
// it when the test ends. The server is built by app.New from a validated
// config.Config, as `signet serve` builds it; Options map onto its
// settings. The clock stands at the wall-clock time of the start (SigV4
// signatures from the real SDKs are dated by the wall clock) and moves only
// when the test moves it.
func New(t testing.TB, o Options) *Env {
	t.Helper()
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	e := &Env{Clock: testsupport.NewClock(time.Now().Truncate(time.Second))}
	dir := t.TempDir()
	e.DBPath = filepath.Join(dir, app.DBFile)
	e.Server = httptest.NewUnstartedServer(nil)
	e.URL = "http://" + e.Server.Listener.Addr().String()
	if o.Localhost {
		e.URL = strings.Replace(e.URL, "127.0.0.1", "localhost", 1)
	}

	c := config.Default()
	c.Addr, c.Issuer, c.DataDir = e.Server.Listener.Addr().String(), e.URL, dir
	c.MasterKeyFile = filepath.Join(dir, app.MasterKeyFile)
	_, err := keyring.GenerateMasterKeyFile(c.MasterKeyFile, rand.Reader)
	must(err)
	for _, l := range authserver.LifetimeSettings() {
		if v := *l.Field(&o.Lifetimes); v != 0 {
			*l.Field(&c.Lifetimes) = v
		}
	}
	if o.RoleCredentialLifetime != 0 {
		c.Lifetimes.RoleCredential = o.RoleCredentialLifetime
	}
	c.IAMAccountID, c.Region = AccountID, o.IAMRegion
	c.TrustedTokenIssuers = o.TrustedTokenIssuers
	c.Dev, c.DevAutoApprove = o.DevAutoApprove, o.DevAutoApprove
	c.DPoPNonces = o.DPoPNonces
	c.DynamicRegistration = o.DynamicRegistration
	c.Accounts = o.Accounts
	c.AdminUsers = o.AdminUsers
	c.MFA.MFAAdminRoles = append([]string{}, o.MFAAdminRoles...)
	if o.MFA != "" {
		c.MFA.MFA = o.MFA
	}
	// The cheapest argon2id parameters the package allows: tests log in
	// often.
	d := app.Deps{
		Clock: e.Clock, Rand: rand.Reader, Log: o.Log, Getenv: func(string) string { return "" },
		Passwords:   &password.Params{Memory: password.MinMemory, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32},
		DevUserName: UserName, SignInLimiter: o.SignInLimiter,
		NoRateLimits: o.RateLimits == nil, RatePolicy: o.RateLimits, RateLimitStore: o.RateLimitStore,
		IAM: o.IAM, TracerProvider: o.TracerProvider,
	}
	if o.RateLimits != nil {
		// Loopback is a trusted proxy, so a test speaks from any address
		// with X-Forwarded-For.
		c.TrustedProxies = []string{"127.0.0.0/8", "::1/128"}
	}
	if o.Broker {
		e.Upstream = brokertest.NewUpstream(t, map[string]string{FigmaClientID: FigmaClientSecret})
		c.Broker = figmaBroker(e.Upstream)
		d.BrokerRootCAs = e.Upstream.RootCAs()
	}

	a, err := app.New(ctx, c, d)
	must(err)
	t.Cleanup(func() { a.Close() })
	e.App = a
	e.DB = a.DB.(*sqlite.DB)
	e.Stores, e.Hasher, e.Engine, e.Authority = a.Stores, a.Hasher, a.Engine, a.Authority
	e.Keyring, e.Verifier, e.DPoP, e.Limiter = a.Keyring, a.Verifier, a.DPoP, a.Limiter
	e.Pages, e.SSOOIDC, e.Portal, e.OAuth2, e.SignIn, e.Broker = a.Pages, a.SSOOIDC, a.Portal, a.OAuth2, a.SignIn, a.Broker
	e.Roles = a.Roles
	if o.IAM == nil {
		// No STS a test did not ask for: a bound assignment fails.
		e.Roles.Exchanger = nil
	}

	e.User, err = e.Engine.CreateUser(ctx, UserName, "Alice", UserPassword)
	must(err)
	must(e.Engine.SetAssignments(ctx, e.User.ID, UserAssignments()))
	e.User, err = e.Stores.Users.GetUser(ctx, e.User.ID)
	must(err)

	e.Server.Config.Handler = a.Handler()
	e.Server.Start()
	t.Cleanup(e.Server.Close)
	return e
}

// figmaBroker is the broker configuration of Options.Broker: one "figma"
// provider at the fake upstream.
func figmaBroker(up *brokertest.Upstream) broker.Config {
	return broker.Config{
		Upstream: broker.UpstreamConfig{AllowPrivateNetworks: true},
		Providers: []broker.ProviderConfig{{
			Name: "figma", Kind: broker.KindFigma, DefaultClient: FigmaClientID,
			TokenURL: up.URL() + brokertest.FigmaTokenPath, RefreshURL: up.URL() + brokertest.FigmaRefreshPath,
			Clients: []broker.ClientConfig{{
				ID: FigmaClientID, Secret: FigmaClientSecret,
				RedirectURIs: []string{FigmaRedirectURI}, AllowedPrincipals: []string{AccountID},
			}},
		}},
	}
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
