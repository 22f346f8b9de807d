package bench

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

// Worker is one simulated client of a scenario, holding its own state (a
// refresh-token chain, a key pair). Step runs one measured iteration: one
// request, or one whole flow where the scenario is a flow.
type Worker interface {
	Step(ctx context.Context) error
}

// Resetter is a Worker whose state a failed step may have spent (a refresh
// chain that a timeout left behind); the runner calls Reset after a failed
// step, outside the latency samples.
type Resetter interface {
	Reset(ctx context.Context) error
}

// Limits bound a measured loop. At least one of Requests and Duration must
// be set: the loop never runs unbounded.
type Limits struct {
	Requests    int64         // iterations in all; 0: only Duration bounds
	Duration    time.Duration // wall-clock bound; 0: only Requests bounds
	Concurrency int           // workers running at once
}

// errUnbounded refuses a loop without any bound.
var errUnbounded = errors.New("bench: a loop needs --requests or --duration")

// outcome is what a measured loop saw.
type outcome struct {
	Iterations int64           // steps that completed, failed ones included
	Failed     int64           // steps that returned an error
	Elapsed    time.Duration   // from the first step to the last
	Samples    []time.Duration // latency of every successful step
	Errors     map[string]int64
	Open       *OpenLoop // how a fixed-rate loop kept its schedule; nil for a closed loop
}

// progressFunc is told the running totals a few times a second.
type progressFunc func(done, failed int64, elapsed time.Duration)

// progressEvery is how often the progress display is refreshed.
const progressEvery = 250 * time.Millisecond

// drive runs the workers until lim.Requests steps have been claimed or
// lim.Duration has passed, whichever comes first. A step cut short by the
// deadline is not counted: its latency is the deadline's, not the server's.
func drive(ctx context.Context, lim Limits, workers []Worker, progress progressFunc) (outcome, error) {
	if lim.Requests <= 0 && lim.Duration <= 0 {
		return outcome{}, errUnbounded
	}
	if len(workers) == 0 {
		return outcome{}, errors.New("bench: no workers")
	}
	if lim.Duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, lim.Duration)
		defer cancel()
	}

	var claimed, done, failed atomic.Int64
	locals := make([]stepLog, len(workers))
	start := time.Now()

	stopProgress := make(chan struct{})
	var progressDone sync.WaitGroup
	if progress != nil {
		progressDone.Go(func() {
			t := time.NewTicker(progressEvery)
			defer t.Stop()
			for {
				select {
				case <-stopProgress:
					return
				case <-t.C:
					progress(done.Load(), failed.Load(), time.Since(start))
				}
			}
		})
	}

	var wg sync.WaitGroup
	for i, w := range workers {
		l := &locals[i]
		wg.Go(func() {
			for ctx.Err() == nil {
				if lim.Requests > 0 && claimed.Add(1) > lim.Requests {
					return
				}
				t0 := time.Now()
				err := w.Step(ctx)
				d := time.Since(t0)
				if err != nil && ctx.Err() != nil {
					return // cut short by the deadline: not a server error
				}
				done.Add(1)
				if !l.record(ctx, w, d, err) {
					failed.Add(1)
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	close(stopProgress)
	progressDone.Wait()
	if progress != nil {
		progress(done.Load(), failed.Load(), elapsed)
	}

	out := outcome{Iterations: done.Load(), Failed: failed.Load(), Elapsed: elapsed, Errors: map[string]int64{}}
	for _, l := range locals {
		l.addTo(&out)
	}
	return out, nil
}

// stepLog is one worker's record of its steps, merged into the outcome
// when the run ends (no locking while it runs).
type stepLog struct {
	samples []time.Duration
	errors  map[string]int64
}

// record notes a step that took d and ended with err, and reports whether
// it succeeded; a failed step's worker is reset, if it can be, so that its
// next step starts clean.
func (l *stepLog) record(ctx context.Context, w Worker, d time.Duration, err error) bool {
	if err == nil {
		l.samples = append(l.samples, d)
		return true
	}
	if l.errors == nil {
		l.errors = map[string]int64{}
	}
	l.errors[errorKind(err)]++
	if r, ok := w.(Resetter); ok {
		if err := r.Reset(ctx); err != nil && ctx.Err() == nil {
			l.errors["reset: "+errorKind(err)]++
		}
	}
	return false
}

// addTo merges l into out.
func (l *stepLog) addTo(out *outcome) {
	out.Samples = append(out.Samples, l.samples...)
	for k, v := range l.errors {
		out.Errors[k] += v
	}
}
