package oauth2

import (
	"strings"

	"github.com/signet-auth/signet/keyring"
)

// The kinds of JWT this package signs, and the rules each is held to where
// it is accepted (RFC 8725 §3.11–3.12; catalogue JT-01):
//
//   - ID tokens (idClaims): typ JWT, aud the client they were issued to;
//     this server never accepts one.
//   - client_credentials access tokens (accessClaims): typ at+jwt (RFC 9068
//     §2.1), aud this server's issuer, client_id the client; introspection
//     accepts only that typ and that aud, for that client.
//   - client assertions are the clients' own; one typed as an access token
//     is refused, whoever signed it.

var _ keyring.Typed = accessClaims{}

// JWTType makes keyring sign and verify accessClaims as at+jwt.
func (accessClaims) JWTType() string { return keyring.TypeAccessToken }

// accessAudienceOK: a self-contained access token is for this server.
func (h *Handler) accessAudienceOK(c accessClaims) bool { return c.Audience == h.Issuer }

// assertionTyped reports whether a client assertion's typ header says it is
// another kind of token (RFC 8725 §3.11): an access token is never a
// client's proof of identity.
func assertionTyped(typ string) bool {
	t := strings.TrimPrefix(strings.ToLower(typ), "application/")
	return t == keyring.TypeAccessToken
}
