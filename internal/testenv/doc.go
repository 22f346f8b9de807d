// Package testenv is a test harness: it starts one in-process signet
// server on a fresh SQLite file with every surface the server mounts on one
// mux — engine, pages, SSO OIDC, the SSO portal, Sign-In, STS, the standard
// OAuth 2.0 / OIDC surface and, with Options.Broker, the Amplify UI Builder
// broker in front of a local fake Figma — with a keyring under a random
// master key and a settable clock, so that tests of any surface can drive
// it with real clients. Options.DevAutoApprove turns on the server's
// --dev-auto-approve for authorize requests and device codes. Browser
// drives the pages over HTTP the way a person's browser would (cookies,
// CSRF tokens, 303s).
//
// It is not the production wiring, which lives in cmd/signet; nothing here
// is for use outside tests.
package testenv
