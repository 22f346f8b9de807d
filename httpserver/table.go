package httpserver

import (
	"net/http"
	"slices"
)

// Route is one method and path a surface serves. A route the surface serves
// ahead of the mux (see Server.Wrap) is listed with ViaWrap and not
// registered on the mux.
type Route struct {
	Method, Path string
	Handler      http.Handler
	ViaWrap      bool
}

// Table is one surface's routes: what Mount registers, and what the route
// listing shows.
type Table struct {
	Surface string // a short name: "web", "ssooidc", ...
	Routes  []Route
	// Wrap, if set, goes around every handler the table registers, the
	// 405 fallback included (framing headers, panic recovery).
	Wrap func(http.Handler) http.Handler
	// NotAllowed, if set, answers any other method on a path of the table
	// with 405; allow lists the path's methods in table order. Nil: no
	// fallback (the mux's own 405 or 404 applies).
	NotAllowed func(allow []string) http.Handler
}

// Mount registers the routes on mux, then one fallback per path.
func (t Table) Mount(mux *http.ServeMux) {
	wrap := t.Wrap
	if wrap == nil {
		wrap = func(h http.Handler) http.Handler { return h }
	}
	var paths []string
	allowed := map[string][]string{}
	for _, rt := range t.Routes {
		if rt.ViaWrap {
			continue
		}
		mux.Handle(rt.Method+" "+rt.Path, wrap(rt.Handler))
		if _, seen := allowed[rt.Path]; !seen {
			paths = append(paths, rt.Path)
		}
		allowed[rt.Path] = append(allowed[rt.Path], rt.Method)
	}
	if t.NotAllowed == nil {
		return
	}
	for _, p := range paths {
		mux.Handle(p, wrap(t.NotAllowed(slices.Clone(allowed[p]))))
	}
}

// Mounter is an API surface: its route table.
type Mounter interface {
	Routes() Table
}

// RouteInfo is one line of the server's route listing.
type RouteInfo struct {
	Method, Path, Surface string
	ViaWrap               bool // served by the surface ahead of the mux
}

// opsSurface names the operations endpoints in the listing.
const opsSurface = "ops"

// RouteTable lists every route the server answers, operations endpoints
// first, then each surface's in mount order.
func (s *Server) RouteTable() []RouteInfo {
	out := []RouteInfo{
		{Method: "GET", Path: "/healthz", Surface: opsSurface},
		{Method: "GET", Path: "/readyz", Surface: opsSurface},
	}
	if !s.MetricsElsewhere {
		out = append(out, RouteInfo{Method: "GET", Path: "/metrics", Surface: opsSurface})
	}
	for _, m := range s.Mounts {
		t := m.Routes()
		for _, rt := range t.Routes {
			out = append(out, RouteInfo{Method: rt.Method, Path: rt.Path, Surface: t.Surface, ViaWrap: rt.ViaWrap})
		}
	}
	return out
}
