package authserver

import (
	"errors"
	"fmt"
	"time"

	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/internal/failpoint"
	"github.com/signet-auth/signet/password"
	"github.com/signet-auth/signet/secret"
)

const day = 24 * time.Hour

// Lifetimes configures every lifetime and window the engine and the
// surfaces apply. A zero field takes its default; New rejects a value
// outside its bounds. LifetimeSettings lists each with its default, its
// bounds and the operator setting that sets it (the yaml tag is that
// setting's key in the configuration file):
//
//   - AuthorizationCode: at most 10 min (RFC 6749 §4.1.2).
//   - DeviceAuthorization and DevicePollInterval: RFC 8628 §3.2 expires_in
//     and interval; the user-code guessing budget in §5.1 shrinks with the
//     former.
//   - SlowDownStep: what a slow_down adds to the stored interval (RFC 8628
//     §3.5).
//   - SignInAccessToken: the Sign-In model bounds expiresIn to 1–900.
//   - Session: the absolute lifetime of a refresh-token family, which no
//     rotation extends; RefreshToken (one refresh token from its issue,
//     always also capped by the session end) follows it.
//   - RefreshGrace: how long after a rotation the previous SSO OIDC or
//     OAuth 2.0 refresh token may be presented again and get the same
//     successor back (RFC 9700 §4.14.2; FAPI 2.0 requires lost-response
//     retries to work). SignInIdempotency is the same window for Sign-In,
//     whose refresh is "idempotent within the token validity window"; it
//     follows SignInAccessToken.
//   - ClientSecret: the life of a dynamically registered client's secret,
//     and of the registration.
//   - IDToken: OIDC ID tokens of the standard surface.
//   - RoleCredential: the SSO portal's GetRoleCredentials credentials
//     (never beyond the session either); AWS role sessions last 15 min to
//     12 h.
//   - BrowserSession: the absolute life of a sign-in at the pages, which no
//     use extends (NIST SP 800-63B §7.2; catalogue BS-02): 12 h or Session
//     if that is shorter, at most Session. BrowserIdle: a sign-in not used
//     for this long has ended: 1 h or BrowserSession if that is shorter, at
//     most BrowserSession.
type Lifetimes struct {
	AuthorizationCode   time.Duration `yaml:"code_lifetime"`
	DeviceAuthorization time.Duration `yaml:"device_lifetime"`
	DevicePollInterval  time.Duration `yaml:"device_interval"`
	SlowDownStep        time.Duration `yaml:"-"`
	AccessToken         time.Duration `yaml:"access_lifetime"`
	SignInAccessToken   time.Duration `yaml:"signin_access_lifetime"`
	Session             time.Duration `yaml:"session_lifetime"`
	RefreshToken        time.Duration `yaml:"-"`
	RefreshGrace        time.Duration `yaml:"refresh_grace"`
	SignInIdempotency   time.Duration `yaml:"-"`
	ClientSecret        time.Duration `yaml:"client_lifetime"`
	IDToken             time.Duration `yaml:"id_token_lifetime"`
	RoleCredential      time.Duration `yaml:"role_credential_lifetime"`
	BrowserSession      time.Duration `yaml:"browser_session_lifetime"`
	BrowserIdle         time.Duration `yaml:"browser_session_idle"`
}

// LifetimeSetting is one row of the lifetime table: the field it sets, its
// default and bounds, and the operator setting (flag name; the environment
// variable and YAML key derive from it) that sets it, if any. A row whose
// Dependent is set takes its default and maximum from Dependent, computed
// from the rows before it once they were resolved; its flag defaults to 0,
// "the engine's default".
type LifetimeSetting struct {
	Name      string // the Lifetimes field
	Flag      string // "": not an operator setting
	Usage     string
	Field     func(*Lifetimes) *time.Duration
	Default   time.Duration
	Min, Max  time.Duration
	Dependent func(*Lifetimes) (def, max time.Duration)
}

// LifetimeSettings is the table of every lifetime: the engine checks it in
// New, and the server's configuration builds its flags, environment
// variables and YAML keys from it. Rows are in dependency order.
func LifetimeSettings() []LifetimeSetting {
	type L = Lifetimes
	return []LifetimeSetting{
		{"AuthorizationCode", "code-lifetime", "authorization code lifetime",
			func(l *L) *time.Duration { return &l.AuthorizationCode }, 60 * time.Second, time.Second, 10 * time.Minute, nil},
		{"DeviceAuthorization", "device-lifetime", "device code lifetime",
			func(l *L) *time.Duration { return &l.DeviceAuthorization }, 600 * time.Second, time.Minute, 30 * time.Minute, nil},
		{"DevicePollInterval", "device-interval", "initial device polling interval",
			func(l *L) *time.Duration { return &l.DevicePollInterval }, 5 * time.Second, time.Second, time.Minute, nil},
		{"SlowDownStep", "", "", func(l *L) *time.Duration { return &l.SlowDownStep }, 5 * time.Second, time.Second, time.Minute, nil},
		{"AccessToken", "access-lifetime", "access token lifetime (SSO OIDC, OAuth 2.0)",
			func(l *L) *time.Duration { return &l.AccessToken }, time.Hour, time.Second, day, nil},
		{"SignInAccessToken", "signin-access-lifetime", "Sign-In access credentials lifetime",
			func(l *L) *time.Duration { return &l.SignInAccessToken }, 900 * time.Second, time.Second, 900 * time.Second, nil},
		{"Session", "session-lifetime", "session (refresh token family) absolute lifetime",
			func(l *L) *time.Duration { return &l.Session }, 90 * day, time.Minute, 365 * day, nil},
		{"RefreshToken", "", "", func(l *L) *time.Duration { return &l.RefreshToken }, 0, time.Second, 0,
			func(l *L) (time.Duration, time.Duration) { return l.Session, l.Session }},
		// The grace starts at 1 s: zero means "the default".
		{"RefreshGrace", "refresh-grace", "window in which a just-rotated refresh token may be retried",
			func(l *L) *time.Duration { return &l.RefreshGrace }, 5 * time.Second, time.Second, time.Minute, nil},
		{"SignInIdempotency", "", "", func(l *L) *time.Duration { return &l.SignInIdempotency }, 0, time.Second, 0,
			func(l *L) (time.Duration, time.Duration) { return l.SignInAccessToken, l.SignInAccessToken }},
		{"ClientSecret", "client-lifetime", "lifetime of dynamically registered clients",
			func(l *L) *time.Duration { return &l.ClientSecret }, 90 * day, time.Hour, 365 * day, nil},
		{"IDToken", "id-token-lifetime", "OIDC ID token lifetime",
			func(l *L) *time.Duration { return &l.IDToken }, time.Hour, time.Minute, day, nil},
		{"RoleCredential", "role-credential-lifetime", "SSO portal role credentials lifetime (never beyond the session)",
			func(l *L) *time.Duration { return &l.RoleCredential }, time.Hour, 15 * time.Minute, 12 * time.Hour, nil},
		{"BrowserSession", "browser-session-lifetime",
			"absolute life of a sign-in at the pages, at most --session-lifetime (default 12h, or --session-lifetime if shorter)",
			func(l *L) *time.Duration { return &l.BrowserSession }, 0, time.Minute, 0,
			func(l *L) (time.Duration, time.Duration) { return min(12*time.Hour, l.Session), l.Session }},
		{"BrowserIdle", "browser-session-idle",
			"a sign-in at the pages unused this long has ended, at most --browser-session-lifetime (default 1h, or the lifetime if shorter)",
			func(l *L) *time.Duration { return &l.BrowserIdle }, 0, time.Minute, 0,
			func(l *L) (time.Duration, time.Duration) { return min(time.Hour, l.BrowserSession), l.BrowserSession }},
	}
}

// DefaultLifetimes returns the defaults of LifetimeSettings.
func DefaultLifetimes() Lifetimes {
	l, _ := Lifetimes{}.WithDefaults() // the zero value always resolves
	return l
}

// WithDefaults returns l with every zero field set to its default, or an
// error naming the first field outside its bounds. New applies it; callers
// may use it to check a configuration before they open a store.
func (l Lifetimes) WithDefaults() (Lifetimes, error) {
	err := l.normalize()
	return l, err
}

// LifetimeError is a lifetime outside its bounds (those of its row, the
// dependent ones computed).
type LifetimeError struct {
	Setting  LifetimeSetting
	Value    time.Duration
	Min, Max time.Duration
}

func (e *LifetimeError) Error() string {
	return fmt.Sprintf("authserver: Lifetimes.%s = %v is outside [%v, %v]", e.Setting.Name, e.Value, e.Min, e.Max)
}

// normalize fills defaults and checks bounds in the table's order.
func (l *Lifetimes) normalize() error {
	for _, b := range LifetimeSettings() {
		if b.Dependent != nil {
			b.Default, b.Max = b.Dependent(l)
		}
		v := b.Field(l)
		if *v == 0 {
			*v = b.Default
		}
		if *v < b.Min || *v > b.Max {
			return &LifetimeError{Setting: b, Value: *v, Min: b.Min, Max: b.Max}
		}
	}
	if l.DevicePollInterval >= l.DeviceAuthorization {
		return fmt.Errorf("authserver: Lifetimes.DevicePollInterval %v must be shorter than DeviceAuthorization %v",
			l.DevicePollInterval, l.DeviceAuthorization)
	}
	return nil
}

// access returns the access-token lifetime for protocol p.
func (l *Lifetimes) access(p signet.Protocol) time.Duration {
	if p == signet.ProtocolSignIn {
		return l.SignInAccessToken
	}
	return l.AccessToken
}

// grace returns the refresh retry window for protocol p.
func (l *Lifetimes) grace(p signet.Protocol) time.Duration {
	if p == signet.ProtocolSignIn {
		return l.SignInIdempotency
	}
	return l.RefreshGrace
}

// Observer receives events for metrics without the engine importing a
// metrics library. Calls are synchronous; implementations must be fast and
// safe for concurrent use.
type Observer interface {
	// GrantIssued is called once for every token set a grant created (not
	// for idempotent retries that returned an earlier set).
	GrantIssued(protocol signet.Protocol, grantType string)
}

// Config is what New needs. Users, Clients, Grants, Minter, Clock and
// Passwords are required.
type Config struct {
	Users   signet.UserStore
	Clients signet.ClientStore
	Grants  signet.GrantStore
	// Minter issues every secret and identifier; its Hasher computes the
	// digests they are stored by.
	Minter *secret.Minter
	Clock  signet.Clock
	// Passwords hashes user passwords (argon2id).
	Passwords *password.Hasher
	Lifetimes Lifetimes
	// Browser keeps the pages' sign-ins; optional, but without it the
	// engine cannot start, check or revoke them.
	Browser signet.BrowserSessionStore
	// SigninPolicies keeps the accounts' Sign-In resource-based policies;
	// nil turns their operations off and enforces none.
	SigninPolicies signet.SigninPolicyStore
	// Verifier checks the subject tokens of Sign-In's token exchange
	// (signinexchange.go); nil, or no Signer, turns it off.
	Verifier JWTVerifier
	// Observer is optional.
	Observer Observer
	// Federation keeps upstream identities, their groups and the group
	// rules; nil: no federated logins, and assignments are the users'
	// own only.
	Federation signet.FederationStore
	// FailPoints are the crash test's armed points (package failpoint)
	// the engine meets: grant-committed after the store committed a grant
	// and before the response goes back to the wire layer, reuse-revoked
	// after a reuse's revocation committed and before the refusal does.
	// Nil, the default, arms none.
	FailPoints *failpoint.Points

	// Limiter holds the failure budget of client secrets (catalogue
	// CL-04); nil: none.
	Limiter ClientAuthLimiter
	// ClientKeys holds private_key_jwt clients' keys; nil turns
	// private_key_jwt off. Replay is then required: it remembers client
	// assertions' jtis across nodes (catalogue CL-09).
	ClientKeys ClientKeyStore
	Replay     signet.ReplayStore
	// Signer signs the client_credentials grant's access tokens; nil turns
	// the grant off.
	Signer JWTSigner
	// IAMAccountID is the account whose SigV4-verified principals may act
	// for administrator-created clients (AWSPrincipal); empty: nobody may.
	IAMAccountID string
	// TrustedIssuers are the token issuers whose assertions the jwt-bearer
	// grant accepts; none turns the grant off. IssuerKeys fetches their
	// keys and is required with them, and so is Replay.
	TrustedIssuers []TrustedIssuer
	IssuerKeys     IssuerKeys
	// Audit records security events; nil records none. With it, a grant
	// whose record cannot be written answers a server error instead of
	// its tokens (catalogue AU-02).
	Audit Auditor
	// MFA configures second factors of local accounts (mfa.go); the zero
	// value turns them off.
	MFA MFAConfig
	// ClientCache is how many clients the refresh, code and device grants
	// keep in memory (clientcache.go); 0: none, every token request reads
	// its client.
	ClientCache int
}

// Server is the engine. It is safe for concurrent use; the only mutable
// state of its own is the client cache, whose entries the store confirms
// (clientcache.go).
type Server struct {
	users       signet.UserStore
	clients     signet.ClientStore
	grants      signet.GrantStore
	browser     signet.BrowserSessionStore
	federation  signet.FederationStore
	minter      *secret.Minter
	hasher      *secret.Hasher
	clock       signet.Clock
	passwords   *password.Hasher
	life        Lifetimes
	observer    Observer
	failPoints  *failpoint.Points
	tokenGrants map[string]grant
	pwPolicy    passwordPolicy // passwordpolicy.go

	// signinpolicy.go, signinaccess.go, signinexchange.go.
	signinPolicies signet.SigninPolicyStore
	verifier       JWTVerifier

	limiter      ClientAuthLimiter
	clientKeys   ClientKeyStore
	replay       signet.ReplayStore
	signer       JWTSigner
	iamAccountID string
	auditor      Auditor

	trustedIssuers map[string]TrustedIssuer // by issuer
	issuerKeys     IssuerKeys
	mfa            MFAConfig          // mfa.go
	clientCache    *clientCache       // clientcache.go; nil: none
	wa             *webauthn.WebAuthn // passkey.go; nil: passkeys off

	// dummyPasswordHash is verified against when a login names no user, so
	// that the answer takes as long as for a real one.
	dummyPasswordHash string
	// dummyClientDigest is compared against when a client id is unknown (or
	// has no secret), so that the work and the answer match a wrong secret
	// (catalogue CL-01, CL-02). Nobody knows its preimage.
	dummyClientDigest signet.Digest
}

// New validates cfg and returns a Server.
func New(cfg Config) (*Server, error) {
	switch {
	case cfg.Users == nil:
		return nil, errors.New("authserver: Config.Users is nil")
	case cfg.Clients == nil:
		return nil, errors.New("authserver: Config.Clients is nil")
	case cfg.Grants == nil:
		return nil, errors.New("authserver: Config.Grants is nil")
	case cfg.Minter == nil:
		return nil, errors.New("authserver: Config.Minter is nil")
	case cfg.Clock == nil:
		return nil, errors.New("authserver: Config.Clock is nil")
	case cfg.Passwords == nil:
		return nil, errors.New("authserver: Config.Passwords is nil")
	case cfg.ClientKeys != nil && cfg.Replay == nil:
		return nil, errors.New("authserver: Config.ClientKeys needs Config.Replay")
	case len(cfg.TrustedIssuers) > 0 && (cfg.IssuerKeys == nil || cfg.Replay == nil):
		return nil, errors.New("authserver: Config.TrustedIssuers need Config.IssuerKeys and Config.Replay")
	case cfg.ClientCache < 0:
		return nil, errors.New("authserver: Config.ClientCache is negative")
	}
	trusted := map[string]TrustedIssuer{}
	for _, ti := range cfg.TrustedIssuers {
		if err := ti.Check(); err != nil {
			return nil, err
		}
		if _, dup := trusted[ti.Issuer]; dup {
			return nil, fmt.Errorf("authserver: trusted token issuer %s named twice", ti.Issuer)
		}
		trusted[ti.Issuer] = ti
	}
	life, err := cfg.Lifetimes.WithDefaults()
	if err != nil {
		return nil, err
	}
	s := &Server{
		signinPolicies: cfg.SigninPolicies,
		verifier:       cfg.Verifier,

		users:      cfg.Users,
		clients:    cfg.Clients,
		grants:     cfg.Grants,
		browser:    cfg.Browser,
		federation: cfg.Federation,
		minter:     cfg.Minter,
		hasher:     cfg.Minter.Hasher(),
		clock:      cfg.Clock,
		passwords:  cfg.Passwords,
		life:       life,
		observer:   cfg.Observer,
		failPoints: cfg.FailPoints,
		tokenGrants: map[string]grant{
			signet.GrantAuthorizationCode: authCodeGrant{},
			signet.GrantRefreshToken:      refreshGrant{},
			signet.GrantDeviceCode:        deviceCodeGrant{},
			signet.GrantClientCredentials: clientCredentialsGrant{on: cfg.Signer != nil},
			signet.GrantJWTBearer:         jwtBearerGrant{on: len(trusted) > 0},
			signet.GrantTokenExchange:     tokenExchangeGrant{},
		},
		limiter:      cfg.Limiter,
		clientKeys:   cfg.ClientKeys,
		replay:       cfg.Replay,
		signer:       cfg.Signer,
		iamAccountID: cfg.IAMAccountID,

		trustedIssuers: trusted,
		issuerKeys:     cfg.IssuerKeys,
		auditor:        cfg.Audit,
		clientCache:    newClientCache(cfg.ClientCache, cfg.Observer),
	}
	if s.mfa, err = cfg.MFA.withDefaults(); err != nil {
		return nil, err
	}
	if s.mfa.Store != nil && s.mfa.Passkeys != nil && s.mfa.IssuerURL != "" {
		if s.wa, err = newWebAuthn(s.mfa.IssuerURL); err != nil {
			return nil, err
		}
	}
	dummy, _, err := s.minter.New("")
	if err != nil {
		return nil, err
	}
	if s.dummyPasswordHash, err = s.passwords.Hash(dummy); err != nil {
		return nil, err
	}
	_, s.dummyClientDigest, err = s.minter.New(secret.PrefixClientSecret)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// Lifetimes returns the lifetimes in force, defaults filled in.
func (s *Server) Lifetimes() Lifetimes { return s.life }

func (s *Server) observeGrant(p signet.Protocol, grantType string) {
	if s.observer != nil {
		s.observer.GrantIssued(p, grantType)
	}
}
