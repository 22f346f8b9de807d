// Package signet holds the domain of the signet token service: the types every
// surface shares (users, clients, authorization codes, device authorizations,
// sessions and their refresh-token generations, keys), the one domain error
// type, and the per-aggregate store interfaces that the storage backends
// (package sqlite, package postgres) implement.
//
// This package imports only the standard library. Protocol packages translate
// their wire shapes to these types; the engine in package authserver decides
// policy; the backends decide single use with one conditional statement each.
//
// Secrets (codes, tokens, client secrets) never appear in these types in
// plain text: they are identified by a Digest, the keyed HMAC-SHA-256 of the
// secret, computed by package secret. See docs/design.md, "Invariants".
package signet
