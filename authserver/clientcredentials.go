package authserver

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/signet-auth/signet"
)

// TokenUseAccess marks the client_credentials grant's self-contained
// access tokens, so that an ID token (which has no token_use) is never
// taken for one.
const TokenUseAccess = "access"

// Confirmation is RFC 7800's cnf with RFC 9449 §6's jkt.
type Confirmation struct {
	JKT string `json:"jkt"`
}

// AccessClaims are a self-contained client_credentials access token's
// claims (in the spirit of RFC 9068, signed by the JWTSigner).
type AccessClaims struct {
	Issuer   string        `json:"iss"`
	Subject  string        `json:"sub"`
	Audience string        `json:"aud"`
	ClientID string        `json:"client_id"`
	Scope    string        `json:"scope,omitempty"`
	Expiry   int64         `json:"exp"`
	IssuedAt int64         `json:"iat"`
	ID       string        `json:"jti"`
	TokenUse string        `json:"token_use"`
	Cnf      *Confirmation `json:"cnf,omitempty"`
}

// JWTType makes the signer sign and verify AccessClaims as at+jwt (RFC 9068
// §2.1, catalogue JT-01).
func (AccessClaims) JWTType() string { return signet.JWTTypeAccess }

// clientCredentialsGrant issues a self-contained access token to a
// confidential client (RFC 6749 §4.4): a JWT signed by the JWTSigner, so
// that nothing is written per token. The client must be confidential, have
// registered the grant, and ask only for scopes it registered. Only the
// standard surface offers it, and only when the engine has a signer.
type clientCredentialsGrant struct{ on bool }

func (g clientCredentialsGrant) offeredBy(p signet.Protocol) bool {
	return g.on && p == signet.ProtocolOAuth2
}

func (clientCredentialsGrant) validate(r *TokenRequest) *signet.Error {
	if r.Issuer == "" {
		return invalidRequest("The issuer is required.")
	}
	return nil
}

func (clientCredentialsGrant) exchange(_ context.Context, x *exchange) (TokenResponse, error) {
	s, client := x.s, x.client
	if client.Type != signet.ClientConfidential {
		return TokenResponse{}, &signet.Error{Code: signet.CodeUnauthorizedClient,
			Message: "The client is not allowed to use the client_credentials grant."}
	}
	granted := x.req.Scopes
	if !allowedByClient(client, granted) {
		return TokenResponse{}, &signet.Error{Code: signet.CodeInvalidScope, Message: "The requested scope is invalid or not allowed for this client."}
	}
	if len(granted) == 0 {
		granted = client.Scopes
	}
	granted = slices.Clone(granted)
	slices.Sort(granted)
	granted = slices.Compact(granted)
	jti, err := s.minter.ID()
	if err != nil {
		return TokenResponse{}, signet.Internal(err)
	}
	life := s.life.AccessToken
	c := AccessClaims{
		Issuer: x.req.Issuer, Subject: client.ID, Audience: x.req.Issuer, ClientID: client.ID,
		Scope: strings.Join(granted, " "), IssuedAt: x.now.Unix(), Expiry: x.now.Add(life).Unix(),
		ID: jti, TokenUse: TokenUseAccess,
	}
	if x.req.DPoPJKT != "" {
		c.Cnf = &Confirmation{JKT: x.req.DPoPJKT}
	}
	tok, err := s.signer.SignJWT(c)
	if err != nil {
		return TokenResponse{}, signet.Internal(errors.Join(errors.New("authserver: signing a client_credentials token"), err))
	}
	return TokenResponse{
		AccessToken: tok, ExpiresIn: life, Scopes: granted, ClientID: client.ID,
		Session: signet.Session{ClientID: client.ID, Protocol: signet.ProtocolOAuth2, Scopes: granted, DPoPJKT: x.req.DPoPJKT},
	}, nil
}
