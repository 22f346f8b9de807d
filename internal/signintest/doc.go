// Package signintest starts a real signet server for the Sign-In tests:
// the harness of package testenv (every surface, over a real SQLite store,
// a real keyring and the engine) with the pages' dev auto-approve on, plus
// helpers for the browser step of aws login. Only the clock is the test's:
// it starts at the wall-clock time (the SDKs date SigV4 signatures and DPoP
// proofs by the wall clock) and moves when the test moves it.
package signintest
