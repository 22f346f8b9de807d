// Package broker exchanges a third-party OAuth provider's authorization
// codes and refresh tokens for that provider's tokens on behalf of signed
// callers, keeping the provider client secret on the server: the core of
// Amplify UI Builder's ExchangeCodeForToken and RefreshToken
// (docs/spec/aws/amplifyuibuilder.md), which api/uibuilder puts on
// the wire.
//
// Providers come from configuration (Config): Figma, built in with its
// documented endpoints and request format, and any RFC 6749 token endpoint
// (another signet's included). Each provider has one or more clients, each
// with its secret (read from the environment or a 0600 file), the redirect
// URIs it may use and the SigV4 principals that may use it.
//
// The rules, each tested under its ID from docs/spec/security.md:
//
//   - BR-01: the provider name is matched exactly; anything else is
//     refused before any upstream call.
//   - BR-02: the redirect URI must be one the client lists, compared
//     exactly; it is never fetched or resolved.
//   - BR-03: the upstream URL comes only from configuration; the dialer
//     refuses internal addresses after DNS resolution unless
//     Upstream.AllowPrivateNetworks; redirects are never followed; TLS is
//     verified.
//   - BR-04: connect and total timeouts; the caller's cancellation cancels
//     the upstream call.
//   - BR-05, BR-06: the provider's answers are mapped to safe errors and
//     never passed on; bodies are read up to a bound.
//   - BR-07: a caller-named clientId must be a configured client the caller
//     may use; the server's secret is only ever sent with its own client id.
//   - BR-08: secrets, codes and tokens never reach a log line, an error
//     message or a metric label.
//   - BR-09: a code is sent upstream at most once (never retried, refused
//     while in flight and for a while after); parallel refreshes of one
//     token are one upstream call.
//
// Every request produces one audit log line and one Observer observation
// (provider, operation, outcome).
package broker
