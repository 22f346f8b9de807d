// Package testenv is a test harness: it starts one in-process signet
// server on a fresh SQLite file, built by internal/app from a validated
// config.Config exactly as `signet serve` builds it — the store timed by
// storetiming, the keyring under a random master key, the engine, every
// surface (with Options.Broker, the Amplify UI Builder broker in front of a
// local fake Figma) and the HTTP shell's middleware — with a settable
// clock, so that tests of any surface drive what ships with real clients.
// Each Options field is an operator setting (Lifetimes, DevAutoApprove,
// DPoPNonces, DynamicRegistration, Accounts, IAMRegion) except the few
// only a test needs (a rate policy with guards off, a Sign-In limiter).
// Browser drives the pages over HTTP the way a person's browser would
// (cookies, CSRF tokens, 303s).
//
// Nothing here is for use outside tests.
package testenv
