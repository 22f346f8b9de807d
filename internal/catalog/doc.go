// Package catalog maps the rows of the reliability and security catalogue
// (shared/spec/security.md, kept beside the repository) to the tests that
// carry their IDs, and renders docs/security.md from that mapping.
//
// A test carries an ID when its function name contains it without the
// hyphen (TestAC02_FailedVerifierBurnsCode), or when a string literal that
// names a subtest starts with it ("AC-02/FailedCheckBurnsCode",
// "DV02_SlowDown"). Only files that import "testing" are scanned, so the
// conformance suites in storetest and the test helpers count and production
// code does not.
//
// Regenerate the page after adding or renaming such a test; the package's
// own test fails while docs/security.md is stale.
package catalog

//go:generate go run ../cmd/catalog -root ../..
