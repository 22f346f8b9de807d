package oauth2

import (
	"net/http"
	"strings"
)

// Paths this package serves. /token, /client/register,
// /device_authorization and /logout belong to SSO OIDC and the pages;
// /oauth2/authorize to package web.
const (
	pathMetadata     = "/.well-known/oauth-authorization-server"
	pathOIDCMetadata = "/.well-known/openid-configuration"
	pathJWKS         = "/.well-known/jwks.json"
	pathAuthorize    = "/oauth2/authorize" // served by package web
	pathToken        = "/oauth2/token"
	pathDevice       = "/oauth2/device_authorization"
	pathIntrospect   = "/oauth2/introspect"
	pathRevoke       = "/oauth2/revoke"
	pathRegister     = "/oauth2/register"
	pathUserinfo     = "/userinfo"
)

// route is one method and path this package serves.
type route struct {
	method, path string
	handler      http.HandlerFunc
}

// routes lists every endpoint.
func (h *Handler) routes() []route {
	rs := []route{
		{"GET", pathMetadata, h.metadata(false)},
		{"GET", pathOIDCMetadata, h.metadata(true)},
		{"GET", pathJWKS, h.jwks},
		{"POST", pathToken, h.token},
		{"POST", pathDevice, h.deviceAuthorization},
		{"POST", pathIntrospect, h.introspect},
		{"POST", pathRevoke, h.revoke},
		// OIDC Core §5.3.1: the UserInfo endpoint takes GET and POST.
		{"GET", pathUserinfo, h.userinfo},
		{"POST", pathUserinfo, h.userinfo},
	}
	if h.Registration != nil {
		rs = append(rs, route{"POST", pathRegister, h.register})
	}
	return rs
}

// Mount registers the endpoints on mux. Any other method on their paths
// gets 405 with an RFC 6749 error body (catalogue IN-05).
func (h *Handler) Mount(mux *http.ServeMux) {
	if err := h.check(); err != nil {
		panic(err)
	}
	allowed := map[string][]string{}
	for _, rt := range h.routes() {
		mux.Handle(rt.method+" "+rt.path, rt.handler)
		allowed[rt.path] = append(allowed[rt.path], rt.method)
	}
	for path, methods := range allowed {
		mux.Handle(path, methodNotAllowed(methods))
	}
}

func methodNotAllowed(methods []string) http.HandlerFunc {
	allow := strings.Join(methods, ", ")
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", allow)
		noStore(w)
		writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "invalid_request", "error_description": "Method not allowed."})
	}
}
