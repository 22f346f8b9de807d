package authserver

import (
	"errors"
	"strings"

	"github.com/signet-auth/signet/secret"
)

// LooksSelfContained tells a compact JWS (a client_credentials access
// token) from the engine's opaque, prefixed tokens.
func LooksSelfContained(token string) bool {
	return strings.Count(token, ".") == 2 && strings.HasPrefix(token, "eyJ") &&
		!strings.HasPrefix(token, secret.PrefixOAuthAccess)
}

// LookupSelfContained is LookupToken's sibling for the client_credentials
// grant's self-contained access tokens, which no store holds: this
// server's signature over an at+jwt (catalogue JT-01), issued by and for
// issuer (the surface's configured issuer, never a request's Host),
// token_use access, a client, and not expired at the engine's clock. Every
// refusal is invalid_grant with ReasonTokenExpired, as LookupToken's are.
func (s *Server) LookupSelfContained(token, issuer string) (AccessClaims, error) {
	if s.signer == nil {
		return AccessClaims{}, tokenInactive(errors.New("no self-contained tokens are issued"))
	}
	var c AccessClaims
	if err := s.signer.VerifyJWT(token, &c); err != nil {
		return AccessClaims{}, tokenInactive(err)
	}
	switch {
	case c.TokenUse != TokenUseAccess:
		return AccessClaims{}, tokenInactive(errors.New("token_use is not access"))
	case c.Issuer != issuer || c.Audience != issuer:
		return AccessClaims{}, tokenInactive(errors.New("issued by or for another server"))
	case c.ClientID == "":
		return AccessClaims{}, tokenInactive(errors.New("no client"))
	case s.clock.Now().Unix() >= c.Expiry:
		return AccessClaims{}, tokenInactive(errors.New("expired"))
	}
	return c, nil
}
