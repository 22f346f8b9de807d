// Package testsupport holds the test doubles that many packages' tests share:
// a settable clock, a log buffer that reads back the JSON records a logger
// wrote, a DPoP prover over the production dpop.NewProof, and the headless
// Chromium every page test drives.
//
// It imports only the root package, package dpop, chromedp and the standard
// library,
// so every package but dpop may use it in its tests without an import cycle
// (internal/archtest holds the rule).
package testsupport
