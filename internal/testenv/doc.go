// Package testenv is a test harness: it starts one in-process signet
// server on a fresh SQLite file — engine, pages, SSO OIDC, the SSO portal,
// STS and the standard OAuth 2.0 / OIDC surface on one mux, with random
// HMAC and AEAD keys and a keyring for signing, with a
// settable clock — so that tests of any surface can drive it with real
// clients. Browser drives the pages over HTTP the way a person's browser
// would (cookies, CSRF tokens, 303s).
//
// It is not the production wiring, which lives in cmd/signet; nothing here
// is for use outside tests.
package testenv
