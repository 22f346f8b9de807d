package signin

import (
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/signet-auth/signet/internal/boundcache"
)

// Limiter decides whether a CreateOAuth2Token call from key (the client
// address's rate key) presenting grant (its refresh token or code) may
// proceed now; when not, it says how long to wait (the Retry-After of the
// 429). Every AWS CLI shares Sign-In's client id, so a limiter keys by the
// grant, not the client, and may admit retries of a grant free (catalogue
// AB-02; ratelimit.SignIn does).
type Limiter interface {
	Allow(key, grant string, now time.Time) (ok bool, retryAfter time.Duration)
}

// RateLimiter is a per-node token bucket per key (golang.org/x/time/rate),
// keeping at most a bounded number of keys: the least recently used are
// forgotten, which only ever gives a forgotten key a fresh budget.
type RateLimiter struct {
	rate  rate.Limit
	burst int
	mu    sync.Mutex // serialises bucket creation
	keys  *boundcache.Cache[string, *rate.Limiter]
}

// NewRateLimiter allows perSecond calls per key on average, in bursts of
// up to burst, tracking up to maxKeys keys.
func NewRateLimiter(perSecond float64, burst, maxKeys int) *RateLimiter {
	return &RateLimiter{rate: rate.Limit(perSecond), burst: burst, keys: boundcache.New[string, *rate.Limiter](maxKeys)}
}

// Allow takes one token from key's bucket at now, whatever the grant.
func (l *RateLimiter) Allow(key, _ string, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	b, ok := l.keys.Get(key)
	if !ok {
		b = rate.NewLimiter(l.rate, l.burst)
		l.keys.Put(key, b)
	}
	l.mu.Unlock()
	res := b.ReserveN(now, 1)
	if !res.OK() {
		return false, time.Second
	}
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		return false, d
	}
	return true, 0
}
