package signin

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"time"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/api/awsjson"
	"github.com/signet-auth/signet/authserver"
	"github.com/signet-auth/signet/sigv4"
)

// Constraints of the WithIAM operations (models/signin service-2.json).
var tokenPattern = regexp.MustCompile(`^ASO[AR][A-Za-z0-9+/=_\-]+$`)

const (
	maxResource       = 2048
	maxIntrospectable = 4096
	maxIAMLifetime    = time.Hour // CreateOAuth2TokenWithIAM expires_in ≤ 3600
)

// readStrings decodes a flat JSON body of string members with exact names
// (awsjson refuses duplicates, deep nesting and trailing data).
func readStrings(r *http.Request, names ...string) (map[string]string, error) {
	body, err := awsjson.ReadBody(r)
	if err != nil {
		return nil, decodeFailed(err)
	}
	var raw map[string]json.RawMessage
	if err := awsjson.Unmarshal(body, &raw); err != nil {
		return nil, decodeFailed(err)
	}
	out := map[string]string{}
	for _, n := range names {
		v, ok := raw[n]
		if !ok || string(v) == "null" {
			continue
		}
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return nil, invalid("Member " + n + " must be a string.")
		}
		out[n] = s
	}
	return out, nil
}

// iamTokenOutput is CreateOAuth2TokenWithIAMResponseBody.
type iamTokenOutput struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int64  `json:"expires_in"`
}

type iamClaims struct {
	Iss       string `json:"iss"`
	Sub       string `json:"sub"`
	Aud       string `json:"aud"`
	AccountID string `json:"account_id"`
	Iat       int64  `json:"iat"`
	Exp       int64  `json:"exp"`
	JTI       string `json:"jti"`
}

// createWithIAM is CreateOAuth2TokenWithIAM (signin.md §5): a SigV4-signed
// client_credentials grant that hands the caller a bearer JWT for a
// resource, living at most an hour and never past the caller's session.
func (h *Handler) createWithIAM(w http.ResponseWriter, r *http.Request) {
	caller, ok := sigv4.CallerFrom(r.Context())
	if !ok {
		h.writeError(w, r, signet.Internal(errors.New("signin: no SigV4 caller")))
		return
	}
	in, err := readStrings(r, "grant_type", "resource")
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	switch {
	case in["grant_type"] != signet.GrantClientCredentials:
		h.writeError(w, r, invalid("grant_type must be client_credentials."))
		return
	case len(in["resource"]) < 1 || len(in["resource"]) > maxResource:
		h.writeError(w, r, invalid("resource must be 1 to 2048 characters."))
		return
	}
	if ok, err := h.iamAudienceAllowed(r.Context(), in["resource"]); err != nil {
		h.writeError(w, r, signet.Internal(err))
		return
	} else if !ok {
		h.writeError(w, r, invalid("resource must name a resource server, not this server or one of its clients."))
		return
	}
	now := h.Clock.Now()
	exp := now.Add(maxIAMLifetime)
	if id := caller.Principal.SessionID; id != "" {
		sess, err := h.Grants.GetSession(r.Context(), id)
		switch {
		case errors.Is(err, signet.ErrNotFound) || (err == nil && !sess.Live(now)):
			h.writeError(w, r, &signet.Error{Code: signet.CodeExpiredToken, Message: "The session has ended.", Err: err})
			return
		case err != nil:
			h.writeError(w, r, signet.Internal(err))
			return
		}
		exp = earliest(exp, sess.ExpiresAt)
	}
	jti, err := h.jti()
	if err != nil {
		h.writeError(w, r, signet.Internal(err))
		return
	}
	tok, err := h.Signer.SignJWT(iamClaims{
		Iss: h.Issuer, Sub: caller.Principal.ARN, Aud: in["resource"], AccountID: caller.Principal.AccountID,
		Iat: now.Unix(), Exp: exp.Unix(), JTI: jti,
	})
	if err != nil {
		h.writeError(w, r, signet.Internal(err))
		return
	}
	awsjson.WriteJSON(w, http.StatusOK, iamTokenOutput{AccessToken: tok, TokenType: "Bearer", ExpiresIn: min(max(int64(exp.Sub(now)/time.Second), 1), 3600)})
}

func (h *Handler) jti() (string, error) {
	var b [16]byte
	if _, err := io.ReadFull(h.Rand, b[:]); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}

func earliest(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// lookup finds a Sign-In token the caller may see, by the engine's one
// lookup: a live access or refresh token of the Sign-In protocol whose
// session is of the caller's account. Anything else is "not found" (ok
// false), so introspection cannot tell another account's token from a
// garbage one (signin.md §5; catalogue SD-01); err is a store failure.
func (h *Handler) lookup(ctx context.Context, caller sigv4.Caller, token string) (authserver.TokenInfo, bool, error) {
	f, err := h.Engine.LookupToken(ctx, authserver.TokenLookup{
		Token: token, Kinds: authserver.AccessTokens | authserver.RefreshTokens,
		Protocol: signet.ProtocolSignIn, AccountID: caller.Principal.AccountID,
	})
	switch {
	case signet.ErrorCodeOf(err) == signet.CodeInvalidGrant:
		return authserver.TokenInfo{}, false, nil
	case err != nil:
		return authserver.TokenInfo{}, false, err
	}
	return f, true, nil
}

// introspectOutput is IntrospectOAuth2TokenWithIAMResponseBody; an
// inactive token is exactly {"active":false}.
type introspectOutput struct {
	Active        bool   `json:"active"`
	ClientID      string `json:"client_id,omitempty"`
	UserID        string `json:"user_id,omitempty"`
	TokenType     string `json:"token_type,omitempty"`
	Exp           int64  `json:"exp,omitempty"`
	Iat           int64  `json:"iat,omitempty"`
	Nbf           int64  `json:"nbf,omitempty"`
	Sub           string `json:"sub,omitempty"`
	Aud           string `json:"aud,omitempty"`
	Iss           string `json:"iss,omitempty"`
	JTI           string `json:"jti,omitempty"`
	AccountID     string `json:"account_id,omitempty"`
	SigninSession string `json:"signin_session,omitempty"`
}

// introspect is IntrospectOAuth2TokenWithIAM (RFC 7662 over SigV4).
func (h *Handler) introspect(w http.ResponseWriter, r *http.Request) {
	caller, _ := sigv4.CallerFrom(r.Context())
	in, err := readStrings(r, "token", "token_type_hint")
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	tok := in["token"]
	if len(tok) > maxIntrospectable || !tokenPattern.MatchString(tok) {
		h.writeError(w, r, invalid("token is not a Sign-In token."))
		return
	}
	if hint, ok := in["token_type_hint"]; ok && hint != "access_token" && hint != "refresh_token" {
		h.writeError(w, r, invalid("token_type_hint must be access_token or refresh_token."))
		return
	}
	f, ok, err := h.lookup(r.Context(), caller, tok)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	if !ok {
		awsjson.WriteJSON(w, http.StatusOK, introspectOutput{})
		return
	}
	p, err := h.principal(r.Context(), f.Session)
	switch {
	case signet.ErrorCodeOf(err) == signet.CodeInvalidGrant:
		awsjson.WriteJSON(w, http.StatusOK, introspectOutput{}) // the user is gone
		return
	case err != nil:
		// The store could not say: a 5xx, never an "inactive" the resource
		// server would act on (catalogue CC-06, SD-03).
		h.writeError(w, r, err)
		return
	}
	out := introspectOutput{
		Active: true, ClientID: f.Session.ClientID, UserID: p.UserID, TokenType: "access_token",
		Exp: f.Tokens.AccessExpiresAt.Unix(), Iat: f.Tokens.IssuedAt.Unix(), Nbf: f.Tokens.IssuedAt.Unix(),
		Sub: p.ARN, Aud: f.Session.ClientID, Iss: h.Issuer, JTI: f.Session.ID + "." + strconv.FormatInt(f.Tokens.Generation, 10),
		AccountID: p.AccountID, SigninSession: "arn:aws:signin:" + caller.Region + ":" + p.AccountID + ":session/" + f.Session.ID,
	}
	if f.Refresh {
		out.TokenType, out.Exp = "refresh_token", f.Tokens.RefreshExpiresAt.Unix()
	}
	awsjson.WriteJSON(w, http.StatusOK, out)
}

// revoke is RevokeOAuth2TokenWithIAM (RFC 7009 over SigV4): 200 with an
// empty body for any refresh token, known or not; a token of the caller's
// account ends its session, and the session's credentials stop verifying
// at once. A store failure is a 500, never a 200 (catalogue SD-03).
func (h *Handler) revoke(w http.ResponseWriter, r *http.Request) {
	caller, _ := sigv4.CallerFrom(r.Context())
	in, err := readStrings(r, "token")
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	tok := in["token"]
	if len(tok) > maxRefreshToken || !tokenPattern.MatchString(tok) {
		h.writeError(w, r, invalid("token is not a Sign-In refresh token."))
		return
	}
	f, ok, err := h.lookup(r.Context(), caller, tok)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	if ok && f.Refresh {
		if err := h.Engine.RevokeToken(r.Context(), f.Session.ClientID, tok); err != nil {
			h.writeError(w, r, err)
			return
		}
		h.Credentials.ForgetSession(f.Session.ID)
	}
	writeEmpty(w)
}

// writeEmpty writes a 200 with no body and the dialect's headers.
func writeEmpty(w http.ResponseWriter) {
	hd := w.Header()
	hd.Set("Cache-Control", "no-store")
	hd.Set("Pragma", "no-cache")
	hd.Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
}
