// Package sbom writes a CycloneDX 1.5 software bill of materials (JSON)
// for Go binaries from the build information the Go toolchain embeds in
// them (debug/buildinfo): the main module, every module linked in (with
// its go.sum hash and any replacement) and the standard library of the
// toolchain. Reading the binaries, rather than go.mod, lists exactly what
// ships: no test-only or unused module.
//
// The output is deterministic for the same binaries, version and time:
// components are sorted and the serial number is derived from the
// content, so a release built twice yields the same document.
//
// `make release` runs it through internal/cmd/sbom over the release
// binaries.
package sbom
