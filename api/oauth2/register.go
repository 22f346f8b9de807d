package oauth2

import (
	"crypto/subtle"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/authserver"
	"github.com/signet-auth/signet/ratelimit"
)

// registrationRequest is the part of RFC 7591 §2 client metadata this
// server takes; other members are ignored (§2: unknown metadata).
type registrationRequest struct {
	ClientName              string   `json:"client_name"`
	RedirectURIs            []string `json:"redirect_uris"`
	GrantTypes              []string `json:"grant_types"`
	Scope                   string   `json:"scope"`
	TokenEndpointAuthMethod string   `json:"token_endpoint_auth_method"`
}

// registrationResponse is RFC 7591 §3.2.1.
type registrationResponse struct {
	ClientID                string   `json:"client_id"`
	ClientSecret            string   `json:"client_secret,omitempty"`
	ClientIDIssuedAt        int64    `json:"client_id_issued_at"`
	ClientSecretExpiresAt   int64    `json:"client_secret_expires_at"`
	ClientName              string   `json:"client_name"`
	RedirectURIs            []string `json:"redirect_uris,omitempty"`
	GrantTypes              []string `json:"grant_types"`
	Scope                   string   `json:"scope,omitempty"`
	TokenEndpointAuthMethod string   `json:"token_endpoint_auth_method"`
}

// register serves POST /oauth2/register (RFC 7591 §3) when
// Handler.Registration is set. It registers the same dynamic public
// clients as SSO OIDC RegisterClient, through the engine: PKCE protects
// their codes, the secret they get back authenticates them with
// client_secret_basic or client_secret_post, and they expire with it.
// Errors are RFC 7591 §3.2.2's.
func (h *Handler) register(w http.ResponseWriter, r *http.Request) {
	if e := h.Limiter.Request(r, ratelimit.ClassRegister, ""); e != nil {
		h.writeError(w, r, e, false) // 429 with Retry-After (catalogue RL-03)
		return
	}
	if !h.Registration.authorized(r) {
		// RFC 7591 §3: the initial access token is an RFC 6750 bearer
		// token; a missing or wrong one is invalid_token with 401.
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		noStore(w)
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_token",
			"error_description": "Registration needs a valid initial access token."})
		return
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" || r.URL.RawQuery != "" {
		h.writeError(w, r, errInvalidRequest("The request must be a JSON body without query parameters."), false)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBodyBytes+1))
	if err != nil || len(body) > MaxBodyBytes {
		h.writeError(w, r, &signet.Error{Code: signet.CodeInvalidRequest, Message: "The request body is too large.", Err: errTooLarge}, false)
		return
	}
	var req registrationRequest
	if err := json.Unmarshal(body, &req); err != nil {
		h.writeError(w, r, &signet.Error{Code: signet.CodeInvalidClientMetadata, Message: "The client metadata is not a valid JSON object."}, false)
		return
	}
	method := req.TokenEndpointAuthMethod
	if method == "" {
		method = authBasic // RFC 7591 §2 default
	}
	if method != authBasic && method != authPost {
		h.writeError(w, r, &signet.Error{Code: signet.CodeInvalidClientMetadata,
			Message: "token_endpoint_auth_method must be client_secret_basic or client_secret_post."}, false)
		return
	}
	sc := scopes(req.Scope)
	if allowed := h.Registration.Scopes; len(allowed) > 0 {
		for _, s := range sc {
			if !slices.Contains(allowed, s) {
				h.writeError(w, r, &signet.Error{Code: signet.CodeInvalidClientMetadata, Message: "A scope is not offered to registered clients."}, false)
				return
			}
		}
	}
	grants := req.GrantTypes
	if len(grants) == 0 {
		grants = []string{signet.GrantAuthorizationCode} // RFC 7591 §2 default
	}
	if e := h.Registration.allows(grants, req.RedirectURIs); e != nil {
		h.writeError(w, r, e, false)
		return
	}
	ic, err := h.Engine.RegisterClient(r.Context(), authserver.Registration{
		ClientName: req.ClientName, ClientType: string(signet.ClientPublic),
		RedirectURIs: req.RedirectURIs, GrantTypes: grants, Scopes: sc,
	})
	if err != nil {
		h.writeError(w, r, err, false)
		return
	}
	c := ic.Client
	noStore(w)
	writeJSON(w, http.StatusCreated, registrationResponse{
		ClientID: c.ID, ClientSecret: ic.Secret, ClientIDIssuedAt: c.CreatedAt.Unix(),
		ClientSecretExpiresAt: c.SecretExpiresAt.Unix(), ClientName: c.Name,
		RedirectURIs: c.RedirectURIs, GrantTypes: c.GrantTypes, Scope: req.Scope,
		TokenEndpointAuthMethod: method,
	})
}

// authorized reports whether r carries the initial access token, if one is
// required; the comparison takes the same time wherever it differs.
func (p *Registration) authorized(r *http.Request) bool {
	if p.InitialAccessToken == "" {
		return true
	}
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return ok && len(r.Header.Values("Authorization")) == 1 &&
		subtle.ConstantTimeCompare([]byte(tok), []byte(p.InitialAccessToken)) == 1
}

// allows checks the operator's policy on grant types and redirect hosts;
// the engine checks everything else about the metadata.
func (p *Registration) allows(grants, redirects []string) *signet.Error {
	if len(p.GrantTypes) > 0 {
		for _, g := range grants {
			if !slices.Contains(p.GrantTypes, g) {
				return &signet.Error{Code: signet.CodeInvalidClientMetadata, Message: "A grant type is not offered to registered clients."}
			}
		}
	}
	if len(p.RedirectHosts) > 0 {
		for _, raw := range redirects {
			u, err := url.Parse(raw)
			if err != nil {
				continue // the engine refuses it as invalid_redirect_uri
			}
			if u.Scheme == "http" || slices.Contains(p.RedirectHosts, u.Hostname()) {
				continue // http is loopback only, which the engine checks
			}
			return &signet.Error{Code: signet.CodeInvalidRedirectURI, Message: "A redirect URI names a host registered clients may not use."}
		}
	}
	return nil
}
