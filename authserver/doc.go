// Package authserver is signet's protocol-agnostic engine: it decides policy
// for users, clients, authorization codes, device authorizations and
// refresh-token sessions, and leaves wire shapes to the adapters in api/ and
// web/.
//
// Every operation takes and returns domain types (package signet) and fails
// with a *signet.Error whose Code (and, where a dialect needs it, Reason)
// the adapters render; Message is generic and safe to send, Err carries the
// detail for the log.
//
// The token endpoint is one dispatcher, Server.Token, that does the shared
// steps once — syntax, client authentication, grant-type admission — and
// hands the grant's own step to one small type per grant (authCodeGrant,
// refreshGrant, deviceCodeGrant, clientCredentialsGrant).
//
// # Client authentication
//
// A wire layer parses the one credential a request presents into a
// ClientCredential (ClientSecret, PublicClient, ClientAssertion,
// AWSPrincipal) and hands it over with the request's origin; the engine
// verifies it (AuthenticateClient, or inside Token) and keeps the failure
// budget of client secrets through its ClientAuthLimiter, asked before a
// secret is checked and told the outcome after (catalogue CL-04). There is
// no way to say "already authenticated".
//
// One LookupToken serves every surface that is presented a token. Single use is never decided here: each
// grant is one conditional call into the GrantStore, whose Check callbacks
// carry the engine's rules into the store's transaction.
//
// # Token material
//
// Access and refresh tokens are never stored, only their digests. Each
// generation's tokens are derived from a per-generation seed: generation 0's
// seed is fresh randomness, and every successor's seed is derived from the
// refresh token the client presented. A retry within the refresh grace
// window therefore recomputes exactly the tokens the first call handed out,
// and the store only has to return the successor it already created.
//
// # Expiry
//
// One rule everywhere: a thing that expires at E is usable at instant t if
// and only if t is before E. At E itself it has expired. Every instant comes
// from the injected signet.Clock.
package authserver
