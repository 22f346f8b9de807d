package ssooidc

import (
	"crypto/sha256"
	"encoding/base64"
	"slices"
	"time"

	"github.com/signet-auth/signet/authserver"
)

// Scopes that make CreateTokenWithIAM answer with more than tokens: an ID
// token (OIDC Core §3.1.2.1) and the identity context (the model's
// AwsAdditionalDetails), both only for a user's session.
const (
	scopeOpenID          = "openid"
	scopeIdentityContext = "sts:identity_context"
)

// Signer signs the ID tokens and identity contexts CreateTokenWithIAM hands
// out with the server's signing keys (verifiable with its JWKS);
// *keyring.Keyring implements it.
type Signer interface {
	SignJWT(claims any) (string, error)
}

// iamIDClaims are a CreateTokenWithIAM ID token's claims: OIDC Core §2's,
// with aud the application, and the identity context under
// sts:identity_context as the model says ("It provides access to
// sts:identity_context claim in the idToken without JWT parsing").
type iamIDClaims struct {
	Issuer          string `json:"iss"`
	Subject         string `json:"sub"`
	Audience        string `json:"aud"`
	Expiry          int64  `json:"exp"`
	IssuedAt        int64  `json:"iat"`
	AuthTime        int64  `json:"auth_time,omitempty"`
	AtHash          string `json:"at_hash,omitempty"`
	Username        string `json:"username,omitempty"`
	IdentityContext string `json:"sts:identity_context,omitempty"`
}

// identityContextClaims are the identity context: who the user is, for
// which application, signed by this server. AWS's is sealed by STS for
// AssumeRole's ProvidedContexts; signet's is a signed JWT of its own kind,
// opaque to clients, that names nothing secret.
type identityContextClaims struct {
	Issuer    string `json:"iss"`
	Subject   string `json:"sub"`
	Audience  string `json:"aud"`
	Expiry    int64  `json:"exp"`
	IssuedAt  int64  `json:"iat"`
	Username  string `json:"username,omitempty"`
	AccountID string `json:"aws:instance_account,omitempty"`
}

// JWTTypeIdentityContext is the typ of an identity context, so that it is
// never taken for an ID or access token (RFC 8725 §3.11).
const JWTTypeIdentityContext = "identity-context+jwt"

// JWTType implements keyring.Typed.
func (identityContextClaims) JWTType() string { return JWTTypeIdentityContext }

// identity returns the ID token and the identity context for a grant's
// answer, each "" when its scope was not granted or the session has no
// user.
func (h *Handler) identity(res authserver.TokenResponse) (idToken, identityContext string, err error) {
	if res.UserID == "" || h.Signer == nil {
		return "", "", nil
	}
	now := h.now()
	life := h.Engine.Lifetimes().IDToken
	exp := now.Add(life)
	if !res.Session.ExpiresAt.IsZero() && res.Session.ExpiresAt.Before(exp) {
		exp = res.Session.ExpiresAt
	}
	if slices.Contains(res.Scopes, scopeIdentityContext) {
		identityContext, err = h.Signer.SignJWT(identityContextClaims{
			Issuer: h.Issuer, Subject: res.UserID, Audience: res.ClientID,
			IssuedAt: now.Unix(), Expiry: exp.Unix(), Username: res.User.Name, AccountID: h.IAMAccountID,
		})
		if err != nil {
			return "", "", err
		}
	}
	if slices.Contains(res.Scopes, scopeOpenID) {
		c := iamIDClaims{
			Issuer: h.Issuer, Subject: res.UserID, Audience: res.ClientID,
			IssuedAt: now.Unix(), Expiry: exp.Unix(), AtHash: atHash(res.AccessToken),
			Username: res.User.Name, IdentityContext: identityContext,
		}
		if !res.AuthTime.IsZero() {
			c.AuthTime = res.AuthTime.Unix()
		}
		if idToken, err = h.Signer.SignJWT(c); err != nil {
			return "", "", err
		}
	}
	return idToken, identityContext, nil
}

// atHash is OIDC Core §3.1.3.6's at_hash for an ES256-signed ID token.
func atHash(accessToken string) string {
	sum := sha256.Sum256([]byte(accessToken))
	return base64.RawURLEncoding.EncodeToString(sum[:len(sum)/2])
}

func (h *Handler) now() time.Time {
	if h.Clock != nil {
		return h.Clock.Now()
	}
	return time.Now()
}
