// Package password hashes human passwords with argon2id (RFC 9106) and keeps
// them in the PHC string format that libargon2 and most other
// implementations read and write:
//
//	$argon2id$v=19$m=19456,t=2,p=1$<salt, base64 without padding>$<hash, base64 without padding>
//
// The defaults are OWASP's first recommended argon2id configuration (19 MiB of
// memory, two passes, one lane; see the OWASP Password Storage Cheat Sheet).
// Salts come from an injected random source, verification compares in
// constant time, and NeedsRehash tells a caller when a stored hash was made
// with other parameters so that it can be upgraded at the next login.
//
// Stored hashes are parsed with hard caps on every cost parameter, so that a
// corrupted or planted row can neither panic the parser nor make a single
// verification allocate gigabytes.
package password
