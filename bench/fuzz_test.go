package bench

import (
	"math"
	"strings"
	"testing"
)

// FuzzParseMetrics: whatever a target answers on /metrics, parsing ends
// without panicking and keeps only the metrics asked for.
func FuzzParseMetrics(f *testing.F) {
	f.Add("process_cpu_seconds_total 1.5\n")
	f.Add(`signet_store_latency_seconds_count{op="rotate",x="}"} 3` + "\n")
	f.Add("# HELP x\nhttp_requests_total{a=\"b\"} NaN 123\n{}\n }{ 1\n")
	f.Fuzz(func(t *testing.T, text string) {
		s := parseMetrics(strings.NewReader(text), scrapeMetrics)
		for k, v := range s {
			if !strings.Contains(strings.Join(scrapeMetrics, " "), k) {
				t.Errorf("kept %q", k)
			}
			_ = math.IsNaN(v)
		}
	})
}
