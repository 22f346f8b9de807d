package web

import (
	"net/http"
	"slices"
	"strings"

	"github.com/signet-auth/signet"
)

// route is one method and path this package serves.
type route struct {
	method, path string
	handler      http.HandlerFunc
}

// routes lists every page. The decision endpoints (/consent,
// /device/decision, /logout) take POST only; any other method gets 405
// from the fallback Mount adds (catalogue WB-05: no GET approval).
func (h *Handler) routes() []route {
	return []route{
		// Authorization endpoints: SSO OIDC (aws sso login), plain OAuth 2.0
		// / OIDC, and Sign-In (aws login).
		{"GET", "/authorize", h.authorize(signet.ProtocolSSOOIDC)},
		{"GET", "/oauth2/authorize", h.authorize(signet.ProtocolOAuth2)},
		{"GET", "/v1/authorize", h.authorize(signet.ProtocolSignIn)},
		{"POST", "/consent", h.post(h.consentDecision)},
		// Sign-In cross-device (aws login --remote) shows the code to paste.
		{"GET", "/v1/sessions/confirmation", h.signInConfirmation},

		// Device verification (RFC 8628 §3.3).
		{"GET", "/device", h.deviceForm},
		{"POST", "/device", h.post(h.deviceLookup)},
		{"GET", "/device/confirm", h.deviceConfirm},
		{"POST", "/device/decision", h.post(h.deviceDecision)},

		{"GET", "/login", h.loginForm},
		{"POST", "/login", h.post(h.login)},
		{"POST", "/logout", h.post(h.logout)},

		{"GET", "/static/{file}", h.static},
	}
}

// Mount registers the pages on mux. Every response, error pages and 405s
// included, carries the security headers (see securityHeaders).
func (h *Handler) Mount(mux *http.ServeMux) {
	allowed := map[string][]string{}
	for _, rt := range h.routes() {
		mux.Handle(rt.method+" "+rt.path, h.securityHeaders(rt.handler))
		allowed[rt.path] = append(allowed[rt.path], rt.method)
	}
	for path, methods := range allowed {
		mux.Handle(path, h.securityHeaders(h.methodNotAllowed(methods)))
	}
}

func (h *Handler) methodNotAllowed(methods []string) http.HandlerFunc {
	if slices.Contains(methods, "GET") {
		methods = append(slices.Clone(methods), "HEAD")
	}
	allow := strings.Join(methods, ", ")
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", allow)
		h.errorPage(w, r, http.StatusMethodNotAllowed, "Method not allowed", "This page cannot be opened that way.")
	}
}
