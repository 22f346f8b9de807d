// Package signintest starts a real signet server for the Sign-In tests:
// the pages (package web, with its dev auto-approve on), the Sign-In token
// operations (package signin) and STS (package sts) on one mux, over a real
// SQLite store, a real keyring and the engine. Only the clock is the test's:
// it starts at the wall-clock time (the SDKs date SigV4 signatures and DPoP
// proofs by the wall clock) and moves when the test moves it.
package signintest
