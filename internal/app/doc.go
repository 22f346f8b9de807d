// Package app assembles a signet server from a validated config.Config:
// the store (every call timed by storetiming), the keyring, the engine, the
// AWS credential authority and every API surface, mounted on the HTTP
// shell. `signet serve` and the test environment (internal/testenv) build
// the server through New and nothing else, so what the tests drive is what
// ships; the admin commands open the smaller Core through the same code.
package app
