// Package secret mints the secrets signet issues and computes the keyed
// digests they are stored and looked up by.
//
// Every issued secret is a typed prefix followed by 256 bits from the
// injected random source (crypto/rand in production), base64url without
// padding (RFC 4648 §5). Storage sees only signet.Digest: HMAC-SHA-256 of the
// whole secret under a server key (invariant 1 in DESIGN.md). Deterministic
// derivation (Minter.Derive) lets a refresh retry recompute the very tokens
// an earlier call handed out without the server ever storing them.
package secret
