package authserver

import (
	"errors"
	"fmt"
	"time"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/internal/failpoint"
	"github.com/signet-auth/signet/password"
	"github.com/signet-auth/signet/secret"
)

const day = 24 * time.Hour

// Lifetimes configures every lifetime and window the engine applies. A zero
// field takes its default; New rejects a value outside its bounds. The
// defaults and bounds are:
//
//   - AuthorizationCode: 60 s, at most 10 min (RFC 6749 §4.1.2 recommends
//     10 min as the maximum).
//   - DeviceAuthorization: 600 s, between 1 min and 30 min (RFC 8628 §3.2
//     expires_in; the user-code guessing budget in §5.1 shrinks with it).
//   - DevicePollInterval: 5 s, between 1 s and 60 s (RFC 8628 §3.2
//     interval, whose default is 5 s).
//   - SlowDownStep: 5 s, between 1 s and 60 s: what a slow_down adds to the
//     stored interval (RFC 8628 §3.5).
//   - AccessToken: 1 h, between 1 s and 24 h; SSO OIDC and OAuth 2.0
//     access tokens.
//   - SignInAccessToken: 900 s, between 1 s and 900 s; the Sign-In model
//     bounds expiresIn to 1–900.
//   - Session: 90 days, between 1 min and 365 days: the absolute lifetime
//     of a refresh-token family, which no rotation extends.
//   - RefreshToken: equal to Session, at most Session: the lifetime of one
//     refresh token from its issue (always also capped by the session end).
//   - RefreshGrace: 5 s, at most 60 s; how long after a rotation the
//     previous SSO OIDC or OAuth 2.0 refresh token may be presented again and
//     get the same successor back (RFC 9700 §4.14.2 leaves room for it; FAPI
//     2.0 requires lost-response retries to work).
//   - SignInIdempotency: equal to SignInAccessToken, at most
//     SignInAccessToken; the same window for Sign-In, whose refresh is
//     "idempotent within the token validity window".
//   - ClientSecret: 90 days, between 1 h and 365 days; the life of a
//     dynamically registered client's secret, and of the registration.
//   - BrowserSession: 12 h or Session if that is shorter, between 1 min and
//     Session: the absolute life of a sign-in at the pages, which no use
//     extends (NIST SP 800-63B §7.2; catalogue BS-02).
//   - BrowserIdle: 1 h or BrowserSession if that is shorter, between 1 min
//     and BrowserSession: a sign-in not used for this long has ended.
type Lifetimes struct {
	AuthorizationCode   time.Duration
	DeviceAuthorization time.Duration
	DevicePollInterval  time.Duration
	SlowDownStep        time.Duration
	AccessToken         time.Duration
	SignInAccessToken   time.Duration
	Session             time.Duration
	RefreshToken        time.Duration
	RefreshGrace        time.Duration
	SignInIdempotency   time.Duration
	ClientSecret        time.Duration
	BrowserSession      time.Duration
	BrowserIdle         time.Duration
}

// DefaultLifetimes returns the defaults listed on Lifetimes.
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

// normalize fills defaults and checks bounds, in dependency order: the
// refresh-token bound depends on the session and the Sign-In window on the
// Sign-In access lifetime.
func (l *Lifetimes) normalize() error {
	for _, b := range []struct {
		name          string
		v             *time.Duration
		def, min, max time.Duration
	}{
		{"AuthorizationCode", &l.AuthorizationCode, 60 * time.Second, time.Second, 10 * time.Minute},
		{"DeviceAuthorization", &l.DeviceAuthorization, 600 * time.Second, time.Minute, 30 * time.Minute},
		{"DevicePollInterval", &l.DevicePollInterval, 5 * time.Second, time.Second, time.Minute},
		{"SlowDownStep", &l.SlowDownStep, 5 * time.Second, time.Second, time.Minute},
		{"AccessToken", &l.AccessToken, time.Hour, time.Second, 24 * time.Hour},
		{"SignInAccessToken", &l.SignInAccessToken, 900 * time.Second, time.Second, 900 * time.Second},
		{"Session", &l.Session, 90 * day, time.Minute, 365 * day},
		{"RefreshToken", &l.RefreshToken, l.Session, time.Second, l.Session},
		{"RefreshGrace", &l.RefreshGrace, 5 * time.Second, 0, time.Minute},
		{"SignInIdempotency", &l.SignInIdempotency, l.SignInAccessToken, time.Second, l.SignInAccessToken},
		{"ClientSecret", &l.ClientSecret, 90 * day, time.Hour, 365 * day},
		{"BrowserSession", &l.BrowserSession, 0, time.Minute, 0},
		{"BrowserIdle", &l.BrowserIdle, 0, time.Minute, 0},
	} {
		// Defaults that depend on an earlier field read it after that
		// field was normalised.
		switch b.name {
		case "RefreshToken":
			b.def, b.max = l.Session, l.Session
		case "SignInIdempotency":
			b.def, b.max = l.SignInAccessToken, l.SignInAccessToken
		case "BrowserSession":
			b.def, b.max = min(12*time.Hour, l.Session), l.Session
		case "BrowserIdle":
			b.def, b.max = min(time.Hour, l.BrowserSession), l.BrowserSession
		}
		if *b.v == 0 {
			*b.v = b.def
		}
		if *b.v < b.min || *b.v > b.max {
			return fmt.Errorf("authserver: Lifetimes.%s = %v is outside [%v, %v]", b.name, *b.v, b.min, b.max)
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
	// Observer is optional.
	Observer Observer
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
}

// Server is the engine. It is safe for concurrent use; it holds no mutable
// state of its own.
type Server struct {
	users       signet.UserStore
	clients     signet.ClientStore
	grants      signet.GrantStore
	browser     signet.BrowserSessionStore
	minter      *secret.Minter
	hasher      *secret.Hasher
	clock       signet.Clock
	passwords   *password.Hasher
	life        Lifetimes
	observer    Observer
	failPoints  *failpoint.Points
	tokenGrants map[string]grant
	pwPolicy    passwordPolicy // passwordpolicy.go

	limiter      ClientAuthLimiter
	clientKeys   ClientKeyStore
	replay       signet.ReplayStore
	signer       JWTSigner
	iamAccountID string

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
	}
	life, err := cfg.Lifetimes.WithDefaults()
	if err != nil {
		return nil, err
	}
	s := &Server{
		users:      cfg.Users,
		clients:    cfg.Clients,
		grants:     cfg.Grants,
		browser:    cfg.Browser,
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
		},
		limiter:      cfg.Limiter,
		clientKeys:   cfg.ClientKeys,
		replay:       cfg.Replay,
		signer:       cfg.Signer,
		iamAccountID: cfg.IAMAccountID,
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
