package httpserver

import "net/http"

// routes lists everything the server answers. Operations endpoints are
// here (RouteTable lists them too); each API surface adds its own routes
// through its route table, in the order of s.Mounts.
func (s *Server) routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /healthz", s.handleHealthz)
	mux.HandleFunc("GET /readyz", s.handleReadyz)
	if !s.MetricsElsewhere {
		mux.HandleFunc("GET /metrics", s.handleMetrics)
	}

	for _, m := range s.Mounts {
		m.Routes().Mount(mux)
	}
}
