package bench

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"math"
)

// WritePlot draws the report as SVG: on the left the latency percentiles
// (p50, p90, p99) of each scenario as grouped bars, on the right the
// throughput of each scenario, so a glance shows where the time goes.
// A scenario's half-peak run is a bar group of its own, next to its peak.
func (r *Report) WritePlot(w io.Writer) error {
	var ran []Result
	for _, s := range r.rows() {
		if s.Skipped == "" {
			ran = append(ran, s)
		}
	}
	const (
		panelW, panelH = 460.0, 300.0
		left, top      = 60.0, 40.0
		bottom         = 110.0 // room for rotated scenario names
		gap            = 80.0
	)
	width := left + 2*panelW + gap + 20
	height := top + panelH + bottom
	var b bytes.Buffer
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?>`+"\n")
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f" font-family="sans-serif" font-size="11">`+"\n", width, height, width, height)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")

	maxLat, maxRate := 0.0, 0.0
	for _, s := range ran {
		maxLat = math.Max(maxLat, s.LatencyMS.P99)
		maxRate = math.Max(maxRate, s.PerSecond)
	}
	colors := []string{"#4e79a7", "#f28e2b", "#e15759"}
	n := float64(max(len(ran), 1))
	slot := panelW / n

	panel := func(x0 float64, title, unit string, maxV float64) float64 {
		text(&b, x0+panelW/2, top-18, "middle", title)
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="black"/>`+"\n", x0, top, x0, top+panelH)
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="black"/>`+"\n", x0, top+panelH, x0+panelW, top+panelH)
		scale := niceCeil(maxV)
		for i := 0; i <= 4; i++ {
			v := scale * float64(i) / 4
			y := top + panelH - panelH*float64(i)/4
			fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#ddd"/>`+"\n", x0, y, x0+panelW, y)
			text(&b, x0-4, y+4, "end", trimFloat(v))
		}
		text(&b, x0-40, top-6, "start", unit)
		for i, s := range ran {
			x := x0 + slot*float64(i) + slot/2
			fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="end" transform="rotate(-40 %.1f %.1f)">%s</text>`+"\n",
				x, top+panelH+14, x, top+panelH+14, esc(s.Name))
		}
		return scale
	}
	bar := func(x, bw, v, scale float64, color, title string) {
		h := 0.0
		if scale > 0 {
			h = panelH * v / scale
		}
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s</title></rect>`+"\n",
			x, top+panelH-h, bw, h, color, esc(title))
	}

	latScale := panel(left, "latency percentiles (ms)", "ms", maxLat)
	for i, s := range ran {
		bw := slot * 0.8 / 3
		x := left + slot*float64(i) + slot*0.1
		for j, v := range []float64{s.LatencyMS.P50, s.LatencyMS.P90, s.LatencyMS.P99} {
			bar(x+bw*float64(j), bw, v, latScale, colors[j], fmt.Sprintf("%s p%d %.2f ms", s.Name, []int{50, 90, 99}[j], v))
		}
	}
	for j, l := range []string{"p50", "p90", "p99"} {
		x := left + 10 + float64(j)*50
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="10" height="10" fill="%s"/>`+"\n", x, top+4, colors[j])
		text(&b, x+14, top+13, "start", l)
	}

	x1 := left + panelW + gap
	rateScale := panel(x1, "throughput (iterations/s)", "/s", maxRate)
	for i, s := range ran {
		x := x1 + slot*float64(i) + slot*0.2
		bar(x, slot*0.6, s.PerSecond, rateScale, "#59a14f", fmt.Sprintf("%s %.0f/s", s.Name, s.PerSecond))
	}
	fmt.Fprintln(&b, `</svg>`)
	_, err := w.Write(b.Bytes())
	return err
}

func text(b *bytes.Buffer, x, y float64, anchor, s string) {
	fmt.Fprintf(b, `<text x="%.1f" y="%.1f" text-anchor="%s">%s</text>`+"\n", x, y, anchor, esc(s))
}

func esc(s string) string {
	var b bytes.Buffer
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

// niceCeil rounds v up to 1, 2 or 5 times a power of ten, for axis labels.
func niceCeil(v float64) float64 {
	if v <= 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if v <= m*p {
			return m * p
		}
	}
	return 10 * p
}

func trimFloat(v float64) string {
	if v == math.Trunc(v) {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.2g", v)
}
