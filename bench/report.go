package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
	"time"
)

// Report is one `signet bench` run, the shape of --json.
type Report struct {
	Started     time.Time `json:"started"`
	Machine     Machine   `json:"machine"`
	Target      string    `json:"target"`
	Backend     string    `json:"backend"` // what the tool started, or "external"
	Concurrency int       `json:"concurrency"`
	Requests    int64     `json:"requests_limit"`
	DurationS   float64   `json:"duration_limit_s"`
	Runs        int       `json:"runs"`
	// Rate is --rate: every scenario ran open loop at this many
	// iterations/s. HalfPeak is --half-peak: every scenario ran closed
	// loop, then open loop at half its measured peak (Result.HalfPeak).
	Rate     float64 `json:"rate,omitempty"`
	HalfPeak bool    `json:"half_peak,omitempty"`
	// ServerPeakRSSMiB is the started server's peak resident set (VmHWM),
	// when the tool started it on Linux.
	ServerPeakRSSMiB *float64 `json:"server_peak_rss_mib,omitempty"`
	Scenarios        []Result `json:"scenarios"`
	// AddedBySignet is what role-credentials-sts costs over sts-direct,
	// when both ran closed loop in this run.
	AddedBySignet *AddedLatency `json:"added_by_signet,omitempty"`
}

// AddedLatency is signet's own latency on top of an upstream call: the
// p50 of the scenario through signet minus the p50 of the upstream call
// made directly, and the same of the p99s. Both loops ran in the same run
// at the same concurrency; these are differences of percentiles of two
// distributions, not percentiles of per-request differences.
type AddedLatency struct {
	Scenario string  `json:"scenario"`
	Baseline string  `json:"baseline"`
	P50MS    float64 `json:"p50_ms"`
	P99MS    float64 `json:"p99_ms"`
}

// Machine is where the numbers came from.
type Machine struct {
	CPUs      int    `json:"cpus"`
	GOOS      string `json:"goos"`
	GOARCH    string `json:"goarch"`
	GoVersion string `json:"go_version"`
}

func thisMachine() Machine {
	return Machine{CPUs: runtime.NumCPU(), GOOS: runtime.GOOS, GOARCH: runtime.GOARCH, GoVersion: runtime.Version()}
}

// Result is one scenario: the median of its runs by throughput, with the
// throughput of every run.
type Result struct {
	Name    string `json:"name"`
	Skipped string `json:"skipped,omitempty"`

	Iterations   int64            `json:"iterations"`
	HTTPRequests int64            `json:"http_requests"`
	Errors       map[string]int64 `json:"errors"`
	DurationS    float64          `json:"duration_s"`
	// PerSecond is iterations (a request, or a whole flow) per second.
	PerSecond float64 `json:"per_second"`
	// RequestsPerSecond counts HTTP requests, which differs for flows.
	RequestsPerSecond float64   `json:"requests_per_second"`
	RunsPerSecond     []float64 `json:"runs_per_second"`
	LatencyMS         LatencyMS `json:"latency_ms"`
	// RatioToCeiling is PerSecond over the ceiling scenario's PerSecond in
	// the same run; null without a ceiling run.
	RatioToCeiling *float64 `json:"ratio_to_ceiling"`
	// Server-side figures per iteration from /metrics; null when the
	// server does not export them.
	ServerCPUMS     *float64 `json:"server_cpu_ms_per_iteration"`
	StoreOps        *float64 `json:"store_ops_per_iteration"`
	StoreStatements *float64 `json:"store_statements_per_iteration"`
	ServerRSSMiB    *float64 `json:"server_rss_mib"`

	// OpenLoop is set for a run at a fixed arrival rate (--rate, and the
	// half-peak run): the rate asked for and how the schedule was kept.
	// Its latencies are measured from the time each iteration was due.
	OpenLoop *OpenLoop `json:"open_loop,omitempty"`
	// RunsP99MS is every run's p99 for an open-loop result, whose runs
	// are ranked by p99 rather than throughput.
	RunsP99MS []float64 `json:"runs_p99_ms,omitempty"`
	// HalfPeak, with --half-peak, is the same scenario run open loop at
	// half of this (closed-loop, peak) result's PerSecond.
	HalfPeak *Result `json:"half_peak,omitempty"`
}

// OpenLoop is how a fixed-rate run kept its schedule.
type OpenLoop struct {
	Rate float64 `json:"rate"` // iterations/s offered
	// Scheduled counts the iterations due before the run ended (or all of
	// --requests).
	Scheduled int64 `json:"scheduled"`
	// Late counts iterations that started after they were due because
	// every worker (--concurrency) was busy; their latency includes the
	// wait.
	Late int64 `json:"late"`
	// Dropped counts iterations due before the end that no worker reached
	// before it: never sent. A run with drops did not hold its rate, and
	// its percentiles are a lower bound.
	Dropped int64 `json:"dropped"`
}

// LatencyMS is Latency in milliseconds, for JSON readers.
type LatencyMS struct {
	P50 float64 `json:"p50"`
	P90 float64 `json:"p90"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

func toMS(l Latency) LatencyMS {
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	return LatencyMS{P50: ms(l.P50), P90: ms(l.P90), P99: ms(l.P99), Max: ms(l.Max)}
}

// medianRun picks the median run (the lower middle for an even count) and
// records every run's throughput on it. Closed-loop runs are ranked by
// throughput; open-loop runs, whose throughput is the rate they were
// given, by p99, and every run's p99 is recorded too.
func medianRun(runs []Result) Result {
	if len(runs) == 0 {
		return Result{}
	}
	key := func(r Result) float64 { return r.PerSecond }
	if runs[0].OpenLoop != nil {
		key = func(r Result) float64 { return r.LatencyMS.P99 }
	}
	sorted := slices.Clone(runs)
	sort.SliceStable(sorted, func(i, j int) bool { return key(sorted[i]) < key(sorted[j]) })
	m := sorted[(len(sorted)-1)/2]
	m.RunsPerSecond, m.RunsP99MS = nil, nil
	for _, r := range runs {
		m.RunsPerSecond = append(m.RunsPerSecond, r.PerSecond)
		if m.OpenLoop != nil {
			m.RunsP99MS = append(m.RunsP99MS, r.LatencyMS.P99)
		}
	}
	return m
}

// setRatios fills RatioToCeiling from the ceiling scenario of the report.
// Only closed-loop results have one: an open-loop result's throughput is
// the rate it was given, not what the server can do.
func (r *Report) setRatios() {
	var ceiling float64
	for _, s := range r.Scenarios {
		if s.Name == "ceiling" && s.Skipped == "" && s.OpenLoop == nil {
			ceiling = s.PerSecond
		}
	}
	if ceiling <= 0 {
		return
	}
	for i := range r.Scenarios {
		if s := &r.Scenarios[i]; s.Skipped == "" && s.OpenLoop == nil {
			v := s.PerSecond / ceiling
			s.RatioToCeiling = &v
		}
	}
}

// setAddedLatency fills AddedBySignet from role-credentials-sts and its
// baseline sts-direct, if both ran closed loop.
func (r *Report) setAddedLatency() {
	var via, direct *Result
	for i := range r.Scenarios {
		switch s := &r.Scenarios[i]; {
		case s.Skipped != "" || s.OpenLoop != nil || s.Iterations == 0:
		case s.Name == "role-credentials-sts":
			via = s
		case s.Name == "sts-direct":
			direct = s
		}
	}
	if via == nil || direct == nil {
		return
	}
	r.AddedBySignet = &AddedLatency{Scenario: via.Name, Baseline: direct.Name,
		P50MS: via.LatencyMS.P50 - direct.LatencyMS.P50, P99MS: via.LatencyMS.P99 - direct.LatencyMS.P99}
}

// halfPeakSuffix marks the half-peak row of a scenario in the table and
// the plot.
const halfPeakSuffix = " @half-peak"

// rows lists the results as the table and the plot show them: each
// scenario, followed by its half-peak run if it has one.
func (r *Report) rows() []Result {
	var out []Result
	for _, s := range r.Scenarios {
		out = append(out, s)
		if h := s.HalfPeak; h != nil {
			row := *h
			row.Name = s.Name + halfPeakSuffix
			out = append(out, row)
		}
	}
	return out
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteTable writes the report as an aligned text table, then the errors
// and skipped scenarios below it. Open-loop rows add the rate offered and
// the iterations that were late or dropped.
func (r *Report) WriteTable(w io.Writer) error {
	rows := r.rows()
	open := slices.ContainsFunc(rows, func(s Result) bool { return s.OpenLoop != nil })
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	header := "scenario\titer/s\treq/s\tp50 ms\tp90 ms\tp99 ms\tmax ms\terrors\t"
	if open {
		header += "offered/s\tlate\tdropped\t"
	}
	fmt.Fprintln(tw, header+"×ceiling\tCPU ms/it\tstore ops/it\tstmts/it\tRSS MiB\t")
	opt := func(v *float64, format string) string {
		if v == nil {
			return "–"
		}
		return fmt.Sprintf(format, *v)
	}
	for _, s := range rows {
		if s.Skipped != "" {
			fmt.Fprintf(tw, "%s\tskipped\t\t\t\t\t\t\t\t\t\t\t\t\n", s.Name)
			continue
		}
		var errs int64
		for _, n := range s.Errors {
			errs += n
		}
		fmt.Fprintf(tw, "%s\t%.0f\t%.0f\t%.2f\t%.2f\t%.2f\t%.2f\t%d\t",
			s.Name, s.PerSecond, s.RequestsPerSecond, s.LatencyMS.P50, s.LatencyMS.P90, s.LatencyMS.P99, s.LatencyMS.Max, errs)
		if open {
			if o := s.OpenLoop; o != nil {
				fmt.Fprintf(tw, "%.0f\t%d\t%d\t", o.Rate, o.Late, o.Dropped)
			} else {
				fmt.Fprint(tw, "–\t–\t–\t")
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t\n",
			opt(s.RatioToCeiling, "%.2f"), opt(s.ServerCPUMS, "%.3f"), opt(s.StoreOps, "%.1f"), opt(s.StoreStatements, "%.1f"), opt(s.ServerRSSMiB, "%.0f"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, s := range rows {
		if s.Skipped != "" {
			fmt.Fprintf(w, "skipped %s: %s\n", s.Name, s.Skipped)
		}
		keys := make([]string, 0, len(s.Errors))
		for k := range s.Errors {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(w, "errors %s: %d × %s\n", s.Name, s.Errors[k], k)
		}
		if o := s.OpenLoop; o != nil && o.Dropped > 0 {
			fmt.Fprintf(w, "dropped %s: %d of %d iterations never sent; the rate was not held and the percentiles are a lower bound\n",
				s.Name, o.Dropped, o.Scheduled)
		}
	}
	if a := r.AddedBySignet; a != nil {
		fmt.Fprintf(w, "added by signet (%s minus %s, same run): p50 %+.2f ms, p99 %+.2f ms\n", a.Scenario, a.Baseline, a.P50MS, a.P99MS)
	}
	if r.ServerPeakRSSMiB != nil {
		fmt.Fprintf(w, "server peak RSS: %.0f MiB\n", *r.ServerPeakRSSMiB)
	}
	fmt.Fprintf(w, "target %s (%s), %d CPUs, concurrency %d, %s\n",
		r.Target, r.Backend, r.Machine.CPUs, r.Concurrency, strings.TrimSpace(r.limitsString()))
	switch {
	case r.Rate > 0:
		fmt.Fprintf(w, "open loop at %g iterations/s; latency from the time each iteration was due\n", r.Rate)
	case r.HalfPeak:
		fmt.Fprintf(w, "closed loop, then open loop at half the measured peak (%s rows); latency there from the time each iteration was due\n",
			strings.TrimSpace(halfPeakSuffix))
	}
	return nil
}

func (r *Report) limitsString() string {
	s := ""
	if r.Requests > 0 {
		s += fmt.Sprintf("≤ %d iterations ", r.Requests)
	}
	if r.DurationS > 0 {
		s += fmt.Sprintf("≤ %gs ", r.DurationS)
	}
	return s + fmt.Sprintf("per run, median of %d run(s)", r.Runs)
}
