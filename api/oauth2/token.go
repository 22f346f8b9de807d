package oauth2

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/authserver"
	"github.com/signet-auth/signet/dpop"
	"github.com/signet-auth/signet/ratelimit"
)

// Token types (RFC 6750, RFC 9449 §5).
const (
	tokenTypeBearer = "Bearer"
	tokenTypeDPoP   = "DPoP"
)

// scopeOpenID asks for an ID token (OIDC Core §3.1.2.1).
const scopeOpenID = "openid"

// tokenResponse is RFC 6749 §5.1 plus OIDC Core §3.1.3.3's id_token.
type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
	RefreshToken string `json:"refresh_token,omitempty"`
	Scope        string `json:"scope,omitempty"`
	IDToken      string `json:"id_token,omitempty"`
}

// idClaims are an ID token's claims (OIDC Core §2).
type idClaims struct {
	Issuer   string `json:"iss"`
	Subject  string `json:"sub"`
	Audience string `json:"aud"`
	Expiry   int64  `json:"exp"`
	IssuedAt int64  `json:"iat"`
	AuthTime int64  `json:"auth_time,omitempty"`
	// AMR: how the user authenticated (OIDC Core §2, RFC 8176 values).
	AMR    []string `json:"amr,omitempty"`
	Nonce  string   `json:"nonce,omitempty"`
	AtHash string   `json:"at_hash,omitempty"`
}

// basicAttempted reports whether the request carries HTTP Basic
// credentials, for the 401 challenge of errors found before they are parsed.
func basicAttempted(r *http.Request) bool {
	scheme, _, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	return strings.EqualFold(scheme, "Basic")
}

// token serves POST /oauth2/token (RFC 6749 §3.2).
func (h *Handler) token(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	f, ferr := readForm(r)
	if ferr != nil {
		h.writeError(w, r, ferr, basicAttempted(r))
		return
	}
	creds, cerr := clientCredentials(r, f)
	if cerr != nil {
		h.writeError(w, r, cerr, basicAttempted(r))
		return
	}
	grantType := f.get("grant_type")
	if grantType == "" {
		h.writeError(w, r, errInvalidRequest("The grant_type is required."), creds.basic())
		return
	}
	// The client's bucket is keyed by the grant; a retry of it is free (AB-02).
	r = r.WithContext(ratelimit.WithGrant(ratelimit.WithDeviceCode(ctx, f.get("device_code")), f.get("refresh_token")+f.get("code")))
	if err := h.guard(r, creds, ratelimit.ClassToken); err != nil {
		h.writeError(w, r, err, creds.basic())
		return
	}
	jkt, err := h.verifyDPoP(ctx, r, pathToken, "")
	if err != nil {
		h.writeError(w, r, err, creds.basic())
		return
	}
	resp, err := h.engineGrant(ctx, creds, h.Limiter.Origin(r), f, grantType, jkt)
	if err != nil {
		h.writeError(w, r, err, creds.basic())
		return
	}
	noStore(w)
	h.offerNonce(w)
	writeJSON(w, http.StatusOK, resp)
}

// engineGrant has the engine's dispatcher run the grant, client
// authentication included, and renders its answer.
func (h *Handler) engineGrant(ctx context.Context, creds credentials, origin string, f form, grantType, jkt string) (tokenResponse, error) {
	tr := authserver.TokenRequest{
		Protocol: signet.ProtocolOAuth2, GrantType: grantType,
		Client: h.credential(creds, pathToken), Origin: origin, Issuer: h.Issuer,
		Code: f.get("code"), RedirectURI: f.get("redirect_uri"), CodeVerifier: f.get("code_verifier"),
		RefreshToken: f.get("refresh_token"), DeviceCode: f.get("device_code"),
		Scopes: scopes(f.get("scope")), DPoPJKT: jkt,
	}
	if grantType == signet.GrantAuthorizationCode {
		// RFC 6749 §4.1.3: the code's scope is what was approved; a scope
		// parameter here means nothing and must not narrow or widen it.
		tr.Scopes = nil
	}
	res, err := h.Engine.Token(ctx, tr)
	if err != nil {
		return tokenResponse{}, err
	}
	out := tokenResponse{
		AccessToken: res.AccessToken, TokenType: tokenTypeBearer, ExpiresIn: res.ExpiresInSeconds(),
		RefreshToken: res.RefreshToken, Scope: strings.Join(res.Scopes, " "),
	}
	if res.Session.DPoPJKT != "" {
		out.TokenType = tokenTypeDPoP
	}
	if slices.Contains(res.Scopes, scopeOpenID) && res.UserID != "" {
		nonce := ""
		if grantType == signet.GrantAuthorizationCode {
			// OIDC Core §3.1.3.6: the nonce of the authentication request;
			// ID tokens from a refresh carry none (§12.2).
			nonce = res.Nonce
		}
		if out.IDToken, err = h.idToken(res, nonce); err != nil {
			return tokenResponse{}, signet.Internal(err)
		}
	}
	return out, nil
}

// idToken signs the ID token for a grant (OIDC Core §2, §3.1.3.6).
func (h *Handler) idToken(res authserver.TokenResponse, nonce string) (string, error) {
	now := h.Clock.Now()
	life := h.IDTokenLifetime
	if life <= 0 {
		life = h.Engine.Lifetimes().AccessToken
	}
	c := idClaims{
		Issuer: h.Issuer, Subject: res.UserID, Audience: res.ClientID,
		IssuedAt: now.Unix(), Expiry: now.Add(life).Unix(), Nonce: nonce,
		AtHash: atHash(res.AccessToken), AMR: res.AMR,
	}
	if !res.AuthTime.IsZero() {
		c.AuthTime = res.AuthTime.Unix()
	}
	return h.Signer.SignJWT(c)
}

// atHash is OIDC Core §3.1.3.6's at_hash for an ES256-signed ID token: the
// left half of the SHA-256 of the access token's ASCII, base64url.
func atHash(accessToken string) string {
	sum := sha256.Sum256([]byte(accessToken))
	return base64.RawURLEncoding.EncodeToString(sum[:len(sum)/2])
}

// verifyDPoP checks the request's DPoP proof, if it has one, against the
// URL of path on the configured issuer (never Host; catalogue DP-07) and
// returns the key's thumbprint; "" when there is no proof. accessToken, when
// set, must be hashed into the proof's ath (RFC 9449 §7). With DPoP off the
// header is ignored, and the token type tells the client so.
func (h *Handler) verifyDPoP(ctx context.Context, r *http.Request, path, accessToken string) (string, error) {
	values := r.Header.Values("DPoP")
	if h.DPoP == nil || len(values) == 0 {
		return "", nil
	}
	p, err := h.DPoP.Verify(ctx, dpop.Request{Header: values, Method: r.Method, URL: h.url(path), AccessToken: accessToken})
	if err != nil {
		var e *signet.Error
		if errors.As(err, &e) {
			return "", err
		}
		return "", unavailable(err) // the replay store failed
	}
	return p.JKT, nil
}

// offerNonce sends a fresh DPoP nonce on a success when nonces are on, so
// the client's next proof carries one (RFC 9449 §8.2).
func (h *Handler) offerNonce(w http.ResponseWriter) {
	if h.DPoP != nil {
		if n := h.DPoP.Nonce(); n != "" {
			w.Header().Set("DPoP-Nonce", n)
		}
	}
}
