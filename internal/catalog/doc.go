// Package catalog maps the rows of the reliability and security catalogue
// (docs/spec/security.md, copied from the shared reference beside the
// repository by scripts/sync-spec.sh) to the tests that carry their IDs, and
// renders docs/security.md from that mapping.
//
// A test carries an ID when its function name contains it without the
// hyphen (TestAC02_FailedVerifierBurnsCode), or when a string literal that
// names a subtest starts with it ("AC-02/FailedCheckBurnsCode",
// "DV02_SlowDown"). Only files that import "testing" are scanned, so the
// conformance suites in storetest and the test helpers count and production
// code does not.
//
// Regenerate the page after adding or renaming such a test, or when the
// shared catalogue grew; the package's own tests fail while docs/security.md
// or the copy in docs/spec is stale.
package catalog

//go:generate bash ../../scripts/sync-spec.sh
//go:generate go run ../cmd/catalog -root ../..
