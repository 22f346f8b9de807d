package bench

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// The server-side figures come from the target's Prometheus /metrics,
// read before and after each measured loop.
const (
	metricCPU        = "process_cpu_seconds_total"     // client_golang's process collector
	metricRSS        = "process_resident_memory_bytes" // ditto
	metricStoreOps   = "signet_store_latency_seconds_count"
	metricStatements = "signet_store_statements_total"
	metricRequests   = "http_requests_total"
	metricGoroutines = "go_goroutines"    // client_golang's Go collector
	metricOpenFDs    = "process_open_fds" // the process collector, Linux only
)

// scrapeMetrics is what the report reads from one scrape.
var scrapeMetrics = []string{metricCPU, metricRSS, metricStoreOps, metricStatements, metricRequests}

// snapshot holds each wanted metric summed over its label sets; a metric
// the server does not export is absent.
type snapshot map[string]float64

// parseMetrics reads the Prometheus text exposition format, keeping the
// names in want. Malformed lines are skipped: the figures are advisory.
func parseMetrics(r io.Reader, want []string) snapshot {
	keep := map[string]bool{}
	for _, w := range want {
		keep[w] = true
	}
	out := snapshot{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		name, rest := line, ""
		if i := strings.IndexAny(line, "{ "); i >= 0 {
			name, rest = line[:i], line[i:]
		}
		if !keep[name] {
			continue
		}
		if strings.HasPrefix(rest, "{") {
			end := strings.LastIndexByte(rest, '}')
			if end < 0 {
				continue
			}
			if name == metricStoreOps && backgroundOp(rest[:end]) {
				continue
			}
			rest = rest[end+1:]
		}
		fields := strings.Fields(rest)
		if len(fields) == 0 {
			continue
		}
		v, err := strconv.ParseFloat(fields[0], 64)
		if err != nil {
			continue
		}
		out[name] += v
	}
	return out
}

// backgroundOp reports store-latency series that no request causes (the
// readiness probe, garbage collection): counting them per request would
// make a server that instruments only those look as if it did no I/O.
func backgroundOp(labels string) bool {
	return strings.Contains(labels, `op="ready"`) || strings.Contains(labels, `op="collect"`)
}

// scrape fetches base/metrics; nil if the target has none.
func (c *client) scrape(ctx context.Context) snapshot { return c.scrapeNames(ctx, scrapeMetrics) }

// scrapeNames fetches base/metrics keeping the names in want.
func (c *client) scrapeNames(ctx context.Context, want []string) snapshot {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"/metrics", nil)
	if err != nil {
		return nil
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil
	}
	return parseMetrics(io.LimitReader(resp.Body, 8<<20), want)
}

// perIteration is (after-before)/n for a counter both snapshots have;
// nil when the server does not export it.
func perIteration(before, after snapshot, name string, scale float64, n int64) *float64 {
	b, ok1 := before[name]
	a, ok2 := after[name]
	if !ok1 || !ok2 || n <= 0 {
		return nil
	}
	v := (a - b) * scale / float64(n)
	return &v
}
