package storetiming

import (
	"context"
	"time"

	"github.com/signet-auth/signet"
)

// Observer receives one observation per store call.
type Observer interface {
	StoreLatency(op string, d time.Duration)
}

// Wrap returns s with every aggregate timed through o. Nil members stay nil.
func Wrap(s signet.Stores, o Observer) signet.Stores {
	if o == nil {
		return s
	}
	out := s
	if s.Users != nil {
		out.Users = users{s.Users, o}
	}
	if s.Clients != nil {
		out.Clients = clients{s.Clients, o}
	}
	if s.Grants != nil {
		out.Grants = grants{s.Grants, o}
	}
	if s.Replay != nil {
		out.Replay = replay{s.Replay, o}
	}
	if s.Keys != nil {
		out.Keys = keys{s.Keys, o}
	}
	if s.Collector != nil {
		out.Collector = collector{s.Collector, o}
	}
	if s.Health != nil {
		out.Health = health{s.Health, o}
	}
	if s.RateLimit != nil {
		out.RateLimit = rateLimit{s.RateLimit, o}
	}
	if s.AccessKeys != nil {
		out.AccessKeys = accessKeys{s.AccessKeys, o}
	}
	if s.ClientKeys != nil {
		out.ClientKeys = clientKeys{s.ClientKeys, o}
	}
	if s.Browser != nil {
		out.Browser = browser{s.Browser, o}
	}
	if s.Audit != nil {
		out.Audit = auditStore{s.Audit, o}
	}
	return out
}

// Tracer is implemented by an Observer that also opens a span around
// every store call (package tracing): StartStoreSpan returns the function
// that ends it with the call's error.
type Tracer interface {
	StartStoreSpan(ctx context.Context, op string) (end func(error))
}

// timed runs f and reports its duration under op, in a span when o is a
// Tracer.
func timed[T any](ctx context.Context, o Observer, op string, f func() (T, error)) (T, error) {
	var end func(error)
	if t, ok := o.(Tracer); ok {
		end = t.StartStoreSpan(ctx, op)
	}
	start := time.Now()
	v, err := f()
	o.StoreLatency(op, time.Since(start))
	if end != nil {
		end(err)
	}
	return v, err
}

// timedErr is timed for calls that return only an error.
func timedErr(ctx context.Context, o Observer, op string, f func() error) error {
	_, err := timed(ctx, o, op, func() (struct{}, error) { return struct{}{}, f() })
	return err
}

type users struct {
	s signet.UserStore
	o Observer
}

func (w users) CreateUser(ctx context.Context, u signet.User) error {
	return timedErr(ctx, w.o, "create_user", func() error { return w.s.CreateUser(ctx, u) })
}
func (w users) GetUser(ctx context.Context, id string) (signet.User, error) {
	return timed(ctx, w.o, "get_user", func() (signet.User, error) { return w.s.GetUser(ctx, id) })
}
func (w users) GetUserByName(ctx context.Context, name string) (signet.User, error) {
	return timed(ctx, w.o, "get_user", func() (signet.User, error) { return w.s.GetUserByName(ctx, name) })
}
func (w users) ListUsers(ctx context.Context) ([]signet.User, error) {
	return timed(ctx, w.o, "list_users", func() ([]signet.User, error) { return w.s.ListUsers(ctx) })
}
func (w users) UpdateUser(ctx context.Context, u signet.User) error {
	return timedErr(ctx, w.o, "update_user", func() error { return w.s.UpdateUser(ctx, u) })
}

type clients struct {
	s signet.ClientStore
	o Observer
}

func (w clients) CreateClient(ctx context.Context, c signet.Client) error {
	return timedErr(ctx, w.o, "create_client", func() error { return w.s.CreateClient(ctx, c) })
}
func (w clients) GetClient(ctx context.Context, id string) (signet.Client, error) {
	return timed(ctx, w.o, "get_client", func() (signet.Client, error) { return w.s.GetClient(ctx, id) })
}
func (w clients) GetClientEpoch(ctx context.Context, id string) (signet.Client, signet.ClientEpoch, error) {
	var e signet.ClientEpoch
	c, err := timed(ctx, w.o, "get_client", func() (c signet.Client, err error) {
		c, e, err = w.s.GetClientEpoch(ctx, id)
		return c, err
	})
	return c, e, err
}
func (w clients) ListClients(ctx context.Context) ([]signet.Client, error) {
	return timed(ctx, w.o, "list_clients", func() ([]signet.Client, error) { return w.s.ListClients(ctx) })
}
func (w clients) DeleteClient(ctx context.Context, id string, now time.Time) error {
	return timedErr(ctx, w.o, "delete_client", func() error { return w.s.DeleteClient(ctx, id, now) })
}

type grants struct {
	s signet.GrantStore
	o Observer
}

// codeResult carries RedeemCode's three results through timed.
type codeResult struct {
	code    signet.AuthorizationCode
	session signet.Session
	tokens  signet.TokenGeneration
}

// sessionResult carries a session and a generation through timed.
type sessionResult struct {
	session signet.Session
	tokens  signet.TokenGeneration
}

func (w grants) CreateCode(ctx context.Context, c signet.AuthorizationCode) error {
	return timedErr(ctx, w.o, "create_code", func() error { return w.s.CreateCode(ctx, c) })
}
func (w grants) RedeemCode(ctx context.Context, r signet.CodeRedemption) (signet.AuthorizationCode, signet.Session, signet.TokenGeneration, error) {
	v, err := timed(ctx, w.o, "redeem_code", func() (codeResult, error) {
		c, s, t, err := w.s.RedeemCode(ctx, r)
		return codeResult{c, s, t}, err
	})
	return v.code, v.session, v.tokens, err
}
func (w grants) StartSession(ctx context.Context, r signet.SessionStart) (signet.Session, signet.TokenGeneration, error) {
	v, err := timed(ctx, w.o, "start_session", func() (sessionResult, error) {
		s, t, err := w.s.StartSession(ctx, r)
		return sessionResult{s, t}, err
	})
	return v.session, v.tokens, err
}
func (w grants) CreateDevice(ctx context.Context, d signet.DeviceAuthorization) error {
	return timedErr(ctx, w.o, "create_device", func() error { return w.s.CreateDevice(ctx, d) })
}
func (w grants) GetDeviceByUserCode(ctx context.Context, userCode signet.Digest) (signet.DeviceAuthorization, error) {
	return timed(ctx, w.o, "get_device", func() (signet.DeviceAuthorization, error) { return w.s.GetDeviceByUserCode(ctx, userCode) })
}
func (w grants) DecideDevice(ctx context.Context, userCode signet.Digest, status signet.DeviceStatus, userID string, authTime, now time.Time) (signet.DeviceAuthorization, error) {
	return timed(ctx, w.o, "decide_device", func() (signet.DeviceAuthorization, error) {
		return w.s.DecideDevice(ctx, userCode, status, userID, authTime, now)
	})
}
func (w grants) PollDevice(ctx context.Context, p signet.DevicePoll) (signet.DevicePollResult, error) {
	return timed(ctx, w.o, "poll_device", func() (signet.DevicePollResult, error) { return w.s.PollDevice(ctx, p) })
}
func (w grants) Rotate(ctx context.Context, r signet.Rotation) (signet.RotationResult, error) {
	return timed(ctx, w.o, "rotate", func() (signet.RotationResult, error) { return w.s.Rotate(ctx, r) })
}
func (w grants) LookupAccess(ctx context.Context, d signet.Digest) (signet.Session, signet.TokenGeneration, error) {
	v, err := timed(ctx, w.o, "lookup_access", func() (sessionResult, error) {
		s, t, err := w.s.LookupAccess(ctx, d)
		return sessionResult{s, t}, err
	})
	return v.session, v.tokens, err
}
func (w grants) LookupRefresh(ctx context.Context, d signet.Digest) (signet.Session, signet.TokenGeneration, error) {
	v, err := timed(ctx, w.o, "lookup_refresh", func() (sessionResult, error) {
		s, t, err := w.s.LookupRefresh(ctx, d)
		return sessionResult{s, t}, err
	})
	return v.session, v.tokens, err
}
func (w grants) GetSession(ctx context.Context, id string) (signet.Session, error) {
	return timed(ctx, w.o, "get_session", func() (signet.Session, error) { return w.s.GetSession(ctx, id) })
}
func (w grants) ListSessions(ctx context.Context, f signet.SessionFilter) ([]signet.Session, error) {
	return timed(ctx, w.o, "list_sessions", func() ([]signet.Session, error) { return w.s.ListSessions(ctx, f) })
}
func (w grants) RevokeSession(ctx context.Context, id string, now time.Time, reason string) error {
	return timedErr(ctx, w.o, "revoke_session", func() error { return w.s.RevokeSession(ctx, id, now, reason) })
}
func (w grants) RevokeUserSessions(ctx context.Context, userID string, now time.Time, reason string) (int, error) {
	return timed(ctx, w.o, "revoke_user_sessions", func() (int, error) { return w.s.RevokeUserSessions(ctx, userID, now, reason) })
}

type replay struct {
	s signet.ReplayStore
	o Observer
}

func (w replay) MarkUsed(ctx context.Context, d signet.Digest, expiresAt, now time.Time) (bool, error) {
	return timed(ctx, w.o, "mark_used", func() (bool, error) { return w.s.MarkUsed(ctx, d, expiresAt, now) })
}

type keys struct {
	s signet.KeyStore
	o Observer
}

func (w keys) AddKey(ctx context.Context, k signet.Key) error {
	return timedErr(ctx, w.o, "add_key", func() error { return w.s.AddKey(ctx, k) })
}
func (w keys) ListKeys(ctx context.Context) ([]signet.Key, error) {
	return timed(ctx, w.o, "list_keys", func() ([]signet.Key, error) { return w.s.ListKeys(ctx) })
}
func (w keys) RetireKey(ctx context.Context, id string, at time.Time) error {
	return timedErr(ctx, w.o, "retire_key", func() error { return w.s.RetireKey(ctx, id, at) })
}

type collector struct {
	s signet.Collector
	o Observer
}

func (w collector) Collect(ctx context.Context, now time.Time, retention time.Duration, batch int) (int, error) {
	return timed(ctx, w.o, "collect", func() (int, error) { return w.s.Collect(ctx, now, retention, batch) })
}

type health struct {
	s signet.Health
	o Observer
}

func (w health) Ready(ctx context.Context) error {
	return timedErr(ctx, w.o, "ready", func() error { return w.s.Ready(ctx) })
}

type rateLimit struct {
	s signet.RateLimitStore
	o Observer
}

// window carries a count and its window's end through timed.
type window struct {
	count   int64
	resetAt time.Time
}

func (w rateLimit) Hit(ctx context.Context, key signet.Digest, win time.Duration, now time.Time) (int64, time.Time, error) {
	v, err := timed(ctx, w.o, "rate_hit", func() (window, error) {
		c, r, err := w.s.Hit(ctx, key, win, now)
		return window{c, r}, err
	})
	return v.count, v.resetAt, err
}
func (w rateLimit) Count(ctx context.Context, key signet.Digest, now time.Time) (int64, time.Time, error) {
	v, err := timed(ctx, w.o, "rate_count", func() (window, error) {
		c, r, err := w.s.Count(ctx, key, now)
		return window{c, r}, err
	})
	return v.count, v.resetAt, err
}
func (w rateLimit) Reset(ctx context.Context, key signet.Digest) error {
	return timedErr(ctx, w.o, "rate_reset", func() error { return w.s.Reset(ctx, key) })
}

var (
	_ signet.UserStore      = users{}
	_ signet.ClientStore    = clients{}
	_ signet.GrantStore     = grants{}
	_ signet.ReplayStore    = replay{}
	_ signet.KeyStore       = keys{}
	_ signet.Collector      = collector{}
	_ signet.Health         = health{}
	_ signet.RateLimitStore = rateLimit{}
)
