package signin

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/api/awsjson"
	"github.com/signet-auth/signet/authserver"
	"github.com/signet-auth/signet/awscreds"
	"github.com/signet-auth/signet/dpop"
	"github.com/signet-auth/signet/httpserver"
)

// maxExpiresIn is the model's bound on expiresIn (1–900 s).
const maxExpiresIn = 900

// accessToken is AccessToken: STS-style temporary credentials.
type accessToken struct {
	AccessKeyID     string `json:"accessKeyId"`
	SecretAccessKey string `json:"secretAccessKey"`
	SessionToken    string `json:"sessionToken"`
}

// tokenOutput is CreateOAuth2TokenResponseBody, the bare payload.
type tokenOutput struct {
	AccessToken  accessToken `json:"accessToken"`
	TokenType    string      `json:"tokenType"`
	ExpiresIn    int64       `json:"expiresIn"`
	RefreshToken string      `json:"refreshToken"`
	IDToken      string      `json:"idToken,omitempty"`
}

// idClaims are the idToken's claims, as the AWS CLI's fixture has them
// (signin.md §2): the CLI reads the account from sub and keeps sub as the
// profile's login_session.
type idClaims struct {
	Sub        string `json:"sub"`
	Aud        string `json:"aud"`
	Iss        string `json:"iss"`
	SessionARN string `json:"session_arn"`
	Exp        int64  `json:"exp"`
	Iat        int64  `json:"iat"`
}

// createToken is CreateOAuth2Token (signin.md §2). The order is the
// cheapest refusal first: the rate limit (keyed by the grant, so the
// bounded body is read first), the body's rules, the DPoP proof (whose jti
// is spent only once everything before it passed), and only then the
// engine, which holds the grant's rules and enforces the DPoP binding with
// the thumbprint it is handed.
func (h *Handler) createToken(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	in, seen, err := readTokenBody(r)
	if !h.allow(w, r, in.RefreshToken+in.Code) {
		return
	}
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	if err := in.validate(seen); err != nil {
		h.writeError(w, r, err)
		return
	}
	// Every Sign-In session is DPoP-bound, so every call proves a key: the
	// code redemption binds it, each refresh must repeat it (RFC 9449 §5;
	// catalogue DP-01).
	proof, err := h.DPoP.Verify(ctx, dpop.Request{Header: r.Header.Values("DPoP"), Method: r.Method, URL: h.tokenURL()})
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	resp, err := h.Engine.Token(ctx, authserver.TokenRequest{
		Protocol: signet.ProtocolSignIn, GrantType: in.GrantType,
		Client: authserver.PublicClient{ID: in.ClientID}, Origin: h.clientIP(r),
		Code: in.Code, RedirectURI: in.RedirectURI, CodeVerifier: in.CodeVerifier,
		RefreshToken: in.RefreshToken, DPoPJKT: proof.JKT, ClientIP: httpserver.ClientIP(r),
	})
	if err != nil {
		if signet.ErrorCodeOf(err) == signet.CodeInvalidDPoPProof {
			// A stolen token presented with another key: refused, nothing
			// changed, and worth an entry in the log (catalogue DP-02).
			signet.LoggerOr(h.Logger).WarnContext(ctx, "signin: refresh with a key the session is not bound to", "client", in.ClientID)
		}
		h.writeError(w, r, err)
		return
	}
	out, err := h.output(ctx, resp, in.GrantType == signet.GrantAuthorizationCode)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	if n := h.DPoP.Nonce(); n != "" {
		w.Header().Set("DPoP-Nonce", n) // RFC 9449 §8.2: the next nonce
	}
	awsjson.WriteJSON(w, http.StatusOK, out)
}

// allow asks the limiter about a call presenting grant ("" when the body
// named none or could not be read), answering 429 when it refuses. The
// grant, not the client id, keys it: the client id is the same for every
// AWS CLI (catalogue AB-02).
func (h *Handler) allow(w http.ResponseWriter, r *http.Request, grant string) bool {
	if h.Limiter == nil {
		return true
	}
	ok, wait := h.Limiter.Allow(h.clientIP(r), grant, h.Clock.Now())
	if !ok {
		h.writeError(w, r, &signet.Error{Code: signet.CodeTooManyRequests, RetryAfter: wait,
			Message: "Too many requests; retry later."})
	}
	return ok
}

// output builds the response body from the engine's answer. Local
// credentials are derived from the generation's seed, so a retried refresh
// gets exactly what the first call got; an assignment backed by a real IAM
// role gets a fresh STS session each time.
func (h *Handler) output(ctx context.Context, resp authserver.TokenResponse, withIDToken bool) (tokenOutput, error) {
	p, err := grantPrincipal(resp)
	if err != nil {
		return tokenOutput{}, err
	}
	creds, err := h.Credentials.RoleCredentials(ctx, awscreds.RoleRequest{
		Assignment: resp.Session.Assignment, UserID: resp.User.ID, UserName: resp.User.Name,
		SessionID: resp.Session.ID, Expiry: resp.Tokens.AccessExpiresAt, Seed: resp.Seed,
	})
	if err != nil {
		return tokenOutput{}, err // already in the engine's terms (catalogue AW-02)
	}
	if creds.Principal.ARN != "" {
		p = creds.Principal // a real role session names itself
	}
	now := h.Clock.Now()
	out := tokenOutput{
		AccessToken:  accessToken{creds.AccessKeyID, creds.SecretAccessKey, creds.SessionToken},
		TokenType:    TokenType,
		ExpiresIn:    expiresIn(creds.Expiration, now),
		RefreshToken: resp.RefreshToken,
	}
	if withIDToken {
		out.IDToken, err = h.Signer.SignJWT(idClaims{
			Sub: p.ARN, Aud: resp.ClientID, Iss: h.Issuer, SessionARN: p.ARN,
			Exp: creds.Expiration.Unix(), Iat: now.Unix(),
		})
		if err != nil {
			return tokenOutput{}, signet.Internal(err)
		}
	}
	return out, nil
}

// grantPrincipal is the assumed-role principal of a grant's session, named
// after the user the grant read in its own transaction. A read here, after
// the grant committed, could fail with the store and turn a redemption that
// happened into a 5xx, whose retry would then be refused as code reuse and
// revoke the session (catalogue CC-06).
func grantPrincipal(resp authserver.TokenResponse) (awscreds.Principal, error) {
	if resp.User.ID == "" || resp.User.ID != resp.Session.UserID {
		return awscreds.Principal{}, signet.Internal(errors.New("signin: the grant did not return its session's user"))
	}
	p, err := awscreds.AssumedRole(resp.Session.Assignment, resp.User.Name, resp.Session.ID)
	if err != nil {
		return awscreds.Principal{}, signet.Internal(err)
	}
	return p, nil
}

// principal is the assumed-role principal the session acts as.
func (h *Handler) principal(ctx context.Context, sess signet.Session) (awscreds.Principal, error) {
	u, err := h.Users.GetUser(ctx, sess.UserID)
	if errors.Is(err, signet.ErrNotFound) {
		return awscreds.Principal{}, &signet.Error{Code: signet.CodeInvalidGrant, Reason: signet.ReasonTokenExpired,
			Message: "The refresh token is invalid, expired or revoked.", Err: err}
	}
	if err != nil {
		return awscreds.Principal{}, signet.Internal(err)
	}
	p, err := awscreds.AssumedRole(sess.Assignment, u.Name, sess.ID)
	if err != nil {
		return awscreds.Principal{}, signet.Internal(err)
	}
	return p, nil
}

// expiresIn is the whole seconds the credentials have left, within the
// model's 1–900: never more than what they really have, so a client that
// computes now + expiresIn never holds expired credentials it thinks valid.
func expiresIn(expiry, now time.Time) int64 {
	s := int64(expiry.Sub(now) / time.Second)
	return min(max(s, 1), maxExpiresIn)
}
