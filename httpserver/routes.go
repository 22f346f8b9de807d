package httpserver

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// routes lists everything the server answers. Operations endpoints are
// here (RouteTable lists them too); each API surface adds its own routes
// through its route table, in the order of s.Mounts.
func (s *Server) routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /healthz", s.handleHealthz)
	mux.HandleFunc("GET /readyz", s.handleReadyz)
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.Gatherer, promhttp.HandlerOpts{}))

	for _, m := range s.Mounts {
		m.Routes().Mount(mux)
	}
}
