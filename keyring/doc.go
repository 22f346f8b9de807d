// Package keyring holds the server's keys: the HMAC key token digests are
// computed with (package secret), the AEAD key for data sealed at rest and
// self-contained tokens, and the ES256 keys that sign ID tokens and appear in
// JWKS.
//
// The keys are generated on first start and kept in a signet.KeyStore, each
// sealed with AES-256-GCM under a master key that never touches the store: it
// comes from the environment (SIGNET_MASTER_KEY) or from a file only its
// owner can read (LoadMasterKey). The sealing binds each key's id, purpose
// and algorithm, so a sealed key moved to another row does not open.
//
// Signing and AEAD keys rotate without downtime: a new key is published at
// once and used only after Options.PublishDelay, so every node knows it before
// anything depends on it (RFC 7517 §4.5); older keys keep verifying (opening)
// until they are retired, after the longest life of what they signed. Nodes
// pick up each other's keys with Reload, and on meeting an unknown key id
// (rate-limited). The HMAC key does not rotate: digests are looked up by it.
//
// See docs/spec/security.md, catalogue rows SE-03, SE-04, SE-05,
// SE-07 and CC-09.
package keyring
