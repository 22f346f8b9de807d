// Package oauth2 serves the standard OAuth 2.0 and OpenID Connect endpoints
// on signet's engine (package authserver), so that any generic OAuth client
// or library works against signet, not only the AWS ones:
//
//   - RFC 8414 metadata (/.well-known/oauth-authorization-server) and its
//     OpenID Connect twin (/.well-known/openid-configuration), and the JWKS
//     of the signing keys (/.well-known/jwks.json: current and next keys,
//     since a rotation pre-publishes);
//   - the token endpoint, POST /oauth2/token (RFC 6749 §3.2, form encoded,
//     RFC 6749 §5.2 errors): authorization_code (PKCE S256 required),
//     refresh_token, the RFC 8628 device_code grant and client_credentials;
//   - POST /oauth2/device_authorization (RFC 8628 §3.1), POST
//     /oauth2/introspect (RFC 7662, authenticated callers only), POST
//     /oauth2/revoke (RFC 7009), GET and POST /userinfo (OIDC Core §5.3);
//   - optionally, RFC 7591 dynamic registration at POST /oauth2/register
//     (off unless Handler.Registration is set).
//
// The authorization endpoint, GET /oauth2/authorize, belongs to package web,
// which shares the login and consent pages among every protocol.
//
// # Client authentication
//
// client_secret_basic (credentials form-urlencoded before base64, RFC 6749
// §2.3.1), client_secret_post, private_key_jwt (RFC 7523 §2.2) and none
// for public clients. A request that uses two methods is refused (RFC 6749
// §2.3). This package only parses the one method used into an
// authserver.ClientCredential; the engine verifies it (secrets, assertions
// against the client's keys with every jti used once) and keeps the
// failure budget. A failure is 401 invalid_client, with WWW-Authenticate:
// Basic when Basic was used.
//
// # Tokens
//
// Grants made through a user (authorization code, device code) are the
// engine's sessions: opaque access and refresh tokens stored by digest,
// rotated with exact reuse detection. ID tokens (OIDC Core §2) are signed
// by the keyring when the openid scope was granted.
//
// client_credentials tokens are self-contained: a JWT the engine signs with
// the keyring (typ JWT, claim token_use "access"), so that issuing one
// writes nothing to the database. Introspection verifies them with the
// keyring; they cannot be revoked (the revocation endpoint answers
// unsupported_token_type) and live Lifetimes.AccessToken at most.
//
// # DPoP
//
// A token request with a DPoP header (RFC 9449) gets token_type DPoP and
// tokens bound to the proof's key: the session keeps the key's thumbprint,
// refresh requires a proof from the same key, introspection shows cnf.jkt,
// and /userinfo demands the DPoP scheme and a proof carrying ath. dpop_jkt
// on the authorization request binds the code (package web passes it on).
// With server nonces on, a proof without a current nonce gets
// use_dpop_nonce and one DPoP-Nonce header.
//
// Every value in the metadata derives from the configured issuer; Host and
// X-Forwarded-* headers are never read (catalogue SD-04, IN-08). See
// docs/spec/security.md for the catalogue rows the tests are
// named after.
package oauth2
