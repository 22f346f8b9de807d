// Package archtest holds the test that keeps the package graph pointing the
// way DESIGN.md draws it: the root imports only the standard library, the
// storage backends know nothing of the surfaces or of awscreds, the limiter
// renders no pages, and SigV4 verification knows no wire dialect. It has
// no code of its own; the rules and the check are in its test.
package archtest
