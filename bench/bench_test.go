package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }

func TestPercentile(t *testing.T) {
	hundred := make([]time.Duration, 100)
	for i := range hundred {
		hundred[i] = ms(i + 1)
	}
	tests := []struct {
		name   string
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{"empty", nil, 50, 0},
		{"one sample is every percentile", []time.Duration{ms(7)}, 99, ms(7)},
		{"p50 of 1..100", hundred, 50, ms(50)},
		{"p90 of 1..100", hundred, 90, ms(90)},
		{"p99 of 1..100", hundred, 99, ms(99)},
		{"p100 is the max", hundred, 100, ms(100)},
		{"p50 of two is the lower", []time.Duration{ms(1), ms(2)}, 50, ms(1)},
		{"p99 of ten is the max (nearest rank)", hundred[:10], 99, ms(10)},
		{"tiny p is the min", hundred, 0.001, ms(1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := percentile(tt.sorted, tt.p); got != tt.want {
				t.Errorf("percentile(%v) = %v, want %v", tt.p, got, tt.want)
			}
		})
	}
}

func TestSummarizeSorts(t *testing.T) {
	l := summarize([]time.Duration{ms(5), ms(1), ms(3), ms(2), ms(4)})
	if l.P50 != ms(3) || l.Max != ms(5) || l.P99 != ms(5) {
		t.Errorf("summarize = %+v", l)
	}
}

type countWorker struct {
	n    *atomic.Int64
	fail bool
}

func (w countWorker) Step(ctx context.Context) error {
	w.n.Add(1)
	if w.fail {
		return &statusError{Status: 400, Type: "InvalidGrantException"}
	}
	return nil
}

// blockWorker waits for the deadline: a loop bounded by duration alone
// must still end.
type blockWorker struct{}

func (blockWorker) Step(ctx context.Context) error {
	<-ctx.Done()
	return ctx.Err()
}

func workers(n int, w Worker) []Worker {
	ws := make([]Worker, n)
	for i := range ws {
		ws[i] = w
	}
	return ws
}

func TestDriveStopsAtRequests(t *testing.T) {
	var n atomic.Int64
	out, err := drive(t.Context(), Limits{Requests: 1000, Concurrency: 8}, workers(8, countWorker{n: &n}), nil)
	if err != nil {
		t.Fatal(err)
	}
	if n.Load() != 1000 || out.Iterations != 1000 || len(out.Samples) != 1000 {
		t.Errorf("steps %d, iterations %d, samples %d; want 1000 each", n.Load(), out.Iterations, len(out.Samples))
	}
}

func TestDriveStopsAtDuration(t *testing.T) {
	out, err := drive(t.Context(), Limits{Duration: 50 * time.Millisecond, Concurrency: 4}, workers(4, blockWorker{}), nil)
	if err != nil {
		t.Fatal(err)
	}
	// Steps cut short by the deadline are neither samples nor errors.
	if out.Iterations != 0 || out.Failed != 0 || len(out.Errors) != 0 {
		t.Errorf("outcome %+v, want nothing counted", out)
	}
}

func TestDriveRefusesUnbounded(t *testing.T) {
	var n atomic.Int64
	if _, err := drive(t.Context(), Limits{Concurrency: 1}, workers(1, countWorker{n: &n}), nil); !errors.Is(err, errUnbounded) {
		t.Errorf("err = %v, want errUnbounded", err)
	}
	r := &runner{env: Env{}, opts: runOptions{Limits: Limits{Concurrency: 1}, Runs: 1, Scenarios: []string{"ceiling"}}}
	if _, err := r.run(t.Context()); !errors.Is(err, errUnbounded) {
		t.Errorf("run: err = %v, want errUnbounded", err)
	}
}

func TestDriveCountsErrorsByType(t *testing.T) {
	var n atomic.Int64
	out, err := drive(t.Context(), Limits{Requests: 10, Concurrency: 2}, workers(2, countWorker{n: &n, fail: true}), nil)
	if err != nil {
		t.Fatal(err)
	}
	if out.Failed != 10 || out.Errors["HTTP 400 InvalidGrantException"] != 10 || len(out.Samples) != 0 {
		t.Errorf("outcome: failed %d, errors %v, samples %d", out.Failed, out.Errors, len(out.Samples))
	}
}

func TestCheckTarget(t *testing.T) {
	tests := []struct {
		url         string
		allowRemote bool
		ok          bool
	}{
		{"http://127.0.0.1:8080", false, true},
		{"http://127.9.9.9:8080", false, true},
		{"http://[::1]:8080", false, true},
		{"http://localhost:8080", false, true},
		{"https://LOCALHOST", false, true},
		{"http://10.0.0.1:8080", false, false},
		{"http://example.com", false, false},
		{"http://127.0.0.1.example.com", false, false},
		{"http://localhost.example.com", false, false},
		{"http://0.0.0.0:8080", false, false},
		{"http://example.com", true, true},
		{"ftp://127.0.0.1", false, false},
		{"127.0.0.1:8080", false, false},
		{"http://user:pw@127.0.0.1", false, false},
		{"http://", false, false},
	}
	for _, tt := range tests {
		_, err := checkTarget(tt.url, tt.allowRemote)
		if (err == nil) != tt.ok {
			t.Errorf("checkTarget(%q, %v) = %v, want ok=%v", tt.url, tt.allowRemote, err, tt.ok)
		}
	}
}

// TestRemoteTargetRefused: the command refuses a remote target before it
// sends anything.
func TestRemoteTargetRefused(t *testing.T) {
	var out, errw bytes.Buffer
	cmd := Command(Env{Stdout: &out, Stderr: &errw})
	cmd.SetArgs([]string{"--target", "http://192.0.2.1:9", "--scenario", "sso-refresh", "--requests", "1"})
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	err := cmd.ExecuteContext(t.Context())
	if err == nil || !strings.Contains(err.Error(), "--allow-remote") {
		t.Errorf("err = %v, want a refusal naming --allow-remote", err)
	}
}

func TestParseMetrics(t *testing.T) {
	text := `# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.
# TYPE process_cpu_seconds_total counter
process_cpu_seconds_total 12.5
process_resident_memory_bytes 4.2e+07
signet_store_latency_seconds_bucket{op="rotate",le="0.001"} 3
signet_store_latency_seconds_count{op="rotate"} 10
signet_store_latency_seconds_count{op="lookup"} 5
signet_store_latency_seconds_count{op="collect"} 100
signet_store_latency_seconds_count{op="ready"} 100
http_requests_total{route="POST /token",method="POST",status="200"} 7
garbage line
other_metric 1
`
	s := parseMetrics(strings.NewReader(text), scrapeMetrics)
	want := snapshot{metricCPU: 12.5, metricRSS: 4.2e7, metricStoreOps: 15, metricRequests: 7}
	if len(s) != len(want) {
		t.Errorf("parsed %v, want %v", s, want)
	}
	for k, v := range want {
		if s[k] != v {
			t.Errorf("%s = %v, want %v", k, s[k], v)
		}
	}
	after := snapshot{metricCPU: 14.5}
	if v := perIteration(s, after, metricCPU, 1000, 1000); v == nil || *v != 2 {
		t.Errorf("CPU ms per iteration = %v, want 2", v)
	}
	if v := perIteration(s, after, metricStatements, 1, 1000); v != nil {
		t.Errorf("missing metric gave %v, want nil", *v)
	}
}

func sampleReport() *Report {
	cpu := 0.25
	return &Report{
		Started: time.Unix(0, 0).UTC(), Machine: thisMachine(), Target: "http://127.0.0.1:1", Backend: "external",
		Concurrency: 4, DurationS: 1, Runs: 1,
		Scenarios: []Result{
			{Name: "ceiling", Iterations: 1000, PerSecond: 1000, LatencyMS: LatencyMS{P50: 0.1, P90: 0.2, P99: 0.5, Max: 1}, Errors: map[string]int64{}},
			{Name: "sso-refresh", Iterations: 400, PerSecond: 400, ServerCPUMS: &cpu, LatencyMS: LatencyMS{P50: 1, P90: 2, P99: 5, Max: 9},
				Errors: map[string]int64{"HTTP 400 InvalidGrantException": 2}},
			{Name: "client-credentials <&>", Skipped: "needs --client-id"},
		},
	}
}

func TestReportJSONShape(t *testing.T) {
	rep := sampleReport()
	rep.setRatios()
	var b bytes.Buffer
	if err := rep.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"started", "machine", "target", "backend", "concurrency", "runs", "scenarios"} {
		if _, ok := got[k]; !ok {
			t.Errorf("report lacks %q", k)
		}
	}
	scs := got["scenarios"].([]any)
	refresh := scs[1].(map[string]any)
	for _, k := range []string{"name", "iterations", "http_requests", "errors", "per_second", "requests_per_second",
		"latency_ms", "ratio_to_ceiling", "server_cpu_ms_per_iteration", "store_ops_per_iteration",
		"store_statements_per_iteration", "server_rss_mib"} {
		if _, ok := refresh[k]; !ok {
			t.Errorf("scenario lacks %q", k)
		}
	}
	if refresh["ratio_to_ceiling"] != 0.4 {
		t.Errorf("ratio_to_ceiling = %v, want 0.4", refresh["ratio_to_ceiling"])
	}
	if refresh["store_ops_per_iteration"] != nil {
		t.Errorf("a metric the server lacks must be null, got %v", refresh["store_ops_per_iteration"])
	}
	lat := refresh["latency_ms"].(map[string]any)
	for _, k := range []string{"p50", "p90", "p99", "max"} {
		if _, ok := lat[k]; !ok {
			t.Errorf("latency_ms lacks %q", k)
		}
	}
	if s := scs[2].(map[string]any); s["skipped"] != "needs --client-id" {
		t.Errorf("skipped scenario = %v", s)
	}
	var table bytes.Buffer
	if err := rep.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"sso-refresh", "0.40", "errors sso-refresh: 2 × HTTP 400 InvalidGrantException", "skipped client-credentials"} {
		if !strings.Contains(table.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, table.String())
		}
	}
}

func TestPlotIsWellFormedSVG(t *testing.T) {
	for _, rep := range []*Report{sampleReport(), {}} {
		var b bytes.Buffer
		if err := rep.WritePlot(&b); err != nil {
			t.Fatal(err)
		}
		dec := xml.NewDecoder(&b)
		root := ""
		for {
			tok, err := dec.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("not well-formed XML: %v", err)
			}
			if se, ok := tok.(xml.StartElement); ok && root == "" {
				root = se.Name.Space + " " + se.Name.Local
			}
		}
		if root != "http://www.w3.org/2000/svg svg" {
			t.Errorf("root element %q, want svg in the SVG namespace", root)
		}
	}
}

func TestMedianRun(t *testing.T) {
	runs := []Result{{Name: "a", PerSecond: 30}, {Name: "a", PerSecond: 10}, {Name: "a", PerSecond: 20}}
	m := medianRun(runs)
	if m.PerSecond != 20 || len(m.RunsPerSecond) != 3 || m.RunsPerSecond[0] != 30 {
		t.Errorf("median = %+v", m)
	}
}

func TestFindScenarios(t *testing.T) {
	if s, err := findScenarios([]string{"all"}); err != nil || s[0].name != "ceiling" || len(s) != len(scenarios()) {
		t.Errorf("all: %v %v", len(s), err)
	}
	if _, err := findScenarios([]string{"sso-refresh", "nope"}); err == nil {
		t.Error("unknown scenario accepted")
	}
}
