package ssoportal

import (
	"net/http"

	"github.com/signet-auth/signet/httpserver"
)

// Operation names, for the log.
const (
	opGetRoleCredentials = "GetRoleCredentials"
	opListAccounts       = "ListAccounts"
	opListAccountRoles   = "ListAccountRoles"
	opLogout             = "Logout"
)

// Surface names this package in the server's route listing.
const Surface = "ssoportal"

// Routes lists every operation of the portal (the botocore model
// sso/2019-06-10). POST /logout is served ahead of the mux by WithLogout,
// since the browser sign-out of package web has the same method and path.
// It panics without Engine, Users, Credentials, Clock and Rand.
func (h *Handler) Routes() httpserver.Table {
	if h.Engine == nil || h.Users == nil || h.Credentials == nil || h.Clock == nil || h.Rand == nil {
		panic("ssoportal: Handler needs Engine, Users, Credentials, Clock and Rand")
	}
	return httpserver.Table{Surface: Surface, Wrap: h.frame, Routes: []httpserver.Route{
		{Method: "GET", Path: "/federation/credentials", Handler: http.HandlerFunc(h.getRoleCredentials)},
		{Method: "GET", Path: "/assignment/accounts", Handler: http.HandlerFunc(h.listAccounts)},
		{Method: "GET", Path: "/assignment/roles", Handler: http.HandlerFunc(h.listAccountRoles)},
		{Method: "POST", Path: "/logout", Handler: http.HandlerFunc(h.logout), ViaWrap: true},
	}}
}

// Mount registers every route but POST /logout on mux (see WithLogout).
func (h *Handler) Mount(mux *http.ServeMux) { h.Routes().Mount(mux) }

// WithLogout returns a handler that serves the portal's Logout for POST
// /logout requests carrying the x-amz-sso_bearer_token header and passes
// everything else to next (the server's mux, where the browser sign-out
// lives). A browser form post cannot carry that header, and the SDKs always
// send it (the model's accessToken is required), so the two never meet.
func (h *Handler) WithLogout(next http.Handler) http.Handler {
	logout := h.frame(http.HandlerFunc(h.logout))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/logout" && len(r.Header.Values(tokenHeader)) > 0 {
			httpserver.ServedAs(r, "POST /logout")
			logout.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}
