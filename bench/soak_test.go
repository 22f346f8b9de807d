package bench

import (
	"bytes"
	"encoding/json"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/signet-auth/signet/internal/testenv"
)

// TestPaceSamplesAndStops: a bounded soak ends, takes one sample per
// interval (the last one shorter), and counts every step it ran.
func TestPaceSamplesAndStops(t *testing.T) {
	tests := []struct {
		name    string
		plan    soakPlan
		wantMin int
		wantMax int
	}{
		{"whole intervals", soakPlan{Duration: 600 * time.Millisecond, Interval: 200 * time.Millisecond, Rate: 100}, 3, 4},
		{"a shorter last interval", soakPlan{Duration: 500 * time.Millisecond, Interval: 200 * time.Millisecond, Rate: 100}, 3, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var n atomic.Int64
			var seen int
			out, err := pace(t.Context(), tt.plan, []soakLane{newLane("count", workers(4, countWorker{n: &n}))}, nil,
				func(SoakSample) { seen++ })
			if err != nil {
				t.Fatal(err)
			}
			// A loaded machine may let the last tick and the deadline
			// race; one sample more than the whole intervals is allowed.
			if len(out) < tt.wantMin || len(out) > tt.wantMax || seen != len(out) {
				t.Errorf("%d samples (%d reported), want %d to %d", len(out), seen, tt.wantMin, tt.wantMax)
			}
			var total int64
			for _, s := range out {
				total += s.Iterations
			}
			if total != n.Load() {
				t.Errorf("samples count %d iterations, workers ran %d", total, n.Load())
			}
		})
	}
}

// TestPaceRefusesUnbounded: no duration, a runaway duration, no interval
// or no rate is refused before anything runs.
func TestPaceRefusesUnbounded(t *testing.T) {
	var n atomic.Int64
	lanes := []soakLane{newLane("count", workers(1, countWorker{n: &n}))}
	for _, p := range []soakPlan{
		{Interval: time.Second, Rate: 1},
		{Duration: 25 * time.Hour, Interval: time.Second, Rate: 1},
		{Duration: time.Second, Rate: 1},
		{Duration: time.Second, Interval: time.Second},
	} {
		if _, err := pace(t.Context(), p, lanes, nil, nil); err == nil {
			t.Errorf("pace(%+v) ran", p)
		}
	}
	if n.Load() != 0 {
		t.Errorf("%d steps ran", n.Load())
	}
}

// TestPaceCountsBusyAndErrors: a step that fails is counted by scenario
// and type; a tick that finds every worker busy is missed, not queued.
func TestPaceCountsBusyAndErrors(t *testing.T) {
	var n atomic.Int64
	out, err := pace(t.Context(), soakPlan{Duration: 300 * time.Millisecond, Interval: time.Second, Rate: 200},
		[]soakLane{newLane("bad", workers(2, countWorker{n: &n, fail: true})), newLane("busy", workers(1, blockWorker{}))}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	rep := SoakReport{Samples: out}
	rep.total()
	// A failure that lands after the deadline counts as cut short, not as
	// a server error: at most one per "bad" worker (two) goes uncounted.
	if rep.Errors["bad: HTTP 400 InvalidGrantException"] == 0 || rep.Failed > n.Load() || rep.Failed < n.Load()-2 || rep.Missed == 0 {
		t.Errorf("errors %v, failed %d of %d, missed %d", rep.Errors, rep.Failed, n.Load(), rep.Missed)
	}
}

// TestSoakPacesAgainstServer soaks the default mix against an in-process
// server at a fixed rate and checks the achieved count lies in a wide
// band around rate × duration: paced, not a closed loop.
func TestSoakPacesAgainstServer(t *testing.T) {
	env := testenv.New(t, testenv.Options{DevAutoApprove: true})
	var out, errw bytes.Buffer
	cmd := Command(testEnv(&out, &errw))
	const rate, seconds = 60, 1.5
	cmd.SetArgs([]string{"--target", env.URL, "--soak", "1500ms", "--rate", "60", "--interval", "500ms",
		"--concurrency", "4", "--json", "-", "--progress=false"})
	if err := cmd.ExecuteContext(t.Context()); err != nil {
		t.Fatalf("soak: %v\n%s", err, errw.String())
	}
	var rep SoakReport
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("report: %v\n%s", err, out.String())
	}
	want := rate * seconds
	if got := float64(rep.Iterations); got < want*0.3 || got > want*1.3 {
		t.Errorf("%v iterations at %d/s for %vs, want about %v", got, rate, seconds, want)
	}
	if len(rep.Samples) < 3 || len(rep.Samples) > 4 {
		t.Errorf("%d samples, want 3 (or 4 if the last tick raced the end)", len(rep.Samples))
	}
	if len(rep.Errors) > 0 {
		t.Errorf("errors: %v", rep.Errors)
	}
	if strings.Join(rep.Mix, ",") != strings.Join(defaultSoakMix, ",") {
		t.Errorf("mix %v", rep.Mix)
	}
	var svg bytes.Buffer
	if err := rep.WritePlot(&svg); err != nil || !strings.Contains(svg.String(), "<polyline") {
		t.Errorf("plot: %v", err)
	}
}
