// Package federation holds the end-to-end tests of sign-in through upstream
// identity providers: signet in-process (internal/testenv) against a real
// OpenID Provider that nobody here wrote, github.com/zitadel/oidc/v3's
// example provider (internal/zitadeltest), and
// against a hostile provider the tests script to send crafted ID tokens
// (catalogue FD-01), which no real provider would.
package federation
