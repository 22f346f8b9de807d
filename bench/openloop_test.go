package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// virtualClock is time that moves only when the open loop sleeps or a
// worker says its step took a while, so the scheduler's arithmetic can be
// checked exactly, however loaded the machine is. It starts at the real
// now so that the drain deadline, a real context deadline, lies ahead.
type virtualClock struct {
	mu sync.Mutex
	t  time.Time
}

func newVirtualClock() *virtualClock { return &virtualClock{t: time.Now()} }

func (c *virtualClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *virtualClock) sleepUntil(ctx context.Context, t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.After(c.t) {
		c.t = t
	}
	return ctx.Err()
}

func (c *virtualClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// slowWorker takes d of virtual time per step; it fails when fail is set.
type slowWorker struct {
	clk    *virtualClock
	d      time.Duration
	fail   bool
	resets *atomic.Int64
}

func (w slowWorker) Step(context.Context) error {
	w.clk.advance(w.d)
	if w.fail {
		return &statusError{Status: 400, Type: "InvalidGrantException"}
	}
	return nil
}

func (w slowWorker) Reset(context.Context) error {
	if w.resets != nil {
		w.resets.Add(1)
	}
	return nil
}

// TestDriveRateFollowsTheSchedule: a target faster than the rate gets one
// iteration every 1/rate, on time, none late or dropped; the loop does not
// race ahead of the schedule.
func TestDriveRateFollowsTheSchedule(t *testing.T) {
	clk := newVirtualClock()
	start := clk.now()
	out, err := driveRate(t.Context(), Limits{Requests: 50, Concurrency: 1}, 100, time.Second,
		[]Worker{slowWorker{clk: clk}}, nil, clk)
	if err != nil {
		t.Fatal(err)
	}
	want := OpenLoop{Rate: 100, Scheduled: 50}
	if out.Open == nil || *out.Open != want || out.Iterations != 50 || len(out.Samples) != 50 {
		t.Fatalf("open loop %+v, iterations %d, samples %d; want %+v, 50, 50", out.Open, out.Iterations, len(out.Samples), want)
	}
	for i, d := range out.Samples {
		if d != 0 {
			t.Errorf("sample %d = %v, want 0 (an instant target on time)", i, d)
		}
	}
	// The 50th iteration was due 49/100 s after the start, not at once.
	if got := clk.now().Sub(start); got != 490*time.Millisecond {
		t.Errorf("the loop ended %v after the start, want 490ms", got)
	}
}

// TestDriveRateLatencyFromSchedule: with one worker and steps three times
// longer than the interval, every iteration after the first waits for
// the worker. Its latency counts from when it was due, so it grows by
// 20 ms per iteration — where a closed loop would report 30 ms each.
func TestDriveRateLatencyFromSchedule(t *testing.T) {
	clk := newVirtualClock()
	out, err := driveRate(t.Context(), Limits{Requests: 10, Concurrency: 1}, 100, time.Second,
		[]Worker{slowWorker{clk: clk, d: 30 * time.Millisecond}}, nil, clk)
	if err != nil {
		t.Fatal(err)
	}
	var want []time.Duration
	for i := range 10 {
		want = append(want, ms(30+20*i))
	}
	if !slices.Equal(out.Samples, want) {
		t.Errorf("samples %v, want %v", out.Samples, want)
	}
	if o := out.Open; o == nil || o.Late != 9 || o.Dropped != 0 || o.Scheduled != 10 {
		t.Errorf("open loop %+v, want 9 late of 10, none dropped", o)
	}
	if l := summarize(out.Samples); l.Max != ms(210) || l.P50 != ms(110) {
		t.Errorf("latency %+v, want p50 110ms, max 210ms", l)
	}
}

// TestDriveRateDropsWhatTheEndOvertakes: a 100 ms run at 100/s has ten
// iterations due; a worker busy 30 ms per step starts four of them (at 0,
// 30, 60 and 90 ms; three of them late) and the six it could not reach
// before the end are dropped, not sent afterwards.
func TestDriveRateDropsWhatTheEndOvertakes(t *testing.T) {
	clk := newVirtualClock()
	out, err := driveRate(t.Context(), Limits{Duration: 100 * time.Millisecond, Concurrency: 1}, 100, time.Second,
		[]Worker{slowWorker{clk: clk, d: 30 * time.Millisecond}}, nil, clk)
	if err != nil {
		t.Fatal(err)
	}
	want := OpenLoop{Rate: 100, Scheduled: 10, Late: 3, Dropped: 6}
	if out.Open == nil || *out.Open != want || out.Iterations != 4 {
		t.Errorf("open loop %+v, iterations %d; want %+v and 4", out.Open, out.Iterations, want)
	}
}

// inflightWorker records the most steps it saw running at once.
type inflightWorker struct {
	now, peak *atomic.Int64
}

func (w inflightWorker) Step(context.Context) error {
	n := w.now.Add(1)
	for {
		p := w.peak.Load()
		if n <= p || w.peak.CompareAndSwap(p, n) {
			break
		}
	}
	w.now.Add(-1)
	return nil
}

// TestDriveRateCountsEveryDueIteration runs on the real clock against an
// instant target, asserting nothing about time: of the iterations due in
// the run (an exact number, from the schedule alone), each is either run
// or dropped, and never more are in flight than there are workers.
func TestDriveRateCountsEveryDueIteration(t *testing.T) {
	var now, peak atomic.Int64
	out, err := driveRate(t.Context(), Limits{Duration: 200 * time.Millisecond, Concurrency: 3}, 1000, time.Second,
		workers(3, inflightWorker{now: &now, peak: &peak}), nil, wallClock{})
	if err != nil {
		t.Fatal(err)
	}
	o := out.Open
	if o == nil || o.Scheduled != 200 || out.Iterations+o.Dropped != 200 || int64(len(out.Samples)) != out.Iterations {
		t.Errorf("open loop %+v, iterations %d, samples %d; want 200 due, each run or dropped", o, out.Iterations, len(out.Samples))
	}
	if p := peak.Load(); p > 3 {
		t.Errorf("%d steps in flight at once with 3 workers", p)
	}

	out, err = driveRate(t.Context(), Limits{Requests: 300, Concurrency: 4}, 5000, time.Second,
		workers(4, inflightWorker{now: &now, peak: &peak}), nil, wallClock{})
	if err != nil {
		t.Fatal(err)
	}
	if o := out.Open; o == nil || o.Scheduled != 300 || o.Dropped != 0 || out.Iterations != 300 {
		t.Errorf("--requests 300: open loop %+v, iterations %d", o, out.Iterations)
	}
}

// TestDriveRateCountsErrorsAndResets: failures are counted by type and
// the worker is reset after each, as in the closed loop.
func TestDriveRateCountsErrorsAndResets(t *testing.T) {
	clk := newVirtualClock()
	var resets atomic.Int64
	out, err := driveRate(t.Context(), Limits{Requests: 7, Concurrency: 1}, 100, time.Second,
		[]Worker{slowWorker{clk: clk, fail: true, resets: &resets}}, nil, clk)
	if err != nil {
		t.Fatal(err)
	}
	if out.Failed != 7 || out.Errors["HTTP 400 InvalidGrantException"] != 7 || len(out.Samples) != 0 || resets.Load() != 7 {
		t.Errorf("failed %d, errors %v, samples %d, resets %d", out.Failed, out.Errors, len(out.Samples), resets.Load())
	}
}

func TestDriveRateRefuses(t *testing.T) {
	clk := newVirtualClock()
	w := []Worker{slowWorker{clk: clk}}
	for _, rate := range []float64{0, -1, math.NaN(), math.Inf(1)} {
		if _, err := driveRate(t.Context(), Limits{Requests: 1, Concurrency: 1}, rate, time.Second, w, nil, clk); err == nil {
			t.Errorf("rate %v accepted", rate)
		}
	}
	if _, err := driveRate(t.Context(), Limits{Concurrency: 1}, 10, time.Second, w, nil, clk); !errors.Is(err, errUnbounded) {
		t.Errorf("unbounded: err = %v", err)
	}
	if _, err := driveRate(t.Context(), Limits{Requests: 1}, 10, time.Second, nil, nil, clk); err == nil {
		t.Error("no workers accepted")
	}
	r := &runner{env: Env{}, opts: runOptions{Limits: Limits{Requests: 1, Concurrency: 1}, Runs: 1, Scenarios: []string{"ceiling"},
		Rate: 10, HalfPeak: true}}
	if _, err := r.run(t.Context()); err == nil {
		t.Error("--rate with --half-peak accepted")
	}
	r.opts.Rate, r.opts.Soak = 0, soakOptions{Duration: time.Second, Interval: time.Second}
	if _, err := r.soak(t.Context()); err == nil || !strings.Contains(err.Error(), "--half-peak") {
		t.Errorf("--soak with --half-peak: err = %v", err)
	}
}

// TestDriveRateStopsOnCancel: a cancelled run ends with the context's
// error, without waiting for the schedule.
func TestDriveRateStopsOnCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := driveRate(ctx, Limits{Duration: time.Hour, Concurrency: 2}, 1, time.Second, workers(2, blockWorker{}), nil, wallClock{})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

func TestScheduleDueBefore(t *testing.T) {
	start := time.Unix(1000, 0)
	for _, tt := range []struct {
		rate float64
		d    time.Duration
		want int64
	}{
		{1000, 200 * time.Millisecond, 200}, // 0..199 ms; 200 ms is the end itself
		{3, time.Second, 3},                 // 0, ⅓, ⅔ s
		{3, time.Second + 1, 4},             // and 1 s
		{0.5, 10 * time.Second, 5},
		{7, 0, 0},
		{1e9, time.Millisecond, 1_000_000},
	} {
		s := schedule{start: start, rate: tt.rate}
		if got := s.dueBefore(start.Add(tt.d)); got != tt.want {
			t.Errorf("rate %v, %v: %d due, want %d", tt.rate, tt.d, got, tt.want)
		}
	}
}

func TestScheduleDue(t *testing.T) {
	start := time.Unix(1000, 0)
	s := schedule{start: start, rate: 4}
	for i, want := range []time.Duration{0, 250 * time.Millisecond, 500 * time.Millisecond, 2500 * time.Millisecond} {
		n := []int64{0, 1, 2, 10}[i]
		if got := s.due(n).Sub(start); got != want {
			t.Errorf("due(%d) = start+%v, want start+%v", n, got, want)
		}
	}
}

func TestMedianRunOpenLoopByP99(t *testing.T) {
	o := &OpenLoop{Rate: 10}
	runs := []Result{
		{PerSecond: 10, LatencyMS: LatencyMS{P99: 9}, OpenLoop: o},
		{PerSecond: 9, LatencyMS: LatencyMS{P99: 1}, OpenLoop: o},
		{PerSecond: 8, LatencyMS: LatencyMS{P99: 5}, OpenLoop: o},
	}
	m := medianRun(runs)
	if m.LatencyMS.P99 != 5 || !slices.Equal(m.RunsP99MS, []float64{9, 1, 5}) || len(m.RunsPerSecond) != 3 {
		t.Errorf("median = %+v", m)
	}
}

// TestReportHalfPeakShape: the half-peak run is nested under its peak in
// the JSON, with how its schedule was kept, and has no ratio to the
// ceiling; the table shows it as a row of its own and says when it
// dropped iterations.
func TestReportHalfPeakShape(t *testing.T) {
	rep := sampleReport()
	rep.HalfPeak = true
	rep.Scenarios[1].HalfPeak = &Result{Name: "sso-refresh", Iterations: 190, PerSecond: 190, Errors: map[string]int64{},
		LatencyMS: LatencyMS{P50: 0.5, P90: 1, P99: 3, Max: 4}, OpenLoop: &OpenLoop{Rate: 200, Scheduled: 200, Late: 7, Dropped: 10}}
	rep.setRatios()
	var b bytes.Buffer
	if err := rep.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	var got struct {
		HalfPeak  bool `json:"half_peak"`
		Scenarios []struct {
			OpenLoop map[string]any `json:"open_loop"`
			HalfPeak map[string]any `json:"half_peak"`
		} `json:"scenarios"`
	}
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	peak := got.Scenarios[1]
	if !got.HalfPeak || peak.OpenLoop != nil || peak.HalfPeak == nil {
		t.Fatalf("report %s", b.String())
	}
	ol, _ := peak.HalfPeak["open_loop"].(map[string]any)
	for k, v := range map[string]float64{"rate": 200, "scheduled": 200, "late": 7, "dropped": 10} {
		if ol[k] != v {
			t.Errorf("half_peak.open_loop.%s = %v, want %v", k, ol[k], v)
		}
	}
	if r, ok := peak.HalfPeak["ratio_to_ceiling"]; !ok || r != nil {
		t.Errorf("half-peak ratio_to_ceiling = %v (present %v), want null", r, ok)
	}
	var table bytes.Buffer
	if err := rep.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"sso-refresh @half-peak", "offered/s", "dropped sso-refresh @half-peak: 10 of 200"} {
		if !strings.Contains(table.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, table.String())
		}
	}
}
