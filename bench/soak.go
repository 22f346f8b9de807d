package bench

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// A soak holds a fixed, open-loop rate for a long time and watches what
// drifts: errors, latency, the server's memory, goroutines and descriptors.
// A closed loop (drive) slows down when the server does and so hides the
// queueing a real client population would see; a paced loop does not.

// Soak defaults: the mix is the traffic a fleet of AWS CLIs and SDKs
// mostly sends (refreshes, some fresh logins).
const (
	DefaultSoakInterval = 10 * time.Second
	DefaultPeakProbe    = 5 * time.Second
	// maxSoakDuration bounds a soak: a typo in --soak must not load a
	// machine for days.
	maxSoakDuration = 24 * time.Hour
	// pacerTick is how often the token bucket is refilled: fine enough
	// for an even rate, coarse enough not to cost a core.
	pacerTick = 5 * time.Millisecond
)

var defaultSoakMix = []string{"sso-refresh", "signin-refresh", "sso-authcode"}

// soakMetrics are what each sample reads from the target's /metrics.
var soakMetrics = []string{metricRSS, metricGoroutines, metricOpenFDs}

// soakPlan bounds and paces a soak.
type soakPlan struct {
	Duration time.Duration // wall-clock bound; must be set
	Interval time.Duration // one sample per interval (the last may be shorter)
	Rate     float64       // iterations per second across the mix
}

// check refuses a soak without bounds or rate.
func (p soakPlan) check() error {
	switch {
	case p.Duration <= 0:
		return errors.New("bench: a soak needs a duration")
	case p.Duration > maxSoakDuration:
		return fmt.Errorf("bench: a soak is at most %s", maxSoakDuration)
	case p.Interval <= 0:
		return errors.New("bench: --interval must be positive")
	case p.Rate <= 0:
		return errors.New("bench: --rate must be positive")
	}
	return nil
}

// soakLane is one scenario of the mix: its name and a pool of workers,
// each used by one step at a time (a worker holds a refresh chain).
type soakLane struct {
	name string
	free chan Worker
}

func newLane(name string, ws []Worker) soakLane {
	l := soakLane{name: name, free: make(chan Worker, len(ws))}
	for _, w := range ws {
		l.free <- w
	}
	return l
}

// interval accumulates one sampling interval's steps.
type interval struct {
	mu      sync.Mutex
	done    int64
	failed  int64
	missed  int64
	errors  map[string]int64
	samples []time.Duration
}

func (iv *interval) take() (done, failed, missed int64, errs map[string]int64, samples []time.Duration) {
	iv.mu.Lock()
	defer iv.mu.Unlock()
	done, failed, missed, errs, samples = iv.done, iv.failed, iv.missed, iv.errors, iv.samples
	iv.done, iv.failed, iv.missed, iv.errors, iv.samples = 0, 0, 0, map[string]int64{}, nil
	return
}

// pending reports whether steps were counted since the last take.
func (iv *interval) pending() bool {
	iv.mu.Lock()
	defer iv.mu.Unlock()
	return iv.done+iv.failed+iv.missed > 0
}

// serverProbe reads the server-side figures of a sample; it may leave
// any of them nil.
type serverProbe func(ctx context.Context, s *SoakSample)

// pace runs the lanes round-robin at plan.Rate for plan.Duration and
// hands back one sample per plan.Interval. A tick that finds every worker
// of its lane busy is counted as missed, not queued: the server is then
// slower than the rate, and a queue would hide it.
func pace(ctx context.Context, plan soakPlan, lanes []soakLane, probe serverProbe, onSample func(SoakSample)) ([]SoakSample, error) {
	if err := plan.check(); err != nil {
		return nil, err
	}
	if len(lanes) == 0 {
		return nil, errors.New("bench: no scenarios to soak")
	}
	stepCtx, cancel := context.WithTimeout(ctx, plan.Duration)
	defer cancel()

	iv := &interval{errors: map[string]int64{}}
	var inflight sync.WaitGroup
	start := time.Now()
	var out []SoakSample
	last := start
	sample := func(now time.Time) {
		done, failed, missed, errs, lat := iv.take()
		s := SoakSample{
			ElapsedS: now.Sub(start).Seconds(), IntervalS: now.Sub(last).Seconds(),
			Iterations: done, Failed: failed, Missed: missed, Errors: errs,
			LatencyMS: toMS(summarize(lat)),
		}
		if s.IntervalS > 0 {
			s.PerSecond = float64(done) / s.IntervalS
		}
		if probe != nil {
			probe(ctx, &s)
		}
		last = now
		out = append(out, s)
		if onSample != nil {
			onSample(s)
		}
	}
	step := func(l soakLane, w Worker) {
		defer inflight.Done()
		defer func() { l.free <- w }()
		t0 := time.Now()
		err := w.Step(stepCtx)
		d := time.Since(t0)
		if err != nil && stepCtx.Err() != nil {
			return // cut short by the end of the soak: not a server error
		}
		iv.mu.Lock()
		iv.done++
		if err == nil {
			iv.samples = append(iv.samples, d)
			iv.mu.Unlock()
			return
		}
		iv.failed++
		iv.errors[l.name+": "+errorKind(err)]++
		iv.mu.Unlock()
		if r, ok := w.(Resetter); ok {
			if err := r.Reset(stepCtx); err != nil && stepCtx.Err() == nil {
				iv.mu.Lock()
				iv.errors[l.name+": reset: "+errorKind(err)]++
				iv.mu.Unlock()
			}
		}
	}

	// A token bucket refilled every tick: the rate holds on average even
	// though a timer cannot fire every 1/rate seconds; the burst cap keeps
	// a stalled pacer from firing a catch-up salvo.
	ticker := time.NewTicker(pacerTick)
	defer ticker.Stop()
	sampler := time.NewTicker(plan.Interval)
	defer sampler.Stop()
	burst := max(1, plan.Rate*pacerTick.Seconds()*4)
	tokens, next, lastTick := 1.0, 0, start
loop:
	for {
		select {
		case <-stepCtx.Done():
			break loop
		case now := <-sampler.C:
			sample(now)
		case now := <-ticker.C:
			tokens = min(burst, tokens+plan.Rate*now.Sub(lastTick).Seconds())
			lastTick = now
			for ; tokens >= 1; tokens-- {
				l := lanes[next%len(lanes)]
				next++
				select {
				case w := <-l.free:
					inflight.Add(1)
					go step(l, w)
				default:
					iv.mu.Lock()
					iv.missed++
					iv.mu.Unlock()
				}
			}
		}
	}
	inflight.Wait()
	// The last, possibly shorter, interval — unless the sampler has just
	// taken it and no step finished since (steps still in flight at the
	// deadline finish after the sampler's last tick).
	if now := time.Now(); len(out) == 0 || now.Sub(last) > plan.Interval/100 || iv.pending() {
		sample(now)
	}
	if err := ctx.Err(); err != nil {
		return out, err
	}
	return out, nil
}

// mixWorker runs its scenarios' workers in turn, so a closed loop over
// mixWorkers measures the peak of the mix in the soak's proportions.
type mixWorker struct {
	ws   []Worker
	next int
	last Worker
}

func (m *mixWorker) Step(ctx context.Context) error {
	m.last = m.ws[m.next%len(m.ws)]
	m.next++
	return m.last.Step(ctx)
}

func (m *mixWorker) Reset(ctx context.Context) error {
	if r, ok := m.last.(Resetter); ok {
		return r.Reset(ctx)
	}
	return nil
}
