package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/spf13/cobra"

	"github.com/signet-auth/signet/httpserver"
)

func (a *app) serveCmd() *cobra.Command {
	var c Config
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the server",
		Long: `Run the server. Settings come from flags, then SIGNET_* environment variables,
then the YAML file named by --config; see README.md for the table.

With --dev the server listens on loopback only, keeps a generated master key
in the data directory and has a user "dev" whose password is printed at start.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := load(cmd.Flags(), &c, a.getenv); err != nil {
				return err
			}
			if err := c.validate(); err != nil {
				return err
			}
			return a.serve(cmd.Context(), &c)
		},
	}
	serveFlags(cmd.Flags(), &c)
	return cmd
}

// newLogger builds the process logger; every line a request logs carries its
// request id.
func newLogger(c *Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: c.logLevel}
	var h slog.Handler = slog.NewTextHandler(w, opts)
	if c.LogFormat == "json" {
		h = slog.NewJSONHandler(w, opts)
	}
	return slog.New(httpserver.LogHandler(h))
}

func (a *app) serve(ctx context.Context, c *Config) error {
	log := newLogger(c, a.stderr)

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	metrics, err := httpserver.NewMetrics(reg)
	if err != nil {
		return err
	}

	points, err := a.failPoints(c, log)
	if err != nil {
		return err
	}
	svc, err := a.wire(ctx, c, log, metrics.Observer, points)
	if err != nil {
		return err
	}
	reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "signet_store_statements_total",
		Help: "SQL statements the store has run (transaction control included; on PostgreSQL each is a round trip).",
	}, func() float64 { return float64(svc.db.Statements()) }))
	defer func() {
		if err := svc.close(); err != nil {
			log.Error("closing the store", "err", err)
		}
	}()
	if c.Dev {
		if err := a.devUser(ctx, c, svc, log); err != nil {
			return err
		}
	}

	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return err
	}
	scheme := "http"
	if c.TLSCert != "" {
		scheme = "https"
	}
	base := scheme + "://" + ln.Addr().String()
	if c.Issuer == "" {
		c.Issuer = base
	}
	mounts, wrap, err := a.surfaces(c, svc, log)
	if err != nil {
		ln.Close()
		return err
	}
	srv := &httpserver.Server{
		Logger:      log,
		Metrics:     metrics,
		Gatherer:    reg,
		Health:      svc.stores.Health,
		Proxies:     httpserver.Proxies{Trusted: c.trustedProxies},
		Mounts:      mounts,
		Wrap:        wrap,
		Rand:        a.rand,
		MaxConns:    c.MaxConns,
		TLSCertFile: c.TLSCert,
		TLSKeyFile:  c.TLSKey,

		HTTPSIssuer:      strings.HasPrefix(c.Issuer, "https://"),
		LoopbackOnly:     c.loopbackOnlySwitch(),
		MetricsElsewhere: c.MetricsAddr != "",
	}

	gcCtx, stopGC := context.WithCancel(ctx)
	var gc sync.WaitGroup
	gc.Go(func() { collectGarbage(gcCtx, svc.stores.Collector, a.clock, log) })
	gc.Go(func() { reloadKeys(gcCtx, svc.keys, log) })
	defer func() { stopGC(); gc.Wait() }()

	if c.DebugAddr != "" {
		stop, err := serveDebug(c.DebugAddr, log)
		if err != nil {
			return err
		}
		defer stop()
	}

	if c.MetricsAddr != "" {
		stop, err := serveMetrics(c.MetricsAddr, srv.MetricsHandler(), log)
		if err != nil {
			return err
		}
		defer stop()
	}

	log.Info("serving", "addr", ln.Addr().String(), "issuer", c.Issuer, "store", svc.storeName, "dev", c.Dev)
	fmt.Fprintf(a.stderr, "listening on %s\n", base)
	err = srv.Serve(ctx, ln)
	log.Info("stopped")
	return err
}

// serveDebug serves net/http/pprof on its own loopback listener, apart from
// the public mux, so profiles are never reachable through the service's
// address, proxies or middleware. The returned func closes it.
func serveDebug(addr string, log *slog.Logger) (func(), error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--debug-addr: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("debug listener", "err", err)
		}
	}()
	log.Info("profiles", "addr", "http://"+ln.Addr().String()+"/debug/pprof/")
	return func() { srv.Close() }, nil
}
