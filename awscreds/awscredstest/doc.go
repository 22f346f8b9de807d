// Package awscredstest provides real, in-memory implementations of the
// interfaces package awscreds consumes, for tests in any package: an
// AES-256-GCM AEAD (the keyring's stand-in) and an access key store (the
// storage backends' stand-in until they carry the table). Neither is for
// production use: the AEAD has one key and no rotation, and the store
// forgets everything when the process ends.
package awscredstest
