package ssooidc

import (
	"net/http"

	"github.com/signet-auth/signet/api/awsjson"
)

// Operation names, for the log.
const (
	opRegisterClient           = "RegisterClient"
	opStartDeviceAuthorization = "StartDeviceAuthorization"
	opCreateToken              = "CreateToken"
	opCreateTokenWithIAM       = "CreateTokenWithIAM"
)

// route is one method and path this package serves.
type route struct {
	method, path string
	handler      http.Handler
}

// routes lists every operation (sso-oidc.md §1). CreateToken and
// CreateTokenWithIAM share POST /token: the IAM variant is the one with the
// aws_iam query parameter, and only it goes through the SigV4 check.
func (h *Handler) routes() []route {
	iam := http.Handler(http.HandlerFunc(h.createTokenWithIAM))
	if h.Verifier != nil {
		iam = h.Verifier.Require(SigningName, awsjson.SigV4Error)(iam)
	}
	return []route{
		{"POST", "/client/register", http.HandlerFunc(h.registerClient)},
		{"POST", "/device_authorization", http.HandlerFunc(h.startDeviceAuthorization)},
		{"POST", "/token", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Query().Has("aws_iam") {
				iam.ServeHTTP(w, r)
				return
			}
			h.createToken(w, r)
		})},
	}
}

// Mount registers the operations on mux. Any other method on their paths
// gets 405 in the SSO OIDC error shape (catalogue IN-05).
func (h *Handler) Mount(mux *http.ServeMux) {
	if h.Engine == nil || h.Issuer == "" || h.Rand == nil {
		panic("ssooidc: Handler needs Engine, Issuer and Rand")
	}
	for _, rt := range h.routes() {
		mux.Handle(rt.method+" "+rt.path, h.frame(rt.handler))
		mux.Handle(rt.path, h.frame(methodNotAllowed(rt.method)))
	}
}

func methodNotAllowed(allow string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", allow)
		awsjson.WriteError(w, http.StatusMethodNotAllowed, excInvalidRequest,
			map[string]string{"error": "invalid_request", "error_description": "Method not allowed."}, 0)
	}
}
