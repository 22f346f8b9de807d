package httpserver

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/net/netutil"

	"github.com/signet-auth/signet"
)

// Limits and timeouts. The timeouts close slow-loris, never-reading and
// idle clients (catalogue IN-06; Server.Timeouts overrides them);
// MaxHeaderBytes answers oversized headers with 431 (IN-07, RFC 6585 §5).
const (
	DefaultMaxBodyBytes = 64 << 10
	DefaultMaxConns     = 1024
	ReadHeaderTimeout   = 5 * time.Second
	ReadTimeout         = 15 * time.Second
	WriteTimeout        = 30 * time.Second
	IdleTimeout         = 120 * time.Second
	MaxHeaderBytes      = 32 << 10
	ShutdownTimeout     = 10 * time.Second
	readyTimeout        = 3 * time.Second
)

// Server is the HTTP shell. Every dependency is an explicit field; the zero
// values of MaxBodyBytes, MaxConns and Timeouts mean the defaults.
type Server struct {
	Logger   *slog.Logger        // wrap its handler with LogHandler for request ids
	Metrics  *Metrics            // from NewMetrics
	Gatherer prometheus.Gatherer // what /metrics exposes; usually the registry Metrics registered on
	Health   signet.Health       // asked by /readyz
	Proxies  Proxies
	Mounts   []Mounter
	// Wrap, if set, goes around the mux, inside the middleware: for a
	// surface that must see requests before routing. Requests it answers
	// itself are counted under the route "unmatched".
	Wrap func(http.Handler) http.Handler
	Rand io.Reader // request ids

	// HTTPSIssuer says the issuer is an https URL: a request a trusted proxy
	// forwards without X-Forwarded-Proto reached the client over HTTPS, and
	// its answer carries Strict-Transport-Security (catalogue DG-02).
	HTTPSIssuer bool
	// LoopbackOnly, when not empty, names the development switch that is on
	// (e.g. "--dev"); every request from a client not on this machine is
	// then refused with 403 (catalogue DG-01).
	LoopbackOnly string
	// MetricsElsewhere: /metrics is served on a listener of its own
	// (MetricsHandler), so the public listener has none. Without it the
	// public /metrics answers loopback clients only (catalogue DG-03).
	MetricsElsewhere bool

	MaxBodyBytes int64
	// BodyLimits raise the body cap for the paths under a prefix (a
	// surface that takes large documents, such as SCIM's member lists);
	// the surface bounds what it reads itself.
	BodyLimits []BodyLimit
	MaxConns   int
	Timeouts   Timeouts
	// TLSCertFile and TLSKeyFile, when set, make Serve speak TLS ≥ 1.2 only
	// (catalogue IN-08).
	TLSCertFile, TLSKeyFile string
}

// Handler returns the routes wrapped in the middleware chain, outermost
// first: request info (and HSTS), access log and metrics, panic recovery,
// the development-mode loopback guard, body limit.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	s.routes(mux)
	var h http.Handler = withRoute(mux)
	if s.Wrap != nil {
		h = s.Wrap(h)
	}
	return s.withRequestInfo(s.withAccessLog(s.withRecover(s.withLoopbackOnly(s.withBodyLimit(h)))))
}

// Serve answers on ln until ctx is done, then stops accepting, lets requests
// in flight finish for at most ShutdownTimeout and returns; ln is closed
// either way. The caller closes the store after Serve returns, when no
// handler can use it.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	maxConns := s.MaxConns
	if maxConns <= 0 {
		maxConns = DefaultMaxConns
	}
	t := s.Timeouts.orDefaults()
	srv := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: t.ReadHeader,
		ReadTimeout:       t.Read,
		WriteTimeout:      t.Write,
		IdleTimeout:       t.Idle,
		MaxHeaderBytes:    MaxHeaderBytes,
		ConnState:         newIdleReaper(maxConns).connState,
		ErrorLog:          slog.NewLogLogger(s.Logger.Handler(), slog.LevelWarn),
	}
	if s.TLSCertFile != "" || s.TLSKeyFile != "" {
		cert, err := tls.LoadX509KeyPair(s.TLSCertFile, s.TLSKeyFile)
		if err != nil {
			ln.Close()
			return fmt.Errorf("load TLS key pair: %w", err)
		}
		srv.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}
	}
	ln = netutil.LimitListener(ln, maxConns)

	errc := make(chan error, 1)
	go func() {
		if srv.TLSConfig != nil {
			errc <- srv.ServeTLS(ln, "", "")
		} else {
			errc <- srv.Serve(ln)
		}
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), ShutdownTimeout)
	defer cancel()
	err := srv.Shutdown(sctx)
	if serr := <-errc; !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	if err != nil {
		srv.Close()
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// BodyLimit is the body cap of the paths under Prefix.
type BodyLimit struct {
	Prefix string
	Max    int64
}

// bodyLimit is the cap of a request to path.
func (s *Server) bodyLimit(path string) int64 {
	for _, l := range s.BodyLimits {
		if strings.HasPrefix(path, l.Prefix) {
			return l.Max
		}
	}
	return s.maxBodyBytes()
}

func (s *Server) maxBodyBytes() int64 {
	if s.MaxBodyBytes > 0 {
		return s.MaxBodyBytes
	}
	return DefaultMaxBodyBytes
}

func (s *Server) handleHealthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	io.WriteString(w, "ok\n")
}

// handleReadyz answers 200 when the store answers and is migrated, 503
// otherwise; the cause goes to the log, not to the caller.
func (s *Server) handleReadyz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	err := errors.New("no store configured")
	if s.Health != nil {
		ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
		defer cancel()
		start := time.Now()
		err = s.Health.Ready(ctx)
		s.Metrics.Observer.StoreLatency("ready", time.Since(start))
	}
	if err != nil {
		s.Logger.LogAttrs(r.Context(), slog.LevelWarn, "not ready", slog.Any("err", err))
		w.WriteHeader(http.StatusServiceUnavailable)
		io.WriteString(w, "not ready\n")
		return
	}
	io.WriteString(w, "ok\n")
}
