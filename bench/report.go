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
	// ServerPeakRSSMiB is the started server's peak resident set (VmHWM),
	// when the tool started it on Linux.
	ServerPeakRSSMiB *float64 `json:"server_peak_rss_mib,omitempty"`
	Scenarios        []Result `json:"scenarios"`
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

// medianRun picks the run with the median throughput (the lower middle for
// an even count) and records every run's throughput on it.
func medianRun(runs []Result) Result {
	if len(runs) == 0 {
		return Result{}
	}
	sorted := slices.Clone(runs)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].PerSecond < sorted[j].PerSecond })
	m := sorted[(len(sorted)-1)/2]
	m.RunsPerSecond = nil
	for _, r := range runs {
		m.RunsPerSecond = append(m.RunsPerSecond, r.PerSecond)
	}
	return m
}

// setRatios fills RatioToCeiling from the ceiling scenario of the report.
func (r *Report) setRatios() {
	var ceiling float64
	for _, s := range r.Scenarios {
		if s.Name == "ceiling" && s.Skipped == "" {
			ceiling = s.PerSecond
		}
	}
	if ceiling <= 0 {
		return
	}
	for i := range r.Scenarios {
		if r.Scenarios[i].Skipped == "" {
			v := r.Scenarios[i].PerSecond / ceiling
			r.Scenarios[i].RatioToCeiling = &v
		}
	}
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteTable writes the report as an aligned text table, then the errors
// and skipped scenarios below it.
func (r *Report) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "scenario\titer/s\treq/s\tp50 ms\tp90 ms\tp99 ms\tmax ms\terrors\t×ceiling\tCPU ms/it\tstore ops/it\tRSS MiB\t")
	opt := func(v *float64, format string) string {
		if v == nil {
			return "–"
		}
		return fmt.Sprintf(format, *v)
	}
	for _, s := range r.Scenarios {
		if s.Skipped != "" {
			fmt.Fprintf(tw, "%s\tskipped\t\t\t\t\t\t\t\t\t\t\t\n", s.Name)
			continue
		}
		var errs int64
		for _, n := range s.Errors {
			errs += n
		}
		fmt.Fprintf(tw, "%s\t%.0f\t%.0f\t%.2f\t%.2f\t%.2f\t%.2f\t%d\t%s\t%s\t%s\t%s\t\n",
			s.Name, s.PerSecond, s.RequestsPerSecond, s.LatencyMS.P50, s.LatencyMS.P90, s.LatencyMS.P99, s.LatencyMS.Max,
			errs, opt(s.RatioToCeiling, "%.2f"), opt(s.ServerCPUMS, "%.3f"), opt(s.StoreOps, "%.1f"), opt(s.ServerRSSMiB, "%.0f"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, s := range r.Scenarios {
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
	}
	if r.ServerPeakRSSMiB != nil {
		fmt.Fprintf(w, "server peak RSS: %.0f MiB\n", *r.ServerPeakRSSMiB)
	}
	fmt.Fprintf(w, "target %s (%s), %d CPUs, concurrency %d, %s\n",
		r.Target, r.Backend, r.Machine.CPUs, r.Concurrency, strings.TrimSpace(r.limitsString()))
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
