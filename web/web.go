package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/signet-auth/signet"
)

// Backend is what the pages need from the engine (package authserver). It
// is defined here, by its consumer, in root domain types only; an adapter
// to the engine lives with the wiring.
type Backend interface {
	// Authenticate checks a login name and password. Every failure is an
	// *signet.Error; the pages show the same generic message whatever the
	// cause (unknown name, wrong password, disabled user), so the engine
	// need not hide the difference from us, only from the log.
	Authenticate(ctx context.Context, name, password string) (signet.User, error)
	// User returns the user with that id; an error wrapping signet.ErrNotFound
	// (or an *signet.Error with CodeNotFound) if there is none.
	User(ctx context.Context, id string) (signet.User, error)
	// Client returns a client from the store; ErrNotFound if there is none.
	// The two built-in Sign-In clients are not asked for: this package knows
	// them (see signInClients).
	Client(ctx context.Context, id string) (signet.Client, error)
	// MatchRedirectURI reports whether uri is one of c's registered redirect
	// URIs: exact string match, except that the port of a registered
	// loopback URI may vary (RFC 8252 §7.3; catalogue WB-01, WB-02).
	MatchRedirectURI(c signet.Client, uri string) bool
	// IssueCode stores a fresh authorization code for a request the user
	// approved and returns it. A refusal is an *signet.Error whose Code is
	// one of the RFC 6749 §4.1.2.1 error codes.
	IssueCode(ctx context.Context, req CodeRequest) (code string, err error)
	// LookupUserCode finds the device authorization a person typed the
	// user code of (any spelling secret.NormalizeUserCode accepts).
	// ErrNotFound for no such code; an expired authorization is returned as
	// it is (or as an *signet.Error with CodeExpiredToken): the page says it
	// expired (catalogue DV-03).
	LookupUserCode(ctx context.Context, typed string) (signet.DeviceAuthorization, error)
	// DecideDevice approves or denies a pending authorization for userID.
	// A terminal one does not change (catalogue DV-04): it is returned as it
	// is, with an error wrapping signet.ErrAlreadyUsed; an expired one with
	// CodeExpiredToken (or ErrNotFound).
	DecideDevice(ctx context.Context, typedUserCode string, approve bool, userID string, authTime time.Time) (signet.DeviceAuthorization, error)

	// StartBrowserSession records a sign-in of userID (how: amr; from:
	// address and userAgent, for the audit trail) and returns the token the
	// cookie is to carry, with the record.
	StartBrowserSession(ctx context.Context, userID string, amr []string, address, userAgent string) (string, signet.BrowserSession, error)
	// BrowserSession checks a cookie's token on every use and returns its
	// record and user. A session that has ended (revoked, signed out, past
	// its idle or absolute limit, its user disabled or with new
	// credentials) is an *signet.Error with a code other than
	// CodeInternal or CodeUnavailable.
	BrowserSession(ctx context.Context, token string) (signet.BrowserSession, signet.User, error)
	// EndBrowserSession revokes the session of token (sign-out); an
	// unknown token is not an error.
	EndBrowserSession(ctx context.Context, token string) error
}

// CodeRequest is an authorization request the user approved, validated by
// this package; the engine turns it into a signet.AuthorizationCode.
type CodeRequest struct {
	ClientID            string
	UserID              string
	Protocol            signet.Protocol
	RedirectURI         string // exactly as sent by the client
	Scopes              []string
	CodeChallenge       string // base64url(SHA-256(verifier)), 43 characters
	CodeChallengeMethod string // always "S256" (Sign-In's "SHA-256" is normalised)
	Nonce               string
	DPoPJKT             string
	Assignment          signet.Assignment // Sign-In: the account and role chosen
	AuthTime            time.Time
	// ClientIP is the browser's address as the trusted proxies resolve it
	// (the account's Sign-In policy is checked against it).
	ClientIP netip.Addr
	// AMR is how the approving session authenticated (RFC 8176); the
	// engine checks it against the MFA policy.
	AMR []string
}

// Sealer is authenticated encryption with associated data: the server's
// AEAD key (the keyring satisfies it). The browser session cookie and the
// flow state in forms are sealed with it, each with its own associated data
// so one can never be passed off as the other.
type Sealer interface {
	Seal(plaintext, ad []byte) ([]byte, error)
	Open(ciphertext, ad []byte) ([]byte, error)
}

// Deps are the parts the pages are built from.
type Deps struct {
	Backend Backend
	Sealer  Sealer
	// Limiter counts login and user-code failures; nil: a MemoryLimiter
	// (per node). Use a store-backed one where several nodes serve pages.
	Limiter Limiter
	Clock   signet.Clock
	Rand    io.Reader // crypto/rand.Reader in production
	Log     *slog.Logger
	// Federation signs people in through upstream identity providers;
	// nil: the login page offers passwords only.
	Federation Federation
	// MFA serves second factors (mfa.go); nil: none, a password is enough.
	MFA MFABackend
	// Audit records the lockouts the failure budgets impose; nil: none.
	Audit Auditor
}

// Auditor records security events; *audit.Recorder implements it.
type Auditor interface {
	Record(ctx context.Context, r signet.AuditRecord) error
}

// Limit is a failure budget: at most Max failures per Window.
type Limit struct {
	Max    int
	Window time.Duration
}

// Limits are the failure budgets of the login and device pages. Keys
// combine the client IP with the account (or the browser session) so that
// nobody can lock a victim out from elsewhere (catalogue RL-04). The device
// page charges a miss to the address, the browser session and the signed-in
// account (catalogue DV-07, AB-01); its deployment-wide count only raises an
// alert, never a refusal.
type Limits struct {
	LoginAccount  Limit // per IP and login name
	LoginIP       Limit // per IP, any login name
	DeviceIP      Limit // user-code misses per IP
	DeviceSession Limit // user-code misses per browser session
	DeviceAccount Limit // user-code misses per signed-in account
	DeviceGlobal  Limit // alert threshold: user-code misses on this deployment
}

// DefaultLimits returns the failure budgets used where Options.Limits is
// left zero: 5 wrong passwords per account per 15 minutes from one IP (30
// for any account); 10 user-code misses per IP, session or account per 15
// minutes. With 20^10 ≈ 2^43.2 user codes living 10 minutes, one account's
// odds of guessing a given live code in its life are at most 20/20^10 ≈
// 2^-38.9 (ratelimit.UserCodeOdds); the alert fires at 1192 misses per 10
// minutes on the deployment, where the odds of some guesser reach 2^-32.
func DefaultLimits() Limits {
	return Limits{
		LoginAccount:  Limit{Max: 5, Window: 15 * time.Minute},
		LoginIP:       Limit{Max: 30, Window: 15 * time.Minute},
		DeviceIP:      Limit{Max: 10, Window: 15 * time.Minute},
		DeviceSession: Limit{Max: 10, Window: 15 * time.Minute},
		DeviceAccount: Limit{Max: 10, Window: 15 * time.Minute},
		DeviceGlobal:  Limit{Max: 1192, Window: 10 * time.Minute},
	}
}

// Options configure the pages.
type Options struct {
	// Issuer is the external URL of this server (e.g.
	// https://signin.example.com). Redirects, the Sign-In cross-device
	// confirmation URL and the Origin check all use it; Host and
	// X-Forwarded-* headers are never read. An https issuer gets a
	// __Host-signet cookie with Secure; a plain-http issuer (a loopback
	// development setup) gets a cookie named signet without Secure, since
	// browsers drop Secure cookies on http and refuse the __Host- prefix
	// without Secure.
	Issuer string
	// ThemeDir, if set, is a directory whose templates/*.html and
	// static/* files replace the embedded ones of the same name.
	ThemeDir string
	// SessionLifetime is the life of an anonymous session's cookie, and
	// the most a signed-in one's may have (the engine's record decides its
	// real end); default 12 hours.
	SessionLifetime time.Duration
	// Limits are the failure budgets; zero fields take DefaultLimits.
	Limits Limits
	// ClientIP returns the address failures are counted against. The
	// default is the peer address of the connection; behind a reverse proxy
	// supply a function that reads the proxy's header you trust.
	ClientIP func(*http.Request) string
	// DevAutoApprove completes authorize requests without a person: as
	// DevUser, approving, with the user's first assignment. For tests and
	// local development only; every auto-approval logs a warning. The device
	// page never auto-approves (catalogue DV-09); see AutoApproveDevice.
	DevAutoApprove bool
	DevUser        func(ctx context.Context) (signet.User, error)
	// LoginMode chooses between passwords and upstream providers
	// (federation.go).
	LoginMode LoginMode
	// Admins are the user names that may use the admin console at /admin
	// (--admin-user); none: the console is off. Admin runs its actions.
	Admins []string
	Admin  AdminBackend
}

// flowLifetime bounds the time between the consent page and the decision
// POST (and between the device lookup and its decision).
const flowLifetime = 10 * time.Minute

// Handler serves the pages. Build it with New and Mount it on the server's
// mux.
type Handler struct {
	backend Backend
	sealer  Sealer
	limiter Limiter
	mfa     MFABackend
	clock   signet.Clock
	rand    io.Reader
	log     *slog.Logger
	audit   Auditor
	opts    Options
	fed     Federation

	issuer       *url.URL
	issuerOrigin string
	cookieName   string
	secure       bool
	pages        *pages
}

// New checks the configuration, parses the templates (theme first) and
// returns the Handler.
func New(d Deps, o Options) (*Handler, error) {
	if d.Backend == nil || d.Sealer == nil || d.Clock == nil || d.Rand == nil {
		return nil, errors.New("web: Backend, Sealer, Clock and Rand are required")
	}
	iss, err := url.Parse(o.Issuer)
	if err != nil || (iss.Scheme != "https" && iss.Scheme != "http") || iss.Host == "" || iss.User != nil || iss.RawQuery != "" || iss.Fragment != "" {
		return nil, fmt.Errorf("web: Issuer %q is not an absolute http(s) URL without query or fragment", o.Issuer)
	}
	if iss.Scheme == "http" && !isLoopbackHost(iss.Hostname()) {
		return nil, fmt.Errorf("web: Issuer %q: plain http is only for loopback development setups", o.Issuer)
	}
	if o.LoginMode == LoginFederatedOnly && d.Federation == nil {
		return nil, errors.New("web: LoginMode federated-only needs Federation")
	}
	if o.LoginMode != LoginPasswordAndFederated && o.LoginMode != LoginFederatedOnly {
		return nil, fmt.Errorf("web: unknown LoginMode %q", o.LoginMode)
	}
	if o.DevAutoApprove && o.DevUser == nil {
		return nil, errors.New("web: DevAutoApprove needs DevUser")
	}
	if o.SessionLifetime <= 0 {
		o.SessionLifetime = 12 * time.Hour
	}
	o.Limits = o.Limits.withDefaults()
	if o.ClientIP == nil {
		o.ClientIP = peerIP
	}
	h := &Handler{
		backend: d.Backend,
		sealer:  d.Sealer,
		limiter: d.Limiter,
		mfa:     d.MFA,
		clock:   d.Clock,
		rand:    d.Rand,
		log:     d.Log,
		audit:   d.Audit,
		opts:    o,
		fed:     d.Federation,
		issuer:  iss,
		secure:  iss.Scheme == "https",
	}
	h.issuerOrigin = iss.Scheme + "://" + iss.Host
	h.cookieName = "signet"
	if h.secure {
		h.cookieName = "__Host-signet"
	}
	if h.limiter == nil {
		h.limiter = NewMemoryLimiter()
	}
	h.log = signet.LoggerOr(h.log)
	if h.pages, err = loadPages(o.ThemeDir); err != nil {
		return nil, err
	}
	return h, nil
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	fill := func(v *Limit, d Limit) {
		if v.Max <= 0 || v.Window <= 0 {
			*v = d
		}
	}
	fill(&l.LoginAccount, d.LoginAccount)
	fill(&l.LoginIP, d.LoginIP)
	fill(&l.DeviceIP, d.DeviceIP)
	fill(&l.DeviceSession, d.DeviceSession)
	fill(&l.DeviceAccount, d.DeviceAccount)
	fill(&l.DeviceGlobal, d.DeviceGlobal)
	return l
}

// url returns the absolute URL of a path on this server.
func (h *Handler) url(path string) string {
	return strings.TrimSuffix(h.issuer.String(), "/") + path
}

func peerIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func isLoopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
