// Package ratelimit decides when signet answers "too many requests".
//
// Two kinds of limit, each where it is cheap enough and exact enough:
//
//   - Per-node token buckets (golang.org/x/time/rate) keyed by client
//     address, by client and address (by client, grant and address for a
//     token request that presents one), or by calling client, in a bounded
//     map. They cost no I/O and guard against floods: the node's ceiling,
//     per-address request rates, RegisterClient, the token and
//     device-authorization endpoints, introspection. Each node enforces its
//     own, so N nodes admit N times the rate; that is acceptable for load,
//     not for guessing.
//   - Shared fixed-window failure counters in the store
//     (signet.RateLimitStore), where a limit must hold across every node
//     and every restart (catalogue CC-08, DV-07): failed logins per address
//     and account, user-code misses per address, per browser session and
//     per signed-in account, failed client authentications per client
//     and address (CL-04). One conditional upsert per failure, so N nodes
//     share one budget.
//
// Keys are built from canonical client addresses (httpserver.RateKey: IPv6
// by /64, IPv4-mapped folded to IPv4), resolved through the trusted proxies
// only (catalogue RL-05), and reach the store only as keyed digests.
//
// When the store fails, limits on what can be brute-forced (login, user
// codes, client authentication) fail closed: the request is refused as
// temporarily unavailable. Limits elsewhere fail open (catalogue RL-06).
// Every default admits the cadence a legitimate client keeps — polling
// every interval, refreshing near expiry — without a throttle (RFC 8628
// §3.5).
//
// No limit is deployment-wide: a lock that one visitor can trip locks out
// every innocent user (catalogue AB-01). Token requests key the shared
// Sign-In client by grant, and a grant's retries are free (AB-02, see
// grant.go).
//
// Policy and its defaults are a configuration value (DefaultPolicy). RFC
// 8628 §5.1's odds for user codes (≤ 2^-32 per code lifetime) hold through
// the code's entropy and the per-account budget (UserCodeOdds); the
// deployment-wide miss count only raises an alert (UserCodeGuesses).
package ratelimit
