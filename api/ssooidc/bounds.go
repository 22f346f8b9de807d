package ssooidc

import (
	"strings"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/authserver"
)

// Field bounds, checked before any engine call (catalogue IN-02, IN-05).
// The model sets none; these are far above what real clients send (a CLI
// code verifier is 64 characters, AWS tokens a few hundred) and far below
// what would cost anything.
const (
	maxCodeLen   = 2048
	maxTokenLen  = authserver.MaxTokenLen // client secrets, refresh tokens, device codes, assertions
	maxURLLen    = 2048                   // redirect URIs, startUrl, issuerUrl, ARNs
	maxIDLen     = authserver.MaxClientIDLen
	maxNameLen   = authserver.MaxClientNameLen
	maxShortLen  = 256 // grant types, client types, token-type URIs, scopes
	maxScopes    = authserver.MaxScopes
	maxRedirects = authserver.MaxRedirectURIs
	maxGrants    = 10
)

// field is one string member and its bound.
type field struct {
	name  string
	value string
	max   int
}

// list is one list member, its element bound and its length bound.
type list struct {
	name   string
	values []string
	max    int
	maxLen int
}

// checkBounds refuses an over-long member or one holding a NUL byte: the
// JSON escape \u0000 decodes to one, and no member of this API may carry
// it. The message names the member, never its value.
func checkBounds(fields []field, lists []list) *signet.Error {
	for _, f := range fields {
		if len(f.value) > f.max || strings.IndexByte(f.value, 0) >= 0 {
			return invalidRequest("Member " + f.name + " is too long or contains a NUL character.")
		}
	}
	for _, l := range lists {
		if len(l.values) > l.maxLen {
			return invalidRequest("Member " + l.name + " has too many elements.")
		}
		for _, v := range l.values {
			if len(v) > l.max || strings.IndexByte(v, 0) >= 0 {
				return invalidRequest("An element of " + l.name + " is too long or contains a NUL character.")
			}
		}
	}
	return nil
}

// aliases are RFC 6749's snake_case names of members this API spells in
// camelCase. Sent together with the camelCase member they are a conflict
// the server refuses instead of picking one (catalogue IN-03); sent alone
// they are unknown members, ignored like any other (IN-04).
type aliases struct {
	ClientID     any `json:"client_id"`
	ClientSecret any `json:"client_secret"`
	GrantType    any `json:"grant_type"`
	RedirectURI  any `json:"redirect_uri"`
	CodeVerifier any `json:"code_verifier"`
	RefreshToken any `json:"refresh_token"`
	DeviceCode   any `json:"device_code"`
}

// conflicts reports whether a camelCase member and its snake_case alias
// were both present.
func (a aliases) conflicts(clientID, clientSecret, grantType, redirectURI, codeVerifier, refreshToken, deviceCode string) bool {
	both := func(alias any, v string) bool { return alias != nil && v != "" }
	return both(a.ClientID, clientID) || both(a.ClientSecret, clientSecret) || both(a.GrantType, grantType) ||
		both(a.RedirectURI, redirectURI) || both(a.CodeVerifier, codeVerifier) ||
		both(a.RefreshToken, refreshToken) || both(a.DeviceCode, deviceCode)
}
