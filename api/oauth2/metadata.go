package oauth2

import (
	"net/http"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/authserver"
)

// metadata serves RFC 8414 §3 authorization server metadata, and with oidc
// the OpenID Connect Discovery 1.0 §4 document (the same values plus the
// OIDC-only members). Every value derives from the configured issuer and
// the handler's configuration, never from the request (catalogue SD-04:
// RFC 8414 §3.3 requires issuer to be exactly the configured one).
func (h *Handler) metadata(oidc bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		authMethods := []string{authBasic, authPost, authNone}
		confidentialMethods := []string{authBasic, authPost}
		if h.ClientKeys != nil {
			authMethods = append(authMethods, authJWT)
			confidentialMethods = append(confidentialMethods, authJWT)
		}
		m := map[string]any{
			"issuer":                                h.Issuer,
			"authorization_endpoint":                h.url(pathAuthorize),
			"token_endpoint":                        h.url(pathToken),
			"jwks_uri":                              h.url(pathJWKS),
			"userinfo_endpoint":                     h.url(pathUserinfo),
			"device_authorization_endpoint":         h.url(pathDevice),
			"introspection_endpoint":                h.url(pathIntrospect),
			"revocation_endpoint":                   h.url(pathRevoke),
			"response_types_supported":              []string{"code"},
			"response_modes_supported":              []string{"query"},
			"grant_types_supported":                 []string{signet.GrantAuthorizationCode, signet.GrantRefreshToken, signet.GrantDeviceCode, signet.GrantClientCredentials},
			"code_challenge_methods_supported":      []string{"S256"},
			"token_endpoint_auth_methods_supported": authMethods,
			// RFC 7009 §2.1 and RFC 7662 §2.1: revocation takes public
			// clients too; introspection only authenticated callers.
			"revocation_endpoint_auth_methods_supported":    authMethods,
			"introspection_endpoint_auth_methods_supported": confidentialMethods,
			"scopes_supported": []string{scopeOpenID, "profile"},
			"authorization_response_iss_parameter_supported": true, // RFC 9207
		}
		if h.ClientKeys != nil {
			m["token_endpoint_auth_signing_alg_values_supported"] = authserver.AssertionAlgs()
		}
		if h.DPoP != nil {
			m["dpop_signing_alg_values_supported"] = h.DPoP.Algorithms() // RFC 9449 §5.1
		}
		if h.Registration != nil {
			m["registration_endpoint"] = h.url(pathRegister)
		}
		if oidc {
			m["subject_types_supported"] = []string{"public"}
			m["id_token_signing_alg_values_supported"] = []string{"ES256"}
			m["claims_supported"] = []string{"iss", "sub", "aud", "exp", "iat", "auth_time", "amr", "nonce", "at_hash", "name", "preferred_username"}
		}
		w.Header().Set("Cache-Control", "public, max-age=300")
		writeJSON(w, http.StatusOK, m)
	}
}

// jwks serves the public signing keys (RFC 7517 §5): the active key, older
// ones whose tokens may still be live, and a rotated-in key that does not
// sign yet, so that relying parties know it before the first token it signs.
// Only public members appear (catalogue SE-04).
func (h *Handler) jwks(w http.ResponseWriter, r *http.Request) {
	// Short enough that a rotation's publish delay covers a cached copy.
	w.Header().Set("Cache-Control", "public, max-age=60")
	writeJSON(w, http.StatusOK, h.Signer.JWKS())
}
