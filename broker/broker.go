package broker

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/awscreds"
	"github.com/signet-auth/signet/internal/boundcache"
)

// Operation names what was asked of the broker.
type Operation string

// Operations, as the Amplify UI Builder API names them.
const (
	OpExchange Operation = "ExchangeCodeForToken"
	OpRefresh  Operation = "RefreshToken"
)

// Outcome classifies how one request ended, for metrics and the audit log.
// The set is fixed, so it is safe as a metric label.
type Outcome string

// Outcomes.
const (
	OutcomeSuccess        Outcome = "success"
	OutcomeInvalidRequest Outcome = "invalid_request" // unknown provider or client, bad input, redirect URI not allowed
	OutcomeDenied         Outcome = "denied"          // the principal may not use the provider's default client
	OutcomeCodeReused     Outcome = "code_reused"     // the code is being or was already exchanged (BR-09)
	OutcomeRejected       Outcome = "rejected"        // the provider refused the code or token (BR-05)
	OutcomeClientRejected Outcome = "client_rejected" // the provider refused signet's client credentials
	OutcomeThrottled      Outcome = "throttled"       // the provider answered 429
	OutcomeUpstreamError  Outcome = "upstream_error"  // 5xx, 3xx, a broken body, a refused or failed connection
	OutcomeTimeout        Outcome = "timeout"
	OutcomeCanceled       Outcome = "canceled" // the caller went away
)

// UnknownProvider is the provider label of requests naming no configured
// provider: metric labels never carry caller input.
const UnknownProvider = "unknown"

// Observer receives one observation per request (metrics). provider is a
// configured provider's name or UnknownProvider.
type Observer interface {
	Observe(provider string, op Operation, outcome Outcome)
}

// Tokens is what a provider issued. It logs as "[redacted]".
type Tokens struct {
	AccessToken  string
	RefreshToken string // empty after a refresh: Figma issues none
	ExpiresIn    int64  // seconds
}

// LogValue keeps tokens out of logs however a Tokens is logged.
func (Tokens) LogValue() slog.Value { return slog.StringValue(redacted) }

// ExchangeRequest is an ExchangeCodeForToken call.
type ExchangeRequest struct {
	Provider    string
	Code        string
	RedirectURI string
	ClientID    string // optional: the provider's default client
	Principal   awscreds.Principal
}

// RefreshRequest is a RefreshToken call.
type RefreshRequest struct {
	Provider     string
	RefreshToken string
	ClientID     string // optional
	Principal    awscreds.Principal
}

// Bounds on caller input, checked before anything else is done with it.
const (
	maxCodeLen     = 2048
	maxTokenLen    = 8192
	maxRedirectLen = 2048
	maxClientIDLen = 256
)

// Options are the broker's dependencies.
type Options struct {
	Clock    signet.Clock
	Logger   *slog.Logger // audit lines and upstream failures; nil: discard
	Observer Observer     // nil: none
	Secrets  SecretSource
	// RootCAs verifies upstream TLS certificates; nil: the system roots.
	RootCAs *x509.CertPool
}

// Broker exchanges codes and refresh tokens with upstream providers on
// behalf of signed callers. It is safe for concurrent use.
type Broker struct {
	providers map[string]*provider
	up        UpstreamConfig
	http      *http.Client
	clock     signet.Clock
	log       *slog.Logger
	obs       Observer

	mu       sync.Mutex
	inflight map[[32]byte]bool                      // codes being exchanged now
	used     *boundcache.Cache[[32]byte, time.Time] // codes that reached the provider, until when remembered
	flights  map[[32]byte]*flight                   // refreshes in progress
}

// New validates cfg, reads the client secrets it points to and returns a
// Broker.
func New(cfg Config, o Options) (*Broker, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if o.Clock == nil {
		return nil, errors.New("broker: Options.Clock is required")
	}
	up := cfg.Upstream
	up.ConnectTimeout = cmp(up.ConnectTimeout, DefaultConnectTimeout)
	up.Timeout = cmp(up.Timeout, DefaultTimeout)
	up.MaxResponseBytes = cmp(up.MaxResponseBytes, DefaultMaxResponseBytes)
	up.MaxExpiresIn = cmp(up.MaxExpiresIn, DefaultMaxExpiresIn)
	up.UsedCodeMemory = cmp(up.UsedCodeMemory, DefaultUsedCodeMemory)
	b := &Broker{
		providers: map[string]*provider{},
		up:        up,
		http:      newHTTPClient(up, o.RootCAs),
		clock:     o.Clock,
		log:       o.Logger,
		obs:       o.Observer,
		inflight:  map[[32]byte]bool{},
		used:      boundcache.New[[32]byte, time.Time](8192),
		flights:   map[[32]byte]*flight{},
	}
	b.log = signet.LoggerOr(b.log)
	for _, pc := range cfg.Providers {
		p := &provider{name: pc.Name, kind: pc.Kind, tokenURL: pc.TokenURL, refreshURL: pc.RefreshURL,
			auth: pc.AuthMethod, defaultClient: pc.DefaultClient, clients: map[string]*client{}}
		if p.kind == KindFigma {
			p.tokenURL = cmp(p.tokenURL, FigmaTokenURL)
			p.refreshURL = cmp(p.refreshURL, FigmaRefreshURL)
			p.auth = AuthBasic
		}
		p.refreshURL = cmp(p.refreshURL, p.tokenURL)
		p.auth = cmp(p.auth, AuthBasic)
		if p.defaultClient == "" && len(pc.Clients) == 1 {
			p.defaultClient = pc.Clients[0].ID
		}
		for _, cc := range pc.Clients {
			s, err := o.Secrets.resolve(cc)
			if err != nil {
				// The error names the variable or file, never a value.
				return nil, fmt.Errorf("broker: provider %s, client %s: %w", pc.Name, cc.ID, err)
			}
			p.clients[cc.ID] = &client{id: cc.ID, secret: s, redirectURIs: slices.Clone(cc.RedirectURIs), principals: slices.Clone(cc.AllowedPrincipals)}
		}
		b.providers[p.name] = p
	}
	return b, nil
}

func cmp[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// ProviderInfo describes a configured provider, without secrets.
type ProviderInfo struct {
	Name          string
	Kind          Kind
	TokenURL      string
	RefreshURL    string
	AuthMethod    AuthMethod
	DefaultClient string
	ClientIDs     []string
}

// Providers lists the configured providers by name.
func (b *Broker) Providers() []ProviderInfo {
	var out []ProviderInfo
	for _, p := range b.providers {
		pi := ProviderInfo{Name: p.name, Kind: p.kind, TokenURL: p.tokenURL, RefreshURL: p.refreshURL, AuthMethod: p.auth, DefaultClient: p.defaultClient}
		for id := range p.clients {
			pi.ClientIDs = append(pi.ClientIDs, id)
		}
		slices.Sort(pi.ClientIDs)
		out = append(out, pi)
	}
	slices.SortFunc(out, func(a, b ProviderInfo) int {
		if a.Name < b.Name {
			return -1
		}
		if a.Name > b.Name {
			return 1
		}
		return 0
	})
	return out
}

// Close releases idle upstream connections.
func (b *Broker) Close() { b.http.CloseIdleConnections() }

// Client-safe messages. None repeats caller input.
const (
	msgProvider     = "Unsupported provider."
	msgClient       = "The clientId is not a client of this provider that you may use."
	msgDenied       = "You are not authorized to use this provider."
	msgRedirect     = "The redirectUri is not registered for this client."
	msgCodeUsed     = "The code has already been used."
	msgCodeRejected = "The provider rejected the code: it is invalid, expired or already used, or was issued for another redirectUri or client."
	msgTokRejected  = "The provider rejected the refresh token: it is invalid, expired or revoked, or was issued to another client."
	msgThrottled    = "The provider is throttling requests; retry later."
	msgUpstream     = "The provider did not answer correctly; retry later."
)

// Exchange redeems an authorization code at the provider (catalogue
// BR-01, BR-02, BR-05, BR-07, BR-09). The code is sent upstream at most
// once: never retried, and refused locally while it is being exchanged and
// for Upstream.UsedCodeMemory after it reached the provider.
func (b *Broker) Exchange(ctx context.Context, r ExchangeRequest) (Tokens, error) {
	a := audit{op: OpExchange, provider: UnknownProvider, clientID: "", principal: r.Principal.ARN}
	tok, err := b.exchange(ctx, r, &a)
	b.finish(ctx, &a)
	return tok, err
}

func (b *Broker) exchange(ctx context.Context, r ExchangeRequest, a *audit) (Tokens, error) {
	p, c, err := b.resolve(r.Provider, r.ClientID, r.Principal, a)
	if err != nil {
		return Tokens{}, err
	}
	switch {
	case r.Code == "":
		return Tokens{}, a.invalid("code is required.")
	case len(r.Code) > maxCodeLen:
		return Tokens{}, a.invalid("code is too long.")
	case r.RedirectURI == "":
		return Tokens{}, a.invalid("redirectUri is required.")
	case len(r.RedirectURI) > maxRedirectLen || !c.redirectAllowed(r.RedirectURI):
		return Tokens{}, a.invalid(msgRedirect)
	}
	key := digest("code", p.name, c.id, r.Code)
	if !b.claimCode(key) {
		a.outcome = OutcomeCodeReused
		return Tokens{}, signet.Errorf(signet.CodeInvalidGrant, msgCodeUsed)
	}
	ctx, cancel := context.WithTimeout(ctx, b.up.Timeout)
	defer cancel()
	res, err := post(ctx, b.http, p.exchangeRequest(c, r.Code, r.RedirectURI), b.up.MaxResponseBytes)
	a.attempts = 1
	// A code that may have reached the provider is spent; one that
	// certainly did not (the connection failed) may be tried again.
	var ce *callError
	b.releaseCode(key, !errors.As(err, &ce) || !ce.notSent)
	if err != nil {
		return Tokens{}, b.callFailed(ctx, err, a)
	}
	return b.interpret(res, true, msgCodeRejected, a)
}

// Refresh obtains a new access token with a refresh token. Parallel
// refreshes of one token through one client are one upstream call whose
// result every caller gets (catalogue BR-09); the call is retried once if
// the connection failed before any answer.
func (b *Broker) Refresh(ctx context.Context, r RefreshRequest) (Tokens, error) {
	a := audit{op: OpRefresh, provider: UnknownProvider, principal: r.Principal.ARN}
	tok, err := b.refresh(ctx, r, &a)
	b.finish(ctx, &a)
	return tok, err
}

func (b *Broker) refresh(ctx context.Context, r RefreshRequest, a *audit) (Tokens, error) {
	p, c, err := b.resolve(r.Provider, r.ClientID, r.Principal, a)
	if err != nil {
		return Tokens{}, err
	}
	switch {
	case r.RefreshToken == "":
		return Tokens{}, a.invalid("token is required.")
	case len(r.RefreshToken) > maxTokenLen:
		return Tokens{}, a.invalid("token is too long.")
	}
	key := digest("refresh", p.name, c.id, r.RefreshToken)
	res, err := b.join(ctx, key, func(ctx context.Context) flightResult {
		var fa audit
		tok, err := b.refreshUpstream(ctx, p, c, r.RefreshToken, &fa)
		return flightResult{tok: tok, err: err, outcome: fa.outcome, status: fa.status, attempts: fa.attempts, cause: fa.cause}
	})
	if err != nil { // this caller left before the result
		a.outcome = OutcomeCanceled
		return Tokens{}, signet.Errorf(signet.CodeUnavailable, msgUpstream).Wrap(err)
	}
	a.outcome, a.status, a.attempts, a.cause, a.coalesced = res.outcome, res.status, res.attempts, res.cause, res.follower
	return res.tok, res.err
}

func (b *Broker) refreshUpstream(ctx context.Context, p *provider, c *client, token string, a *audit) (Tokens, error) {
	ctx, cancel := context.WithTimeout(ctx, b.up.Timeout)
	defer cancel()
	req := p.refreshRequest(c, token)
	var (
		res upstreamResult
		err error
	)
	for a.attempts < 2 {
		a.attempts++
		res, err = post(ctx, b.http, req, b.up.MaxResponseBytes)
		var ce *callError
		if err == nil || !errors.As(err, &ce) || !ce.retry || ctx.Err() != nil {
			break
		}
	}
	if err != nil {
		return Tokens{}, b.callFailed(ctx, err, a)
	}
	return b.interpret(res, false, msgTokRejected, a)
}

// resolve finds the provider and the client a request may use (BR-01,
// BR-07). An explicit clientId the principal may not use is refused like
// an unknown one, so callers cannot learn which clients exist.
func (b *Broker) resolve(name, clientID string, pr awscreds.Principal, a *audit) (*provider, *client, error) {
	p, ok := b.providers[name]
	if !ok {
		return nil, nil, a.invalid(msgProvider)
	}
	a.provider = p.name
	if clientID != "" {
		c, ok := p.clients[clientID]
		if len(clientID) > maxClientIDLen || !ok || !c.allows(pr) {
			return nil, nil, a.invalid(msgClient)
		}
		a.clientID = c.id
		return p, c, nil
	}
	c, ok := p.clients[p.defaultClient]
	if !ok {
		return nil, nil, a.invalid("clientId is required for this provider.")
	}
	a.clientID = c.id
	if !c.allows(pr) {
		a.outcome = OutcomeDenied
		return nil, nil, signet.Errorf(signet.CodeAccessDenied, msgDenied)
	}
	return p, c, nil
}

// interpret maps the provider's answer to tokens or a domain error
// (BR-05, BR-06). Upstream bodies are never passed on.
func (b *Broker) interpret(res upstreamResult, wantRefresh bool, rejected string, a *audit) (Tokens, error) {
	a.status = res.status
	upstream := func(detail string) error {
		a.outcome, a.cause = OutcomeUpstreamError, detail
		return signet.Errorf(signet.CodeUnavailable, msgUpstream)
	}
	switch {
	case res.status == http.StatusOK && res.tooLarge:
		return Tokens{}, upstream(fmt.Sprintf("upstream response larger than %d bytes", b.up.MaxResponseBytes))
	case res.status == http.StatusOK:
		tok, err := parseTokens(res.body, wantRefresh, b.up.MaxExpiresIn)
		if err != nil {
			return Tokens{}, upstream(err.Error())
		}
		a.outcome = OutcomeSuccess
		return tok, nil
	case res.status == http.StatusTooManyRequests:
		a.outcome = OutcomeThrottled
		ra := retryAfter(res.header, b.clock.Now())
		if ra <= 0 {
			ra = 5 * time.Second
		}
		e := signet.Errorf(signet.CodeTooManyRequests, msgThrottled)
		e.RetryAfter = ra
		return Tokens{}, e
	case res.status == http.StatusUnauthorized || res.status == http.StatusForbidden ||
		res.status == http.StatusBadRequest && isClientError(errorCode(res.body)):
		// The provider refused signet's own client credentials: the
		// operator's configuration is wrong and the caller cannot fix it.
		a.outcome, a.cause = OutcomeClientRejected, "the provider refused the client credentials; check the configured secret"
		return Tokens{}, signet.Errorf(signet.CodeInternal, msgUpstream)
	case res.status == http.StatusBadRequest:
		a.outcome = OutcomeRejected
		if c := errorCode(res.body); c != "" {
			a.cause = "upstream error " + safeToken(c)
		}
		return Tokens{}, signet.Errorf(signet.CodeInvalidGrant, "%s", rejected)
	case res.statusOnly:
		return Tokens{}, upstream("upstream answered with a redirect, which is not followed")
	}
	return Tokens{}, upstream(fmt.Sprintf("upstream answered HTTP %d", res.status))
}

func isClientError(code string) bool {
	return code == "invalid_client" || code == "unauthorized_client"
}

// safeToken returns an RFC 6749 error code as received if it has the
// shape of one (§5.2: %x20-21 / %x23-5B / %x5D-7E, here letters, digits
// and _), or "(other)": a provider's text never reaches a log verbatim.
func safeToken(s string) string {
	if len(s) > 40 {
		return "(other)"
	}
	for i := range len(s) {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return "(other)"
		}
	}
	return s
}

func (b *Broker) callFailed(ctx context.Context, err error, a *audit) error {
	var ce *callError
	if !errors.As(err, &ce) {
		ce = &callError{outcome: OutcomeUpstreamError, detail: "upstream call failed", err: err}
	}
	a.outcome, a.cause = ce.outcome, ce.Error()
	if ctx.Err() != nil && !errors.Is(ctx.Err(), context.DeadlineExceeded) {
		a.outcome = OutcomeCanceled
	}
	return signet.Errorf(signet.CodeUnavailable, msgUpstream)
}

// claimCode marks key in flight unless it is in flight or spent.
func (b *Broker) claimCode(key [32]byte) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.inflight[key] {
		return false
	}
	if until, ok := b.used.Get(key); ok && b.clock.Now().Before(until) {
		return false
	}
	b.inflight[key] = true
	return true
}

func (b *Broker) releaseCode(key [32]byte, spent bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.inflight, key)
	if spent {
		b.used.Put(key, b.clock.Now().Add(b.up.UsedCodeMemory))
	}
}

// digest keys the in-memory maps by a hash of the secret, never the
// secret itself.
func digest(kind string, parts ...string) [32]byte {
	h := sha256.New()
	h.Write([]byte("signet broker " + kind))
	for _, p := range parts {
		h.Write([]byte{0})
		h.Write([]byte(p))
	}
	var d [32]byte
	h.Sum(d[:0])
	return d
}

// audit is the record of one request: one log line and one observation.
type audit struct {
	op        Operation
	provider  string
	clientID  string
	principal string
	outcome   Outcome
	status    int
	attempts  int
	coalesced bool
	cause     string
}

func (a *audit) invalid(msg string) error {
	a.outcome = OutcomeInvalidRequest
	return signet.Errorf(signet.CodeInvalidRequest, "%s", msg)
}

// finish writes the audit line (catalogue BR-08: principal, provider,
// client, outcome; never a code, token or secret) and reports the outcome.
func (b *Broker) finish(ctx context.Context, a *audit) {
	if a.outcome == "" {
		a.outcome = OutcomeUpstreamError
	}
	level := slog.LevelInfo
	switch a.outcome {
	case OutcomeUpstreamError, OutcomeTimeout, OutcomeClientRejected, OutcomeThrottled:
		level = slog.LevelWarn
	}
	attrs := []slog.Attr{
		slog.String("operation", string(a.op)), slog.String("provider", a.provider),
		slog.String("client_id", a.clientID), slog.String("principal", a.principal),
		slog.String("outcome", string(a.outcome)),
	}
	if a.attempts > 0 {
		attrs = append(attrs, slog.Int("upstream_attempts", a.attempts))
	}
	if a.status != 0 {
		attrs = append(attrs, slog.Int("upstream_status", a.status))
	}
	if a.coalesced {
		attrs = append(attrs, slog.Bool("coalesced", true))
	}
	if a.cause != "" {
		attrs = append(attrs, slog.String("cause", a.cause))
	}
	b.log.LogAttrs(ctx, level, "broker: token exchange", attrs...)
	if b.obs != nil {
		b.obs.Observe(a.provider, a.op, a.outcome)
	}
}
