package httpserver

import (
	"io"
	"net/http"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// HSTSValue is the Strict-Transport-Security header every HTTPS answer
// carries: one year (catalogue DG-02; RFC 6797 §6.1). No includeSubDomains:
// the issuer's parent domain may serve other hosts this server does not
// speak for.
const HSTSValue = "max-age=31536000"

// overHTTPS reports whether r reached the client over HTTPS: served TLS
// here, or forwarded by a trusted proxy that says https — or says nothing
// when the issuer is https (the proxy terminates TLS). A plain-HTTP request
// from anyone else never counts, whatever its headers claim (RFC 6797 §7.2:
// no STS header over plain HTTP).
func (s *Server) overHTTPS(r *http.Request, o Origin) bool {
	if r.TLS != nil || o.Scheme == "https" {
		return true
	}
	return s.HTTPSIssuer && s.Proxies.trusts(remoteIP(r.RemoteAddr)) && len(r.Header.Values("X-Forwarded-Proto")) == 0
}

// withLoopbackOnly refuses, when s.LoopbackOnly names a development switch,
// every request whose client (resolved through the trusted proxies) is not
// on this machine (catalogue DG-01): a dev user without a password, approval
// without asking or SigV4 without signatures must never serve anyone else,
// whatever the listen address or proxy in front.
func (s *Server) withLoopbackOnly(next http.Handler) http.Handler {
	if s.LoopbackOnly == "" {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if a := ClientIP(r); !a.IsValid() || !a.IsLoopback() {
			s.Logger.WarnContext(r.Context(), "refused a request from another machine: a development switch is on",
				"switch", s.LoopbackOnly, "client", a.String())
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.WriteHeader(http.StatusForbidden)
			io.WriteString(w, "this server runs in development mode and answers only on this machine\n")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// handleMetrics serves the Prometheus metrics on the public listener, to
// clients on this machine only (catalogue DG-03: the login counters and
// request rates are not for the internet); anyone else gets the 404 an
// unknown path gets. A Prometheus elsewhere scrapes MetricsHandler on its
// own listener (signet serve --metrics-addr), and then the public listener
// has no /metrics at all (MetricsElsewhere).
func (s *Server) handleMetrics(w http.ResponseWriter, r *http.Request) {
	if a := ClientIP(r); !a.IsValid() || !a.IsLoopback() {
		http.NotFound(w, r)
		return
	}
	s.MetricsHandler().ServeHTTP(w, r)
}

// MetricsHandler serves s.Gatherer in the Prometheus exposition format, for
// a listener of its own.
func (s *Server) MetricsHandler() http.Handler {
	return promhttp.HandlerFor(s.Gatherer, promhttp.HandlerOpts{})
}
