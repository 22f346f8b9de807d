package app

import (
	"net/http"

	"github.com/signet-auth/signet/internal/tracing"
)

// wrap is what goes around the mux inside the middleware: the portal's
// logout, and, with traces on, a server span per request outside it.
func (a *App) wrap() func(http.Handler) http.Handler {
	if a.Tracer == nil {
		return a.Portal.WithLogout
	}
	span := tracing.Middleware(a.Tracer)
	return func(h http.Handler) http.Handler { return span(a.Portal.WithLogout(h)) }
}
