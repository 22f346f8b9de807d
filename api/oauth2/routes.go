package oauth2

import (
	"net/http"
	"strings"

	"github.com/signet-auth/signet/httpserver"
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

// Surface names this package in the server's route listing.
const Surface = "oauth2"

// Routes lists every endpoint. Any other method on their paths gets 405
// with an RFC 6749 error body (catalogue IN-05). It panics if the Handler
// lacks a required field: the server cannot run without it.
func (h *Handler) Routes() httpserver.Table {
	if err := h.check(); err != nil {
		panic(err)
	}
	rs := []httpserver.Route{
		{Method: "GET", Path: pathMetadata, Handler: h.metadata(false)},
		{Method: "GET", Path: pathOIDCMetadata, Handler: h.metadata(true)},
		{Method: "GET", Path: pathJWKS, Handler: http.HandlerFunc(h.jwks)},
		{Method: "POST", Path: pathToken, Handler: http.HandlerFunc(h.token)},
		{Method: "POST", Path: pathDevice, Handler: http.HandlerFunc(h.deviceAuthorization)},
		{Method: "POST", Path: pathIntrospect, Handler: http.HandlerFunc(h.introspect)},
		{Method: "POST", Path: pathRevoke, Handler: http.HandlerFunc(h.revoke)},
		// OIDC Core §5.3.1: the UserInfo endpoint takes GET and POST.
		{Method: "GET", Path: pathUserinfo, Handler: http.HandlerFunc(h.userinfo)},
		{Method: "POST", Path: pathUserinfo, Handler: http.HandlerFunc(h.userinfo)},
	}
	if h.Registration != nil {
		rs = append(rs, httpserver.Route{Method: "POST", Path: pathRegister, Handler: http.HandlerFunc(h.register)})
	}
	return httpserver.Table{Surface: Surface, Routes: rs, NotAllowed: methodNotAllowed}
}

// Mount registers the endpoints on mux.
func (h *Handler) Mount(mux *http.ServeMux) { h.Routes().Mount(mux) }

func methodNotAllowed(methods []string) http.Handler {
	allow := strings.Join(methods, ", ")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", allow)
		noStore(w)
		writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "invalid_request", "error_description": "Method not allowed."})
	})
}
