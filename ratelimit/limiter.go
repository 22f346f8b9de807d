package ratelimit

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/internal/boundcache"
)

// Class is a kind of request with its own per-node bucket.
type Class int

// Classes. The key of a class's bucket is given with each.
const (
	// ClassToken: OAuth token endpoint, SSO OIDC CreateToken; per client
	// and address (Policy.Client).
	ClassToken Class = iota + 1
	// ClassDevice: device authorization starts; per client and address
	// (Policy.Client).
	ClassDevice
	// ClassSignIn: Sign-In CreateOAuth2Token; per grant and address
	// (Policy.Client), since every AWS CLI shares Sign-In's client id
	// (catalogue AB-02); without a grant, per address alone.
	ClassSignIn
	// ClassRegister: client registration; per address (Policy.Register),
	// and across nodes (Policy.RegisterShared).
	ClassRegister
	// ClassIntrospect: introspection; per calling client, any address
	// (Policy.Introspect).
	ClassIntrospect
)

func (c Class) String() string {
	switch c {
	case ClassToken:
		return "token"
	case ClassDevice:
		return "device"
	case ClassSignIn:
		return "signin"
	case ClassRegister:
		return "register"
	case ClassIntrospect:
		return "introspect"
	}
	return "unknown"
}

// Config builds a Limiter.
type Config struct {
	// Store keeps the shared counters; required (MemoryStore for one node).
	Store signet.RateLimitStore
	// Policy is every limit; see DefaultPolicy.
	Policy Policy
	Clock  signet.Clock
	// Digest turns a counter's key (made of addresses and names) into the
	// digest the store sees: the server's keyed hash (secret.Hasher.Digest)
	// in production, so that every node computes the same digest and a
	// database dump shows no address. Nil: SHA-256 with a label.
	Digest func(string) signet.Digest
	// ClientIP returns a request's client address as the trusted proxies
	// resolve it (the server passes httpserver.ClientIP). Nil: the
	// connection's peer address.
	ClientIP func(*http.Request) netip.Addr
	// MaxKeys bounds the per-node buckets held; 0: DefaultMaxKeys. The
	// least recently used go first; an evicted key starts again full.
	MaxKeys int
	Log     *slog.Logger // nil: discard
	// Audit records the client-secret lockouts (catalogue AU-01); nil:
	// none.
	Audit Auditor
	// GrantStore says that Store is the database of the grants too, so
	// that a grant can read a budget's window with its own first read
	// (ClientAuthBudget). False: every budget is asked of Store.
	GrantStore bool
}

// Auditor records security events; *audit.Recorder implements it.
type Auditor interface {
	Record(ctx context.Context, r signet.AuditRecord) error
}

// DefaultMaxKeys is how many per-node buckets a Limiter holds by default.
const DefaultMaxKeys = 1 << 16

// maxKeyPart bounds the client id that goes into a key: ids longer than
// this are refused by every surface anyway.
const maxKeyPart = 256

// Limiter applies a Policy. It is safe for concurrent use. A nil *Limiter
// admits everything, so surfaces work without one.
type Limiter struct {
	store    signet.RateLimitStore
	p        Policy
	clock    signet.Clock
	digest   func(string) signet.Digest
	clientIP func(*http.Request) netip.Addr
	log      *slog.Logger
	audit    Auditor
	// grantStore: store is the grants' database (Config.GrantStore).
	grantStore bool

	node    *rate.Limiter // nil: no ceiling
	mu      sync.Mutex    // serialises bucket creation
	buckets *boundcache.Cache[bucketKey, *rate.Limiter]

	gmu    sync.Mutex // serialises a grant's check, admission and memory
	grants *boundcache.Cache[grantSeen, time.Time]
}

type bucketKey struct {
	kind   string // "ip" or a Class
	client string
	ip     string
}

// New returns a Limiter.
func New(c Config) (*Limiter, error) {
	if c.Store == nil || c.Clock == nil {
		return nil, errors.New("ratelimit: Config needs Store and Clock")
	}
	if c.MaxKeys <= 0 {
		c.MaxKeys = DefaultMaxKeys
	}
	if c.Digest == nil {
		c.Digest = func(s string) signet.Digest { return sha256.Sum256([]byte("signet rate limit\x00" + s)) }
	}
	if c.ClientIP == nil {
		c.ClientIP = peerIP
	}
	c.Log = signet.LoggerOr(c.Log)
	l := &Limiter{
		store: c.Store, p: c.Policy, clock: c.Clock, digest: c.Digest, clientIP: c.ClientIP, log: c.Log, audit: c.Audit,
		grantStore: c.GrantStore,
		buckets:    boundcache.New[bucketKey, *rate.Limiter](c.MaxKeys),
		grants:     boundcache.New[grantSeen, time.Time](c.MaxKeys),
	}
	if !c.Policy.Node.Off() {
		l.node = newBucket(c.Policy.Node)
	}
	return l, nil
}

// Policy returns the limits l applies.
func (l *Limiter) Policy() Policy { return l.p }

// addr is the rate key of r's client: IPv4, or the IPv6 /64 (RL-05).
func (l *Limiter) addr(r *http.Request) string { return keyOf(l.clientIP(r)) }

// keyOf is a's rate key, "unknown" for no address.
func keyOf(a netip.Addr) string {
	if !a.IsValid() {
		return "unknown"
	}
	return AddrKey(a)
}

func newBucket(lim Limit) *rate.Limiter {
	return rate.NewLimiter(rate.Limit(float64(lim.N)/lim.Per.Seconds()), lim.N)
}

// bucket returns the bucket for k, creating it full.
func (l *Limiter) bucket(k bucketKey, lim Limit) *rate.Limiter {
	if b, ok := l.buckets.Get(k); ok {
		return b
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if b, ok := l.buckets.Get(k); ok {
		return b
	}
	b := newBucket(lim)
	l.buckets.Put(k, b)
	return b
}

// take takes one token from b at now and returns 0, or, leaving the token,
// how long until one is there.
func take(b *rate.Limiter, now time.Time) time.Duration {
	res := b.ReserveN(now, 1)
	if !res.OK() {
		return time.Second
	}
	d := res.DelayFrom(now)
	if d > 0 {
		res.CancelAt(now)
	}
	return d
}

// TooMany is the refusal every throttle gives: too_many_requests with how
// long to wait, at least a second (Retry-After is in whole seconds). Each
// surface renders it in its own shape: SSO OIDC's SlowDownException,
// Sign-In's 429 TooManyRequestsError, RFC 6749's 429 JSON, the pages' 429.
func TooMany(wait time.Duration) *signet.Error {
	return &signet.Error{Code: signet.CodeTooManyRequests, Message: "Too many requests; retry later.",
		RetryAfter: max(wait, time.Second)}
}

// unavailable is the fail-closed refusal when the store cannot say.
func unavailable(err error) *signet.Error {
	return &signet.Error{Code: signet.CodeUnavailable, Message: "The service is temporarily unavailable; retry later.",
		RetryAfter: time.Second, Err: err}
}

// Request admits one request of class for clientID ("" where the class is
// keyed without one) from r's client, or refuses it with TooMany. The most
// specific bucket is asked first, so that one noisy client spends its own
// tokens before the address's and the node's. A token request whose
// context carries its grant (WithGrant) is admitted by the grant's rules:
// a retry is free (see admitGrant).
func (l *Limiter) Request(r *http.Request, class Class, clientID string) *signet.Error {
	if l == nil {
		return nil
	}
	now := l.clock.Now()
	ip := l.addr(r)
	if g := grantOf(r.Context()); g.grant != "" && (class == ClassToken || class == ClassSignIn) {
		return l.admitGrant(r.Context(), class, truncate(clientID), ip, g, now)
	}
	if e := l.admit(r.Context(), class, truncate(clientID), ip, now); e != nil {
		return e
	}
	if class == ClassRegister {
		return l.registerShared(r, ip, now)
	}
	return nil
}

// admit takes a token from each per-node bucket that applies to a request
// of class for clientID from the address key ip.
func (l *Limiter) admit(ctx context.Context, class Class, clientID, ip string, now time.Time) *signet.Error {
	type step struct {
		lim Limit
		key bucketKey
	}
	var steps []step
	switch class {
	case ClassToken, ClassDevice, ClassSignIn:
		steps = append(steps, step{l.p.Client, bucketKey{class.String(), clientID, ip}})
	case ClassRegister:
		steps = append(steps, step{l.p.Register, bucketKey{class.String(), "", ip}})
	case ClassIntrospect:
		steps = append(steps, step{l.p.Introspect, bucketKey{class.String(), clientID, ""}})
	}
	if class != ClassIntrospect {
		// An introspecting resource server speaks for many users; its
		// budget is its own.
		steps = append(steps, step{l.p.IP, bucketKey{"ip", "", ip}})
	}
	for _, s := range steps {
		if s.lim.Off() {
			continue
		}
		if wait := take(l.bucket(s.key, s.lim), now); wait > 0 {
			l.log.DebugContext(ctx, "ratelimit: throttled", "class", class, "ip", ip, "client", clientID)
			return TooMany(wait)
		}
	}
	if l.node != nil {
		if wait := take(l.node, now); wait > 0 {
			l.log.WarnContext(ctx, "ratelimit: node ceiling reached", "class", class)
			return TooMany(wait)
		}
	}
	return nil
}

// SignIn returns the Sign-In token endpoint's limiter (the
// api/signin.Limiter interface): ClassSignIn keyed by the grant and the
// client address the handler resolves, with the address's and the node's
// buckets; a retry of a grant is free (catalogue AB-02).
func (l *Limiter) SignIn() SignIn { return SignIn{l: l} }

// SignIn adapts a Limiter to Sign-In's Allow(key, grant, now): key is the
// rate key of the client address (AddrKey), grant the refresh token or
// code the call presents ("" when it presents none).
type SignIn struct{ l *Limiter }

// Allow admits one CreateOAuth2Token call from the address key at now, or
// says how long to wait (the Retry-After of the 429 TooManyRequestsError,
// catalogue RL-01).
func (s SignIn) Allow(key, grant string, now time.Time) (bool, time.Duration) {
	if s.l == nil {
		return true, 0
	}
	var e *signet.Error
	if grant != "" {
		e = s.l.admitGrant(context.Background(), ClassSignIn, "", truncate(key), presented{grant, true}, now)
	} else {
		e = s.l.admit(context.Background(), ClassSignIn, "", truncate(key), now)
	}
	if e != nil {
		return false, e.RetryAfter
	}
	return true, 0
}

// registerShared counts a registration against the address's shared
// budget. Registration cannot be brute-forced, so a store failure admits
// it (fail open, catalogue RL-06).
func (l *Limiter) registerShared(r *http.Request, ip string, now time.Time) *signet.Error {
	lim := l.p.RegisterShared
	if lim.Off() {
		return nil
	}
	n, reset, err := l.store.Hit(r.Context(), l.key("register", ip), lim.Per, now)
	if err != nil {
		l.log.WarnContext(r.Context(), "ratelimit: store failed; registration admitted", "err", err)
		return nil
	}
	if n > int64(lim.N) {
		return TooMany(reset.Sub(now))
	}
	return nil
}

func truncate(s string) string {
	if len(s) > maxKeyPart {
		return s[:maxKeyPart]
	}
	return s
}

// key is the store key of a shared counter.
func (l *Limiter) key(kind string, parts ...string) signet.Digest {
	b := []byte(kind)
	for _, p := range parts {
		b = append(b, 0)
		b = append(b, p...)
	}
	return l.digest(string(b))
}

// Origin is the rate-limit address key of r's client (the IPv4 address,
// or the IPv6 /64; RL-05), as the engine's failure budget takes it. A nil
// Limiter resolves the connection's peer.
func (l *Limiter) Origin(r *http.Request) string {
	if l == nil {
		return keyOf(peerIP(r))
	}
	return l.addr(r)
}

// AdmitClientAuth refuses a client authentication (a client secret) from
// the address key origin when clientID's failure budget from there is spent
// (catalogue CL-04): TooMany, asked before the secret is checked, so a
// locked-out guess tells nothing. Only that address is locked out, never
// the client. Client authentication is brute-forceable, so when the store
// cannot say, the request is refused as unavailable (fail closed, catalogue
// RL-06). It implements authserver.ClientAuthLimiter.
func (l *Limiter) AdmitClientAuth(ctx context.Context, clientID, origin string) error {
	if l == nil || l.p.ClientAuth.Off() {
		return nil
	}
	key := l.key("client-auth", truncate(clientID), origin)
	n, reset, err := l.store.Count(ctx, key, l.clock.Now())
	return l.admitClientAuth(ctx, n, reset, err)
}

// ClientAuthBudget is the budget AdmitClientAuth consults, for a grant to
// read with its own first read (signet.Budget): its Admit answers as
// AdmitClientAuth would on that count. Nil when the budget is off or its
// counters are not in the grants' store (Config.GrantStore). It
// implements authserver.ClientAuthLimiter.
func (l *Limiter) ClientAuthBudget(ctx context.Context, clientID, origin string) *signet.Budget {
	if l == nil || l.p.ClientAuth.Off() || !l.grantStore {
		return nil
	}
	return &signet.Budget{Key: l.key("client-auth", truncate(clientID), origin),
		Admit: func(n int64, reset time.Time, err error) error { return l.admitClientAuth(ctx, n, reset, err) }}
}

// admitClientAuth decides on a count of the client-auth budget.
func (l *Limiter) admitClientAuth(ctx context.Context, n int64, reset time.Time, err error) error {
	if err != nil {
		l.log.ErrorContext(ctx, "ratelimit: store failed; client authentication refused", "err", err)
		return unavailable(err)
	}
	if n >= int64(l.p.ClientAuth.N) {
		return TooMany(reset.Sub(l.clock.Now()))
	}
	return nil
}

// CountClientAuth counts err against clientID's failure budget from the
// address key origin when it is an invalid_client answer, and logs a
// warning (the alert of catalogue CL-04) when that spends the budget.
func (l *Limiter) CountClientAuth(ctx context.Context, clientID, origin string, err error) {
	if l == nil || l.p.ClientAuth.Off() || signet.ErrorCodeOf(err) != signet.CodeInvalidClient {
		return
	}
	n, _, herr := l.store.Hit(ctx, l.key("client-auth", truncate(clientID), origin), l.p.ClientAuth.Per, l.clock.Now())
	switch {
	case herr != nil:
		l.log.ErrorContext(ctx, "ratelimit: could not count a client authentication failure", "err", herr)
	case n == int64(l.p.ClientAuth.N):
		l.log.WarnContext(ctx, "ratelimit: client authentication failure limit reached; address locked out for this client",
			"client", clientID, "ip", origin, "failures", n, "window", l.p.ClientAuth.Per)
		if l.audit != nil {
			if err := l.audit.Record(ctx, signet.AuditRecord{Event: signet.AuditRateLimited, ClientID: truncate(clientID),
				Surface: "token", Outcome: signet.AuditFailure,
				Detail: fmt.Sprintf("budget=client-auth max=%d window=%s", l.p.ClientAuth.N, l.p.ClientAuth.Per)}); err != nil {
				l.log.ErrorContext(ctx, "ratelimit: lockout not recorded", "err", err)
			}
		}
	}
}

// Pages returns the pages' failure counter (a web.Limiter) over the shared
// store, so login and user-code limits hold across nodes and restarts
// (catalogue DV-07, CC-08).
func (l *Limiter) Pages() Pages { return Pages{l: l} }

// Pages counts the login and device pages' failures in the store. Its
// methods have web.Limiter's signatures; the keys the pages choose are
// digested before they reach the store.
type Pages struct{ l *Limiter }

// Failures returns key's failures in its open window.
func (p Pages) Failures(ctx context.Context, key string, now time.Time) (int, time.Time, error) {
	n, reset, err := p.l.store.Count(ctx, p.l.key("page", key), now)
	return int(n), reset, err
}

// Fail counts one failure for key.
func (p Pages) Fail(ctx context.Context, key string, window time.Duration, now time.Time) error {
	_, _, err := p.l.store.Hit(ctx, p.l.key("page", key), window, now)
	return err
}

// Reset forgets key.
func (p Pages) Reset(ctx context.Context, key string) error {
	return p.l.store.Reset(ctx, p.l.key("page", key))
}
