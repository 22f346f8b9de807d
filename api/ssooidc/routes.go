package ssooidc

import (
	"net/http"
	"strings"

	"github.com/signet-auth/signet/api/awsjson"
	"github.com/signet-auth/signet/httpserver"
)

// Operation names, for the log.
const (
	opRegisterClient           = "RegisterClient"
	opStartDeviceAuthorization = "StartDeviceAuthorization"
	opCreateToken              = "CreateToken"
	opCreateTokenWithIAM       = "CreateTokenWithIAM"
)

// Surface names this package in the server's route listing.
const Surface = "ssooidc"

// Routes lists every operation (sso-oidc.md §1). CreateToken and
// CreateTokenWithIAM share POST /token: the IAM variant is the one with the
// aws_iam query parameter, and only it goes through the SigV4 check. Any
// other method on their paths gets 405 in the SSO OIDC error shape
// (catalogue IN-05). It panics without Engine, Issuer and Rand.
func (h *Handler) Routes() httpserver.Table {
	if h.Engine == nil || h.Issuer == "" || h.Rand == nil {
		panic("ssooidc: Handler needs Engine, Issuer and Rand")
	}
	iam := http.Handler(http.HandlerFunc(h.createTokenWithIAM))
	if h.Verifier != nil {
		iam = h.Verifier.Require(SigningName, awsjson.SigV4Error)(iam)
	}
	return httpserver.Table{Surface: Surface, Wrap: h.frame, NotAllowed: methodNotAllowed, Routes: []httpserver.Route{
		{Method: "POST", Path: "/client/register", Handler: http.HandlerFunc(h.registerClient)},
		{Method: "POST", Path: "/device_authorization", Handler: http.HandlerFunc(h.startDeviceAuthorization)},
		{Method: "POST", Path: "/token", Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Query().Has("aws_iam") {
				iam.ServeHTTP(w, r)
				return
			}
			h.createToken(w, r)
		})},
	}}
}

// Mount registers the operations on mux.
func (h *Handler) Mount(mux *http.ServeMux) { h.Routes().Mount(mux) }

func methodNotAllowed(allow []string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		awsjson.WriteError(w, http.StatusMethodNotAllowed, excInvalidRequest,
			map[string]string{"error": "invalid_request", "error_description": "Method not allowed."}, 0)
	})
}
