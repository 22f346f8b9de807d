// Package testsupport holds the test doubles that many packages' tests share:
// a settable clock and a log buffer that reads back the JSON records a
// logger wrote.
//
// It imports only the root package and the standard library, so every
// package may use it in its tests without an import cycle
// (internal/archtest holds the rule).
package testsupport
