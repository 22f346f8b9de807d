package oauth2

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/authserver"
	"github.com/signet-auth/signet/dpop"
)

// userinfo serves GET and POST /userinfo (OIDC Core §5.3): the claims of
// the user an access token was issued for. The token comes in the
// Authorization header only (RFC 6750 §2.1; never in a URL). A DPoP-bound
// token needs the DPoP scheme and a proof from the bound key that carries
// the token's hash (RFC 9449 §7); a Bearer presentation of a bound token
// is refused (RFC 9449 §7.2). The token must have been granted openid.
func (h *Handler) userinfo(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	token = strings.TrimSpace(token)
	isDPoP := strings.EqualFold(scheme, tokenTypeDPoP)
	if (!isDPoP && !strings.EqualFold(scheme, tokenTypeBearer)) || token == "" || len(r.Header.Values("Authorization")) != 1 {
		h.challenge(w, r, isDPoP, http.StatusUnauthorized, "", errors.New("no access token"))
		return
	}
	t, err := h.Engine.LookupToken(ctx, authserver.TokenLookup{Token: token})
	sess := t.Session
	switch {
	case signet.ErrorCodeOf(err) == signet.CodeInvalidGrant:
		h.challenge(w, r, isDPoP, http.StatusUnauthorized, codeInvalidToken, err)
		return
	case err != nil:
		h.writeError(w, r, unavailable(err), false)
		return
	case sess.UserID == "":
		h.challenge(w, r, isDPoP, http.StatusUnauthorized, codeInvalidToken, errors.New("token has no user"))
		return
	}
	bound := sess.DPoPJKT != ""
	if bound != isDPoP {
		h.challenge(w, r, bound, http.StatusUnauthorized, codeInvalidToken, fmt.Errorf("token bound: %v, presented as %s", bound, scheme))
		return
	}
	if bound {
		if h.DPoP == nil {
			h.challenge(w, r, true, http.StatusUnauthorized, codeInvalidToken, errors.New("DPoP is off"))
			return
		}
		jkt, err := h.verifyDPoP(ctx, r, pathUserinfo, token)
		if err == nil && jkt != sess.DPoPJKT {
			err = &signet.Error{Code: signet.CodeInvalidDPoPProof, Reason: signet.ReasonDPoPKeyMismatch, Message: "The DPoP proof is not from the bound key."}
		}
		if jkt == "" && err == nil {
			err = &signet.Error{Code: signet.CodeInvalidDPoPProof, Message: "A DPoP proof is required."}
		}
		if err != nil {
			h.dpopChallenge(w, r, err)
			return
		}
	}
	if !slices.Contains(sess.Scopes, scopeOpenID) {
		h.challenge(w, r, bound, http.StatusForbidden, "insufficient_scope", errors.New("no openid scope"))
		return
	}
	u, err := h.Users.GetUser(ctx, sess.UserID)
	switch {
	case errors.Is(err, signet.ErrNotFound) || (err == nil && u.Disabled):
		h.challenge(w, r, bound, http.StatusUnauthorized, codeInvalidToken, errors.New("user gone or disabled"))
		return
	case err != nil:
		h.writeError(w, r, unavailable(err), false)
		return
	}
	claims := map[string]any{"sub": u.ID}
	if slices.Contains(sess.Scopes, "profile") {
		claims["preferred_username"] = u.Name
		if u.DisplayName != "" {
			claims["name"] = u.DisplayName
		}
	}
	noStore(w)
	h.offerNonce(w)
	writeJSON(w, http.StatusOK, claims)
}

// challenge answers a resource request with RFC 6750 §3 (or RFC 9449 §7.1
// for the DPoP scheme) WWW-Authenticate; code empty means no error
// attribute (no credentials were sent).
func (h *Handler) challenge(w http.ResponseWriter, r *http.Request, dpopScheme bool, status int, code string, cause error) {
	signet.LoggerOr(h.Log).InfoContext(r.Context(), "oauth2: resource request refused", "path", r.URL.Path, "status", status, "error", code, "cause", cause)
	scheme := tokenTypeBearer
	params := []string{`realm="signet"`}
	if dpopScheme {
		scheme = tokenTypeDPoP
		if h.DPoP != nil {
			params = append(params, `algs="`+strings.Join(h.DPoP.Algorithms(), " ")+`"`)
		}
	}
	if code != "" {
		params = append(params, `error="`+code+`"`)
	}
	noStore(w)
	w.Header().Set("WWW-Authenticate", scheme+" "+strings.Join(params, ", "))
	body := map[string]string{}
	if code != "" {
		body["error"] = code
	}
	writeJSON(w, status, body)
}

// dpopChallenge answers a refused DPoP proof at a resource: 401 with
// error invalid_dpop_proof, or use_dpop_nonce and one DPoP-Nonce header
// (RFC 9449 §7.1, §9).
func (h *Handler) dpopChallenge(w http.ResponseWriter, r *http.Request, err error) {
	e := signet.AsError(err)
	switch e.Code {
	case signet.CodeUseDPoPNonce:
		if nonce, ok := dpop.NonceFromError(err); ok {
			w.Header().Set("DPoP-Nonce", nonce)
		}
		h.challenge(w, r, true, http.StatusUnauthorized, string(signet.CodeUseDPoPNonce), err)
	case signet.CodeInvalidDPoPProof:
		h.challenge(w, r, true, http.StatusUnauthorized, string(signet.CodeInvalidDPoPProof), err)
	default:
		h.writeError(w, r, err, false)
	}
}
