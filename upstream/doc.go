// Package upstream is signet's client leg to the organisation's identity
// providers: it sends a person to an upstream OpenID Provider and checks
// what comes back (github.com/coreos/go-oidc/v3 with golang.org/x/oauth2).
//
// Every upstream login is bound to the browser that started it. The state
// parameter is 256 random bits; the store keeps only its digest with the
// digest of the starting browser's secret session id (catalogue FD-02), so
// any node can answer the callback and each state is taken once. The PKCE
// S256 verifier and the OIDC nonce are never stored anywhere: both are
// HMAC-SHA-256 of the state keyed by the browser's secret session id, so
// neither the upstream provider, nor anyone who sees the state in a URL,
// nor a database dump yields them.
//
// The ID token is verified by go-oidc against the provider's discovery
// document and JWKS: issuer, audience, expiry, an asymmetric algorithm the
// provider announced, and a signature by a key of its JWKS (catalogue
// FD-01); the nonce is checked here. What a verified identity may do (just-
// in-time provisioning, groups, assignments) is the engine's policy, not
// this package's: Complete returns the claims, mapped, and nothing else.
//
// SAML 2.0 providers (SAML, github.com/crewjam/saml as the service
// provider) reuse the same single-use pending login: the RelayState is the
// state, and the AuthnRequest ID is derived from it and the browser's
// secret, so InResponseTo is checked on any node without being stored.
// Before crewjam sees a posted response, DecodeSAMLResponse bounds its size
// and refuses DTDs, processing instructions, comments and any shape but
// one Response holding exactly one assertion that carries its own
// signature (no room for signature wrapping; a signed Response alone is
// not enough). Accepted assertion ids go to the shared ReplayStore
// (catalogue FD-04).
package upstream
