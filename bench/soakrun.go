package bench

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// soakOptions are the flags of `signet bench --soak`.
type soakOptions struct {
	Duration  time.Duration // 0: no soak, the ordinary benchmark
	Interval  time.Duration
	Mix       []string
	PeakProbe time.Duration // how long the peak of the mix is measured
}

// soak prepares the mix against the target, finds the rate and runs the
// paced loop, printing a progress line per sample.
func (r *runner) soak(ctx context.Context) (*SoakReport, error) {
	o, so := r.opts, r.opts.Soak
	if o.Limits.Concurrency < 1 {
		return nil, fmt.Errorf("--concurrency must be at least 1")
	}
	if o.Rate < 0 {
		return nil, fmt.Errorf("--rate must not be negative")
	}
	if o.HalfPeak {
		return nil, fmt.Errorf("--half-peak is for the benchmark; a soak with --rate 0 runs at half the peak of its mix")
	}
	plan := soakPlan{Duration: so.Duration, Interval: so.Interval, Rate: max(o.Rate, 1)}
	if err := plan.check(); err != nil {
		return nil, err // before a server starts
	}
	scs, err := findScenarios(so.Mix)
	if err != nil {
		return nil, err
	}
	for _, s := range scs {
		// The ceiling is not signet; the broker needs an upstream the
		// soak does not start.
		// The STS scenarios need an STS the soak does not start.
		if s.own != nil || s.name == "broker-exchange" || slices.Contains(stsScenarios, s.name) {
			return nil, fmt.Errorf("scenario %s cannot be soaked", s.name)
		}
	}
	rep := &SoakReport{
		Started: r.env.Clock.Now().UTC(), Machine: thisMachine(), Backend: "external", Mix: so.Mix,
		DurationS: so.Duration.Seconds(), IntervalS: so.Interval.Seconds(), Concurrency: o.Limits.Concurrency,
	}
	base, srv, err := r.connect(ctx, "", scs, "")
	if err != nil {
		return nil, err
	}
	t := &target{clock: r.env.Clock, ccID: o.ClientID, ccSecret: o.ClientSecret}
	if srv != nil {
		defer srv.stop()
		rep.Backend = srv.backend
		t.useCreatedClient(srv)
	}
	rep.Target = base

	t.c = newClient(base, o.Limits.Concurrency*len(scs), o.Timeout, r.env.Rand)
	defer t.c.close()
	lanes := make([]soakLane, len(scs))
	mix := make([]Worker, o.Limits.Concurrency)
	for i := range mix {
		mix[i] = &mixWorker{}
	}
	for j, s := range scs {
		newW, err := s.prepare(ctx, t)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.name, err)
		}
		ws := make([]Worker, o.Limits.Concurrency)
		for i := range ws {
			if ws[i], err = newW(ctx); err != nil {
				return nil, fmt.Errorf("%s: preparing worker %d: %w", s.name, i, err)
			}
			m := mix[i].(*mixWorker)
			m.ws = append(m.ws, ws[i])
		}
		lanes[j] = newLane(s.name, ws)
	}

	if o.Rate == 0 {
		fmt.Fprintf(r.env.Stderr, "measuring the peak of the mix for %s\n", so.PeakProbe)
		out, err := drive(ctx, Limits{Duration: so.PeakProbe, Concurrency: o.Limits.Concurrency}, mix, nil)
		if err != nil {
			return nil, err
		}
		peak := float64(out.Iterations-out.Failed) / max(out.Elapsed.Seconds(), 1e-9)
		rep.PeakPerSecond = &peak
		plan.Rate = max(peak/2, 1)
	} else {
		plan.Rate = o.Rate
	}
	rep.Rate = plan.Rate
	fmt.Fprintf(r.env.Stderr, "soaking %s for %s at %.0f iterations/s, a sample every %s\n", base, so.Duration, plan.Rate, so.Interval)

	probe := func(ctx context.Context, s *SoakSample) {
		snap := t.c.scrapeNames(ctx, soakMetrics)
		get := func(name string, scale float64) *float64 {
			if v, ok := snap[name]; ok {
				v *= scale
				return &v
			}
			return nil
		}
		s.ServerRSSMiB = get(metricRSS, 1.0/(1<<20))
		s.Goroutines = get(metricGoroutines, 1)
		s.OpenFDs = get(metricOpenFDs, 1)
		if srv != nil {
			s.ServerVmRSSMiB = srv.rssMiB()
		}
	}
	onSample := func(s SoakSample) {
		if o.Progress {
			fmt.Fprintln(r.env.Stderr, s.progressLine())
		}
	}
	probe(ctx, &SoakSample{}) // warm the scrape's connection, outside the samples
	rep.Samples, err = pace(ctx, plan, lanes, probe, onSample)
	rep.total()
	return rep, err
}

// writeSoakOutputs prints the table (or the JSON, with --json -) and
// writes the JSON and SVG files asked for.
func (r *runner) writeSoakOutputs(rep *SoakReport) error {
	o := r.opts
	if o.JSONFile == "-" {
		if err := rep.WriteJSON(r.env.Stdout); err != nil {
			return err
		}
	} else {
		if err := rep.WriteTable(r.env.Stdout); err != nil {
			return err
		}
		if o.JSONFile != "" {
			if err := writeFile(o.JSONFile, rep.WriteJSON); err != nil {
				return err
			}
		}
	}
	if o.PlotFile != "" {
		return writeFile(o.PlotFile, rep.WritePlot)
	}
	return nil
}
