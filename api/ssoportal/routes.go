package ssoportal

import (
	"net/http"
)

// Operation names, for the log.
const (
	opGetRoleCredentials = "GetRoleCredentials"
	opListAccounts       = "ListAccounts"
	opListAccountRoles   = "ListAccountRoles"
	opLogout             = "Logout"
)

// route is one method and path this package serves.
type route struct {
	method, path string
	handler      http.HandlerFunc
}

// routes lists every operation of the portal (the botocore model
// sso/2019-06-10). POST /logout is listed but mounted by WithLogout, since
// the browser sign-out of package web has the same method and path.
func (h *Handler) routes() []route {
	return []route{
		{"GET", "/federation/credentials", h.getRoleCredentials},
		{"GET", "/assignment/accounts", h.listAccounts},
		{"GET", "/assignment/roles", h.listAccountRoles},
		{"POST", "/logout", h.logout},
	}
}

// Mount registers every route but POST /logout on mux (see WithLogout).
func (h *Handler) Mount(mux *http.ServeMux) {
	if h.Engine == nil || h.Users == nil || h.Credentials == nil || h.Clock == nil || h.Rand == nil {
		panic("ssoportal: Handler needs Engine, Users, Credentials, Clock and Rand")
	}
	for _, rt := range h.routes() {
		if rt.path == "/logout" {
			continue
		}
		mux.Handle(rt.method+" "+rt.path, h.frame(rt.handler))
	}
}

// WithLogout returns a handler that serves the portal's Logout for POST
// /logout requests carrying the x-amz-sso_bearer_token header and passes
// everything else to next (the server's mux, where the browser sign-out
// lives). A browser form post cannot carry that header, and the SDKs always
// send it (the model's accessToken is required), so the two never meet.
func (h *Handler) WithLogout(next http.Handler) http.Handler {
	logout := h.frame(http.HandlerFunc(h.logout))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/logout" && len(r.Header.Values(tokenHeader)) > 0 {
			logout.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}
