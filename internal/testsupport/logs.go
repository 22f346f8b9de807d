package testsupport

import (
	"bufio"
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
)

// Logs is a log sink that a server's goroutines and the test share: an
// io.Writer safe for concurrent use, read back whole (String) or as the
// JSON records a Logger wrote (Records, Find). The zero value is ready.
type Logs struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends p.
func (l *Logs) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// String returns everything written so far.
func (l *Logs) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// Logger returns a logger writing JSON lines at every level, debug
// included, into l.
func (l *Logs) Logger() *slog.Logger {
	return slog.New(slog.NewJSONHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// Records returns the lines written so far that are JSON objects, decoded,
// in order; other lines (a text handler's) are skipped.
func (l *Logs) Records() []map[string]any {
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(l.String()))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var rec map[string]any
		if json.Unmarshal(sc.Bytes(), &rec) == nil {
			out = append(out, rec)
		}
	}
	return out
}

// Find returns the records that carry key at their top level.
func (l *Logs) Find(key string) []map[string]any {
	var out []map[string]any
	for _, rec := range l.Records() {
		if _, ok := rec[key]; ok {
			out = append(out, rec)
		}
	}
	return out
}
