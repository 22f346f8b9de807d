// Package jwks fetches and caches the JSON Web Key Sets (RFC 7517 §5) of
// token issuers that are not signet: the trusted token issuers whose JWTs
// the jwt-bearer grant of CreateTokenWithIAM accepts (RFC 7523).
//
// Every fetch is bounded: a timeout, a response size limit, http(s) only,
// no redirects to other schemes, a 200 with a JSON body or nothing. A set
// is kept for a fixed time; an unknown key id may refetch it early, but at
// most once per MinRefresh, so that a stream of made-up key ids cannot turn
// signet into a load generator against the issuer. An issuer named without
// a JWKS URL is found through OpenID Connect Discovery 1.0 §4
// (<issuer>/.well-known/openid-configuration, whose issuer must match).
package jwks
