package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/spf13/pflag"
)

// metricsFlags registers --metrics-addr (catalogue DG-03). Without it the
// public listener's /metrics answers clients on this machine only; with it
// the metrics move to a listener of their own and the public one has none.
func metricsFlags(fs *pflag.FlagSet, c *Config) {
	fs.StringVar(&c.MetricsAddr, "metrics-addr", "",
		"host:port of a listener of its own for /metrics (empty: /metrics on --addr, for loopback clients only)")
}

// validateMetrics checks --metrics-addr.
func (c *Config) validateMetrics() error {
	if c.MetricsAddr == "" {
		return nil
	}
	if _, port, err := net.SplitHostPort(c.MetricsAddr); err != nil || port == "" {
		return fmt.Errorf("--metrics-addr %q: want host:port", c.MetricsAddr)
	}
	if c.MetricsAddr == c.Addr && !strings.HasSuffix(c.Addr, ":0") {
		return fmt.Errorf("--metrics-addr %q: must differ from --addr", c.MetricsAddr)
	}
	return nil
}

// serveMetrics serves h at /metrics on its own listener, apart from the
// public mux, its proxies and its middleware. The returned func closes it.
func serveMetrics(addr string, h http.Handler, log *slog.Logger) (func(), error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--metrics-addr: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", h)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics listener", "err", err)
		}
	}()
	log.Info("metrics", "addr", "http://"+ln.Addr().String()+"/metrics")
	return func() { srv.Close() }, nil
}
