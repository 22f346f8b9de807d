package bench

import (
	"context"
	"errors"
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// An open loop offers iterations at a fixed arrival rate, whatever the
// server does: iteration i is due at start + i/rate. A closed loop (drive)
// sends the next request only when the previous one answered, so a slow
// answer delays the requests behind it and they never record the wait
// ("coordinated omission"); here every latency is measured from the time
// the iteration was due, so the wait for a free worker counts. This is the
// correction wrk2 makes (https://github.com/giltene/wrk2, "Acknowledgements
// and Coordinated Omission").

// clock is the open loop's time source; tests run it on virtual time.
type clock interface {
	now() time.Time
	// sleepUntil returns at t, or with ctx's error when ctx ends first.
	sleepUntil(ctx context.Context, t time.Time) error
}

// wallClock is real time.
type wallClock struct{}

func (wallClock) now() time.Time { return time.Now() }

func (wallClock) sleepUntil(ctx context.Context, t time.Time) error {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err()
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-tm.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// schedule is a fixed arrival rate from start.
type schedule struct {
	start time.Time
	rate  float64 // iterations per second, > 0
}

// due is when iteration i (from 0) should start.
func (s schedule) due(i int64) time.Time {
	return s.start.Add(time.Duration(float64(i) * float64(time.Second) / s.rate))
}

// dueBefore counts the iterations due before t: the first i whose due
// time is not before t. The estimate from the rate is corrected with due
// itself, so that the count agrees with the times the workers used.
func (s schedule) dueBefore(t time.Time) int64 {
	n := max(int64(math.Ceil(t.Sub(s.start).Seconds()*s.rate)), 0)
	for n > 0 && !s.due(n-1).Before(t) {
		n--
	}
	for s.due(n).Before(t) {
		n++
	}
	return n
}

// checkRate refuses a rate the schedule cannot follow.
func checkRate(rate float64) error {
	if !(rate > 0) || math.IsInf(rate, 0) {
		return errors.New("bench: --rate must be a positive number of iterations per second")
	}
	return nil
}

// driveRate runs the workers at rate iterations per second until
// lim.Requests iterations were due or lim.Duration has passed. The workers
// are the cap on iterations in flight: an iteration that comes due while
// all of them are busy starts as soon as one is free, and its latency
// includes the wait (it is counted late). Iterations due before the end
// that no worker reached before it are dropped, not sent: the rate was
// more than the server and the workers could carry, and the percentiles
// of such a run are a lower bound.
//
// Steps still running at the end get drain more to finish (the per-request
// timeout): unlike the closed loop, the open loop must not discard its
// slowest iterations. One cut short then counts as a failed "timeout".
func driveRate(ctx context.Context, lim Limits, rate float64, drain time.Duration, workers []Worker, progress progressFunc, clk clock) (outcome, error) {
	if lim.Requests <= 0 && lim.Duration <= 0 {
		return outcome{}, errUnbounded
	}
	if err := checkRate(rate); err != nil {
		return outcome{}, err
	}
	if len(workers) == 0 {
		return outcome{}, errors.New("bench: no workers")
	}
	sched := schedule{start: clk.now(), rate: rate}
	var end time.Time // zero: only lim.Requests bounds
	stepCtx := ctx
	if lim.Duration > 0 {
		end = sched.start.Add(lim.Duration)
		var cancel context.CancelFunc
		stepCtx, cancel = context.WithDeadline(ctx, end.Add(drain))
		defer cancel()
	}

	var next, started, done, failed, late atomic.Int64
	locals := make([]stepLog, len(workers))

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
					progress(done.Load(), failed.Load(), clk.now().Sub(sched.start))
				}
			}
		})
	}

	var wg sync.WaitGroup
	for i, w := range workers {
		l := &locals[i]
		wg.Go(func() {
			for ctx.Err() == nil {
				// Iterations are claimed in order: a free worker takes the
				// earliest one no other worker has taken.
				i := next.Add(1) - 1
				if lim.Requests > 0 && i >= lim.Requests {
					return
				}
				due := sched.due(i)
				now := clk.now()
				switch {
				case !end.IsZero() && (!due.Before(end) || !now.Before(end)):
					// Past the schedule, or past the end: what was due and
					// not started is counted as dropped below.
					return
				case now.After(due):
					late.Add(1)
				default:
					if err := clk.sleepUntil(ctx, due); err != nil {
						return
					}
				}
				started.Add(1)
				err := w.Step(stepCtx)
				d := clk.now().Sub(due)
				done.Add(1)
				if !l.record(stepCtx, w, d, err) {
					failed.Add(1)
				}
			}
		})
	}
	wg.Wait()
	elapsed := clk.now().Sub(sched.start)
	close(stopProgress)
	progressDone.Wait()
	if progress != nil {
		progress(done.Load(), failed.Load(), elapsed)
	}
	if err := ctx.Err(); err != nil {
		return outcome{}, err
	}

	// Every iteration due before the end (or every one of lim.Requests)
	// was started or dropped.
	due := lim.Requests
	if !end.IsZero() {
		due = sched.dueBefore(end)
		if lim.Requests > 0 {
			due = min(due, lim.Requests)
		}
	}
	out := outcome{Iterations: done.Load(), Failed: failed.Load(), Elapsed: elapsed, Errors: map[string]int64{},
		Open: &OpenLoop{Rate: rate, Scheduled: due, Late: late.Load(), Dropped: due - started.Load()}}
	for _, l := range locals {
		l.addTo(&out)
	}
	return out, nil
}
