package oauth2

import (
	"context"
	"net/http"
	"strings"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/authserver"
	"github.com/signet-auth/signet/ratelimit"
)

// inactive is the whole answer for any token the caller may not learn about
// (RFC 7662 §2.2; catalogue SD-01): nothing but active false.
func inactive() map[string]any { return map[string]any{"active": false} }

// introspect serves POST /oauth2/introspect (RFC 7662). Only an
// authenticated client may ask (RFC 7662 §2.1, §4): public clients and
// bad credentials get 401. A token of another client, expired, revoked,
// rotated out or unknown is {"active":false} and nothing more. Refresh
// tokens are introspected too (RFC 7662 §2.1 token_type_hint, which is
// only a hint: the token is found whatever it says), for the client they
// were issued to only.
func (h *Handler) introspect(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	// Confidential callers only; their secret guesses are limited before
	// the secret is checked.
	c, err := h.authenticatedCall(r, pathIntrospect, true, func(credentials) error { return nil })
	if err != nil {
		h.writeError(w, r, err, basicAttempted(r))
		return
	}
	f, creds, client := c.form, c.creds, c.client
	// Per calling client, once it is known: a resource server introspects
	// for many users, and nobody else can spend its budget (catalogue
	// SD-01: against token scanning).
	if e := h.Limiter.Request(r, ratelimit.ClassIntrospect, client.ID); e != nil {
		h.writeError(w, r, e, creds.basic())
		return
	}
	token := f.get("token")
	if token == "" {
		h.writeError(w, r, errInvalidRequest("The token is required."), creds.basic())
		return
	}
	resp, err := h.inspect(ctx, client.ID, token)
	if err != nil {
		h.writeError(w, r, err, creds.basic())
		return
	}
	noStore(w)
	writeJSON(w, http.StatusOK, resp)
}

// inspect answers an introspection for caller. Only a store failure is an
// error.
func (h *Handler) inspect(ctx context.Context, caller, token string) (map[string]any, error) {
	if authserver.LooksSelfContained(token) {
		c, err := h.Engine.LookupSelfContained(token, h.Issuer)
		if err != nil || c.ClientID != caller {
			return inactive(), nil
		}
		out := map[string]any{
			"active": true, "client_id": c.ClientID, "sub": c.Subject, "iss": c.Issuer, "aud": c.Audience,
			"exp": c.Expiry, "iat": c.IssuedAt, "jti": c.ID, "token_type": tokenTypeBearer,
		}
		if c.Scope != "" {
			out["scope"] = c.Scope
		}
		if c.Cnf != nil {
			out["token_type"], out["cnf"] = tokenTypeDPoP, c.Cnf
		}
		return out, nil
	}
	t, err := h.Engine.LookupToken(ctx, authserver.TokenLookup{Token: token, Kinds: authserver.AccessTokens | authserver.RefreshTokens})
	sess, gen := t.Session, t.Tokens
	switch {
	case signet.ErrorCodeOf(err) == signet.CodeInvalidGrant:
		return inactive(), nil
	case err != nil:
		return nil, unavailable(err)
	case sess.ClientID != caller:
		// Another client's token, live or not, is inactive to this caller:
		// no oracle (catalogue SD-01).
		return inactive(), nil
	}
	out := map[string]any{
		"active": true, "client_id": sess.ClientID, "iss": h.Issuer,
		"exp": gen.AccessExpiresAt.Unix(), "iat": gen.IssuedAt.Unix(), "token_type": tokenTypeBearer,
	}
	if t.Refresh {
		// A refresh token is not used with a token type (RFC 7662 §2.2's
		// token_type is RFC 6749 §5.1's, an access token's); it lives
		// until its own end.
		delete(out, "token_type")
		out["exp"] = gen.RefreshExpiresAt.Unix()
	}
	if len(sess.Scopes) > 0 {
		out["scope"] = strings.Join(sess.Scopes, " ")
	}
	if sess.UserID != "" {
		out["sub"] = sess.UserID
		if u, err := h.Users.GetUser(ctx, sess.UserID); err == nil {
			out["username"] = u.Name
		}
	}
	if sess.DPoPJKT != "" {
		// RFC 9449 §6.2, §5: the key the token is bound to.
		out["cnf"] = authserver.Confirmation{JKT: sess.DPoPJKT}
		if !t.Refresh {
			out["token_type"] = tokenTypeDPoP
		}
	}
	return out, nil
}

// revoke serves POST /oauth2/revoke (RFC 7009). The client authenticates
// as at the token endpoint. Revoking a refresh or access token ends its
// whole grant; token_type_hint is only a hint, and the token is found
// whatever it says (RFC 7009 §2.1). An unknown token is 200 (§2.2); a token
// of another client is refused and left alone (catalogue SD-02). A store
// failure is 503 with Retry-After, never 200 (§2.2.1; catalogue SD-03).
// Self-contained client_credentials tokens cannot be revoked:
// unsupported_token_type (§2.2.1).
func (h *Handler) revoke(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	c, err := h.authenticatedCall(r, pathRevoke, false, func(cr credentials) error { return h.guard(r, cr, ratelimit.ClassToken) })
	if err != nil {
		// A store failure while authenticating is 503, never 200 (SD-03).
		h.writeError(w, r, asUnavailable(err), basicAttempted(r))
		return
	}
	f, creds, client := c.form, c.creds, c.client
	token := f.get("token")
	if token == "" {
		h.writeError(w, r, errInvalidRequest("The token is required."), creds.basic())
		return
	}
	if authserver.LooksSelfContained(token) {
		if _, err := h.Engine.LookupSelfContained(token, h.Issuer); err == nil {
			h.writeError(w, r, &signet.Error{Code: codeUnsupportedTokenType,
				Message: "Self-contained access tokens cannot be revoked; they expire."}, creds.basic())
			return
		}
	}
	if err := h.Engine.RevokeToken(ctx, client.ID, token); err != nil {
		h.writeError(w, r, asUnavailable(err), creds.basic())
		return
	}
	noStore(w)
	w.WriteHeader(http.StatusOK)
}

// asUnavailable turns a server-side failure into 503 + Retry-After, for the
// endpoints whose callers must retry rather than assume success.
func asUnavailable(err error) error {
	if signet.ErrorCodeOf(err) == signet.CodeInternal {
		return unavailable(err)
	}
	return err
}
