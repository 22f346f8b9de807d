package web

import (
	"net/http"
	"slices"
	"strings"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/httpserver"
)

// Surface names this package in the server's route listing.
const Surface = "web"

// Routes lists every page. The decision endpoints (/consent,
// /device/decision, /logout) take POST only; any other method gets 405
// (catalogue WB-05: no GET approval). Every response, error pages and 405s
// included, carries the security headers (see securityHeaders).
func (h *Handler) Routes() httpserver.Table {
	r := func(method, path string, f http.HandlerFunc) httpserver.Route {
		return httpserver.Route{Method: method, Path: path, Handler: f}
	}
	return httpserver.Table{Surface: Surface, Wrap: h.securityHeaders, NotAllowed: h.methodNotAllowed, Routes: append([]httpserver.Route{
		// Authorization endpoints: SSO OIDC (aws sso login), plain OAuth 2.0
		// / OIDC, and Sign-In (aws login).
		r("GET", "/authorize", h.authorize(signet.ProtocolSSOOIDC)),
		r("GET", "/oauth2/authorize", h.authorize(signet.ProtocolOAuth2)),
		r("GET", "/v1/authorize", h.authorize(signet.ProtocolSignIn)),
		r("POST", "/consent", h.post(h.consentDecision)),
		// Sign-In cross-device (aws login --remote) shows the code to paste.
		r("GET", "/v1/sessions/confirmation", h.signInConfirmation),

		// Device verification (RFC 8628 §3.3).
		r("GET", "/device", h.deviceForm),
		r("POST", "/device", h.post(h.deviceLookup)),
		r("GET", "/device/confirm", h.deviceConfirm),
		r("POST", "/device/decision", h.post(h.deviceDecision)),

		r("GET", "/login", h.loginForm),
		r("POST", "/login", h.post(h.login)),
		r("POST", "/logout", h.post(h.logout)),
		// Sign-in through an upstream identity provider (federation.go).
		r("GET", "/login/federated/{idp}", h.federatedBegin),
		r("GET", "/login/federated/{idp}/callback", h.federatedCallback),
		// SAML 2.0 providers (saml.go): SP metadata and the ACS.
		r("GET", "/login/federated/{idp}/saml/metadata", h.samlMetadata),
		r("POST", "/login/federated/{idp}/saml/acs", h.samlACS),

		// Second factors (mfa*.go): the sign-in's second step, and the
		// security page where they are enrolled and removed.
		r("GET", "/login/mfa", h.withMFA(h.mfaForm)),
		r("POST", "/login/mfa", h.withMFA(h.post(h.mfaVerify))),
		r("GET", "/mfa", h.withMFA(h.mfaPage)),
		r("POST", "/mfa/totp", h.withMFA(h.post(h.mfaTOTPBegin))),
		r("GET", "/mfa/totp/qr", h.withMFA(h.mfaTOTPQR)),
		r("POST", "/mfa/totp/confirm", h.withMFA(h.post(h.mfaTOTPConfirm))),
		r("POST", "/mfa/recovery", h.withMFA(h.post(h.mfaRecovery))),
		r("POST", "/mfa/remove", h.withMFA(h.post(h.mfaRemove))),
		// Passkeys (passkey.go): JSON for static/webauthn.js.
		r("POST", "/mfa/passkey/options", h.withPasskeys(h.post(h.passkeyRegisterOptions))),
		r("POST", "/mfa/passkey", h.withPasskeys(h.post(h.passkeyRegister))),
		r("POST", "/mfa/passkey/remove", h.withPasskeys(h.post(h.passkeyRemove))),
		r("POST", "/login/passkey/options", h.withPasskeys(h.post(h.passkeyLoginOptions))),
		r("POST", "/login/passkey", h.withPasskeys(h.post(h.passkeyLogin))),

		r("GET", "/static/{file}", h.static),
	}, h.adminRoutes()...)}
}

// Mount registers the pages on mux.
func (h *Handler) Mount(mux *http.ServeMux) { h.Routes().Mount(mux) }

func (h *Handler) methodNotAllowed(methods []string) http.Handler {
	if slices.Contains(methods, "GET") {
		methods = append(slices.Clone(methods), "HEAD")
	}
	allow := strings.Join(methods, ", ")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", allow)
		h.errorPage(w, r, http.StatusMethodNotAllowed, "Method not allowed", "This page cannot be opened that way.")
	})
}
