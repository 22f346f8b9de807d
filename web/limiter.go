package web

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/signet-auth/signet"
)

// Limiter counts failures per key in fixed windows: the first failure of a
// key opens a window of the given length, later ones add to it, and the
// count is forgotten when the window ends. The in-memory MemoryLimiter
// counts per node; a store-backed one shares the counts across nodes and
// restarts (catalogue DV-07).
type Limiter interface {
	// Failures returns the failures counted for key in its current window
	// and when that window ends (zero time and 0 if there is none).
	Failures(ctx context.Context, key string, now time.Time) (count int, resetAt time.Time, err error)
	// Fail counts one failure for key, opening a window of length window
	// at now if none is open.
	Fail(ctx context.Context, key string, window time.Duration, now time.Time) error
	// Reset forgets key (after a successful login).
	Reset(ctx context.Context, key string) error
}

// MemoryLimiter is a Limiter for one process.
type MemoryLimiter struct {
	mu sync.Mutex
	m  map[string]limitWindow
}

type limitWindow struct {
	count int
	end   time.Time
}

var _ Limiter = (*MemoryLimiter)(nil)

// NewMemoryLimiter returns an empty MemoryLimiter.
func NewMemoryLimiter() *MemoryLimiter { return &MemoryLimiter{m: map[string]limitWindow{}} }

// pruneAt is the map size from which Fail drops ended windows, so that a
// flood of distinct keys cannot grow the map beyond what one window holds.
const pruneAt = 4096

// Failures implements Limiter.
func (l *MemoryLimiter) Failures(_ context.Context, key string, now time.Time) (int, time.Time, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	w, ok := l.m[key]
	if !ok || !now.Before(w.end) {
		return 0, time.Time{}, nil
	}
	return w.count, w.end, nil
}

// Fail implements Limiter.
func (l *MemoryLimiter) Fail(_ context.Context, key string, window time.Duration, now time.Time) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.m) >= pruneAt {
		for k, w := range l.m {
			if !now.Before(w.end) {
				delete(l.m, k)
			}
		}
	}
	w, ok := l.m[key]
	if !ok || !now.Before(w.end) {
		w = limitWindow{end: now.Add(window)}
	}
	w.count++
	l.m[key] = w
	return nil
}

// Reset implements Limiter.
func (l *MemoryLimiter) Reset(_ context.Context, key string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.m, key)
	return nil
}

// budget is one limiter key with its limit. A budget with backoff locks
// its key out for longer each time it is spent again: one window the first
// time, then twice that, four times, … up to maxLockout, until a success
// forgets it. Only budgets keyed on the client's own address get it, so
// that an attacker can only lengthen their own lockout (catalogue RL-04);
// a deployment-wide budget must not become a day-long outage.
type budget struct {
	key     string
	limit   Limit
	backoff bool
}

// maxLockout caps a backoff lockout; the strikes that lengthen it are
// counted in a window of this length.
const maxLockout = 24 * time.Hour

// Keys of a backoff budget's lockout and of the number of times it was spent.
func lockKey(key string) string    { return "lock:" + key }
func strikesKey(key string) string { return "strikes:" + key }

// lockout is how long a budget spent for the strikes-th time locks out.
func lockout(window time.Duration, strikes int) time.Duration {
	d := window
	for i := 1; i < strikes && d < maxLockout; i++ {
		d *= 2
	}
	return min(d, maxLockout)
}

// exhausted returns how long until the first exhausted budget of bs has
// room again; 0 if every one has room.
func (h *Handler) exhausted(ctx context.Context, bs []budget) (time.Duration, error) {
	now := h.clock.Now()
	var wait time.Duration
	for _, b := range bs {
		n, reset, err := h.limiter.Failures(ctx, b.key, now)
		if err != nil {
			return 0, err
		}
		if n >= b.limit.Max {
			wait = max(wait, reset.Sub(now), time.Second)
		}
		if b.backoff {
			locked, until, err := h.limiter.Failures(ctx, lockKey(b.key), now)
			if err != nil {
				return 0, err
			}
			if locked > 0 && until.After(now) {
				wait = max(wait, until.Sub(now), time.Second)
			}
		}
	}
	return wait, nil
}

// fail counts one failure against every budget of bs; a backoff budget
// that this failure spends is locked out for its next, longer lockout.
func (h *Handler) fail(ctx context.Context, bs []budget) error {
	now := h.clock.Now()
	for _, b := range bs {
		if err := h.limiter.Fail(ctx, b.key, b.limit.Window, now); err != nil {
			return err
		}
		n, _, err := h.limiter.Failures(ctx, b.key, now)
		if err != nil {
			return err
		}
		if n != b.limit.Max {
			continue
		}
		h.auditLockout(ctx, b)
		if !b.backoff {
			continue
		}
		if err := h.limiter.Fail(ctx, strikesKey(b.key), maxLockout, now); err != nil {
			return err
		}
		strikes, _, err := h.limiter.Failures(ctx, strikesKey(b.key), now)
		if err != nil {
			return err
		}
		if err := h.limiter.Fail(ctx, lockKey(b.key), lockout(b.limit.Window, strikes), now); err != nil {
			return err
		}
	}
	return nil
}

// auditLockout records that this failure spent b (catalogue AU-01). The
// key's own parts (address, typed name) stay out of the record: only the
// budget's kind, and the account when the key names one.
func (h *Handler) auditLockout(ctx context.Context, b budget) {
	if h.audit == nil {
		return
	}
	parts := strings.SplitN(b.key, ":", 3)
	kind := strings.Join(parts[:min(2, len(parts))], ":")
	rec := signet.AuditRecord{Event: signet.AuditRateLimited, Surface: "web", Outcome: signet.AuditFailure,
		Detail: fmt.Sprintf("budget=%s max=%d window=%s", kind, b.limit.Max, b.limit.Window)}
	if kind == "device:account" && len(parts) == 3 {
		rec.UserID = parts[2]
	}
	if err := h.audit.Record(ctx, rec); err != nil {
		h.log.ErrorContext(ctx, "web: lockout not recorded", "err", err)
	}
}

// forget resets every budget of bs after a success, backoff included.
func (h *Handler) forget(ctx context.Context, bs []budget) error {
	for _, b := range bs {
		keys := []string{b.key}
		if b.backoff {
			keys = append(keys, strikesKey(b.key), lockKey(b.key))
		}
		for _, k := range keys {
			if err := h.limiter.Reset(ctx, k); err != nil {
				return err
			}
		}
	}
	return nil
}

// overBudget answers 429 and reports true when a budget of bs is spent.
func (h *Handler) overBudget(w http.ResponseWriter, r *http.Request, bs []budget, what string) bool {
	wait, err := h.exhausted(r.Context(), bs)
	if err != nil {
		h.internalError(w, r, err)
		return true
	}
	if wait > 0 {
		h.log.WarnContext(r.Context(), "web: failure limit reached", "what", what, "ip", h.opts.ClientIP(r))
		h.tooMany(w, r, wait)
		return true
	}
	return false
}

// tooMany renders the 429 page with Retry-After in whole seconds, rounded
// up (RFC 9110 §10.2.3).
func (h *Handler) tooMany(w http.ResponseWriter, r *http.Request, wait time.Duration) {
	w.Header().Set("Retry-After", strconv.FormatInt(int64(math.Ceil(wait.Seconds())), 10))
	h.errorPage(w, r, http.StatusTooManyRequests, "Too many attempts",
		"There were too many unsuccessful attempts. Wait a few minutes, then try again.")
}
