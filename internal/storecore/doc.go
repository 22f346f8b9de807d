// Package storecore holds what the SQL backends (package sqlite, package
// postgres) share: how domain values become columns and back, and the rules
// of the single-use operations (RedeemCode, PollDevice, DecideDevice, Rotate)
// written once against a small per-backend transaction interface, Tx.
//
// The SQL itself stays hand-written in each backend; only the order of the
// steps and the decisions between them live here, so the two engines cannot
// drift apart on the contract in ../../store.go. Each deciding step is still
// one conditional statement that the backend's Tx runs in the database
// (invariant 2 in DESIGN.md).
package storecore
