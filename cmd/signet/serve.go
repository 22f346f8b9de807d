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
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/spf13/cobra"

	"github.com/signet-auth/signet/httpserver"
	"github.com/signet-auth/signet/internal/app"
	"github.com/signet-auth/signet/internal/config"
)

func (a *cli) serveCmd() *cobra.Command {
	var c config.Config
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the server",
		Long: `Run the server. Settings come from flags, then SIGNET_* environment variables,
then the YAML file named by --config; see README.md for the table.

With --dev the server listens on loopback only, keeps a generated master key
in the data directory and has a user "dev" whose password is printed at start.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := config.Load(cmd.Flags(), &c, a.getenv); err != nil {
				return err
			}
			if err := c.Validate(); err != nil {
				return err
			}
			return a.serve(cmd.Context(), c)
		},
	}
	config.ServeFlags(cmd.Flags(), &c)
	return cmd
}

// newLogger builds the process logger; every line a request logs carries its
// request id.
func newLogger(c *config.Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: c.Level()}
	var h slog.Handler = slog.NewTextHandler(w, opts)
	if c.LogFormat == "json" {
		h = slog.NewJSONHandler(w, opts)
	}
	return slog.New(httpserver.LogHandler(h))
}

// deps are the app's dependencies as the process has them.
func (a *cli) deps(log *slog.Logger) app.Deps {
	return app.Deps{Clock: a.clock, Rand: a.rand, Log: log, Getenv: a.getenv}
}

func (a *cli) serve(ctx context.Context, c config.Config) error {
	log := newLogger(&c, a.stderr)
	points, err := a.failPoints(&c, log)
	if err != nil {
		return err
	}
	// The listener first: without --issuer the issuer is the address it
	// bound, and every surface is built with the issuer.
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
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	d := a.deps(log)
	d.Registry, d.FailPoints = reg, points
	srv, err := app.New(ctx, c, d)
	if err != nil {
		ln.Close()
		return err
	}
	defer func() {
		if err := srv.Close(); err != nil {
			log.Error("closing the store", "err", err)
		}
	}()
	if c.Dev {
		if err := a.devUser(ctx, &c, srv.Core, log); err != nil {
			ln.Close()
			return err
		}
	}

	jobs, stopJobs := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { srv.Run(jobs) })
	defer func() { stopJobs(); wg.Wait() }()

	if c.DebugAddr != "" {
		stop, err := serveDebug(c.DebugAddr, log)
		if err != nil {
			ln.Close()
			return err
		}
		defer stop()
	}

	if c.MetricsAddr != "" {
		stop, err := serveMetrics(c.MetricsAddr, srv.Server.MetricsHandler(), log)
		if err != nil {
			ln.Close()
			return err
		}
		defer stop()
	}

	log.Info("serving", "addr", ln.Addr().String(), "issuer", c.Issuer, "store", srv.StoreName, "dev", c.Dev)
	fmt.Fprintf(a.stderr, "listening on %s\n", base)
	err = srv.Server.Serve(ctx, ln)
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
