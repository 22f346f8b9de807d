package bench

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// SoakReport is one `signet bench --soak` run, the shape of --json.
type SoakReport struct {
	Started     time.Time `json:"started"`
	Machine     Machine   `json:"machine"`
	Target      string    `json:"target"`
	Backend     string    `json:"backend"`
	Mix         []string  `json:"mix"`
	DurationS   float64   `json:"duration_s"`
	IntervalS   float64   `json:"interval_s"`
	Concurrency int       `json:"concurrency_per_scenario"`
	// PeakPerSecond is the closed-loop peak of the mix measured before
	// the soak, when --rate was 0; the rate is then half of it.
	PeakPerSecond *float64         `json:"peak_per_second,omitempty"`
	Rate          float64          `json:"rate"`
	Iterations    int64            `json:"iterations"`
	Failed        int64            `json:"failed"`
	Missed        int64            `json:"missed"`
	Errors        map[string]int64 `json:"errors"`
	Samples       []SoakSample     `json:"samples"`
}

// SoakSample is one interval of a soak.
type SoakSample struct {
	ElapsedS   float64 `json:"elapsed_s"`
	IntervalS  float64 `json:"interval_s"`
	Iterations int64   `json:"iterations"`
	Failed     int64   `json:"failed"`
	// Missed counts pacer ticks that found every worker of their scenario
	// busy: the server fell behind the rate.
	Missed    int64            `json:"missed"`
	PerSecond float64          `json:"per_second"`
	Errors    map[string]int64 `json:"errors"`
	LatencyMS LatencyMS        `json:"latency_ms"`
	// Server-side figures; null when unavailable. ServerRSSMiB is the
	// runtime's process_resident_memory_bytes, ServerVmRSSMiB the kernel's
	// VmRSS of a server this tool started.
	ServerRSSMiB   *float64 `json:"server_rss_mib"`
	ServerVmRSSMiB *float64 `json:"server_vmrss_mib"`
	Goroutines     *float64 `json:"goroutines"`
	OpenFDs        *float64 `json:"open_fds"`
}

// total sums the samples into the report.
func (r *SoakReport) total() {
	r.Iterations, r.Failed, r.Missed, r.Errors = 0, 0, 0, map[string]int64{}
	for _, s := range r.Samples {
		r.Iterations += s.Iterations
		r.Failed += s.Failed
		r.Missed += s.Missed
		for k, v := range s.Errors {
			r.Errors[k] += v
		}
	}
}

// WriteJSON writes the report, indented.
func (r *SoakReport) WriteJSON(w io.Writer) error {
	e := json.NewEncoder(w)
	e.SetIndent("", "  ")
	return e.Encode(r)
}

func optf(v *float64, format string) string {
	if v == nil {
		return "–"
	}
	return fmt.Sprintf(format, *v)
}

// progressLine is the one-line summary of a sample printed as it comes.
func (s SoakSample) progressLine() string {
	return fmt.Sprintf("%7.0fs %8d done %5d errors %5d missed %7.0f/s p50 %6.2f ms p99 %7.2f ms RSS %s MiB VmRSS %s MiB goroutines %s fds %s",
		s.ElapsedS, s.Iterations, s.Failed, s.Missed, s.PerSecond, s.LatencyMS.P50, s.LatencyMS.P99,
		optf(s.ServerRSSMiB, "%.0f"), optf(s.ServerVmRSSMiB, "%.0f"), optf(s.Goroutines, "%.0f"), optf(s.OpenFDs, "%.0f"))
}

// WriteTable prints the header, one row per sample and the errors.
func (r *SoakReport) WriteTable(w io.Writer) error {
	peak := ""
	if r.PeakPerSecond != nil {
		peak = fmt.Sprintf(" (half the measured peak of %.0f/s)", *r.PeakPerSecond)
	}
	fmt.Fprintf(w, "soak of %s against %s (%s): %.0f s at %.0f iterations/s%s, %d worker(s) per scenario\n",
		strings.Join(r.Mix, ","), r.Target, r.Backend, r.DurationS, r.Rate, peak, r.Concurrency)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "t s\titer/s\tdone\terrors\tmissed\tp50 ms\tp99 ms\tmax ms\tRSS MiB\tVmRSS MiB\tgoroutines\tfds\t")
	for _, s := range r.Samples {
		fmt.Fprintf(tw, "%.0f\t%.0f\t%d\t%d\t%d\t%.2f\t%.2f\t%.2f\t%s\t%s\t%s\t%s\t\n",
			s.ElapsedS, s.PerSecond, s.Iterations, s.Failed, s.Missed, s.LatencyMS.P50, s.LatencyMS.P99, s.LatencyMS.Max,
			optf(s.ServerRSSMiB, "%.1f"), optf(s.ServerVmRSSMiB, "%.1f"), optf(s.Goroutines, "%.0f"), optf(s.OpenFDs, "%.0f"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "total: %d iterations, %d errors, %d missed ticks\n", r.Iterations, r.Failed, r.Missed)
	for _, k := range slices.Sorted(maps.Keys(r.Errors)) {
		fmt.Fprintf(w, "  %s: %d\n", k, r.Errors[k])
	}
	return nil
}

// WritePlot draws three stacked line charts over the soak's time: the
// achieved rate, the p99 latency and the server's RSS.
func (r *SoakReport) WritePlot(w io.Writer) error {
	const (
		width, panelH  = 760.0, 170.0
		left, top, gap = 70.0, 30.0, 50.0
		plotW          = width - left - 30
	)
	height := top + 3*panelH + 2*gap + 40
	var b bytes.Buffer
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?>`+"\n")
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f" font-family="sans-serif" font-size="11">`+"\n", width, height, width, height)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	tMax := niceCeil(r.DurationS)
	rss := func(s SoakSample) *float64 {
		if s.ServerVmRSSMiB != nil {
			return s.ServerVmRSSMiB
		}
		return s.ServerRSSMiB
	}
	panels := []struct {
		title, color string
		v            func(SoakSample) *float64
	}{
		{"iterations/s (target dashed)", "#59a14f", func(s SoakSample) *float64 { return &s.PerSecond }},
		{"p99 latency (ms)", "#e15759", func(s SoakSample) *float64 { return &s.LatencyMS.P99 }},
		{"server RSS (MiB)", "#4e79a7", rss},
	}
	for i, p := range panels {
		y0 := top + float64(i)*(panelH+gap)
		maxV := 0.0
		if i == 0 {
			maxV = r.Rate
		}
		for _, s := range r.Samples {
			if v := p.v(s); v != nil {
				maxV = math.Max(maxV, *v)
			}
		}
		scale := niceCeil(maxV)
		text(&b, left+plotW/2, y0-10, "middle", p.title)
		for k := 0; k <= 4; k++ {
			y := y0 + panelH - panelH*float64(k)/4
			fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#ddd"/>`+"\n", left, y, left+plotW, y)
			text(&b, left-4, y+4, "end", trimFloat(scale*float64(k)/4))
			x := left + plotW*float64(k)/4
			text(&b, x, y0+panelH+14, "middle", trimFloat(tMax*float64(k)/4)+" s")
		}
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="none" stroke="black"/>`+"\n", left, y0, plotW, panelH)
		if i == 0 && r.Rate > 0 {
			y := y0 + panelH - panelH*r.Rate/scale
			fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="black" stroke-dasharray="4 3"/>`+"\n", left, y, left+plotW, y)
		}
		var pts bytes.Buffer
		for _, s := range r.Samples {
			v := p.v(s)
			if v == nil {
				continue
			}
			x := left + plotW*s.ElapsedS/tMax
			y := y0 + panelH - panelH**v/scale
			fmt.Fprintf(&pts, "%.1f,%.1f ", x, y)
			fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="2.5" fill="%s"><title>%.0f s: %.2f</title></circle>`+"\n", x, y, p.color, s.ElapsedS, *v)
		}
		fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="1.5"/>`+"\n", bytes.TrimSpace(pts.Bytes()), p.color)
	}
	fmt.Fprintln(&b, `</svg>`)
	_, err := w.Write(b.Bytes())
	return err
}
