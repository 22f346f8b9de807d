// Package failpoint names the moments of a grant at which a crash test
// stops the server, and stops it there: catalogue CC-05 ("kill -9 at
// fail-points", docs/spec/security.md) asks what a crash after a code or
// refresh token was consumed but before its tokens were stored, after the
// commit but before the reply, or in the middle of a reuse-triggered
// revocation leaves behind.
//
// It is a test facility. Production code calls Points.Hit at each named
// moment; the set of armed points is configuration, parsed once from the
// SIGNET_FAILPOINTS environment variable by cmd/signet (which refuses it
// without --dev and logs a warning when it is set) and handed to the store
// rules and the engine at wiring time. Nothing is global: a nil *Points, the
// default, arms nothing, and Hit on it is one nil check.
//
// The points, in the order a request meets them:
//
//   - grant-claimed: inside the store transaction, right after the deciding
//     statement consumed a code or device code (storecore RedeemCode,
//     PollDevice) or marked a refresh token rotated (storecore Rotate,
//     RotateCurrent), before the session or the successor generation is
//     inserted. A crash here must leave nothing: the transaction never
//     commits, so the code or refresh token is still unused. PostgreSQL's
//     common refresh path rotates in one statement (postgres commitCurrent)
//     that has no moment between the claim and the insert: it is
//     all-or-nothing by construction, and the point is not met there.
//   - grant-committed: in the engine (authserver Server.Token) after the
//     store committed a grant and before the wire layer writes the reply.
//     A crash here loses the reply, not the grant: a retried code is
//     refused and revokes what it made (RFC 6749 §4.1.2, catalogue AC-07);
//     a retried refresh inside the grace window gets the successor the lost
//     call committed (catalogue RT-02; Sign-In: the same credentials).
//   - reuse-revoking: inside the store transaction, right after the
//     statement that revokes a session because a rotated refresh token or a
//     used code came back (RFC 9700 §4.14.2), before the commit. A crash
//     here revokes nothing; the next presentation revokes.
//   - reuse-revoked: in the engine after that revocation committed, before
//     the refusal is written. The revocation must survive the crash.
//
// SIGNET_FAILPOINTS lists point=action pairs separated by commas, e.g.
// "grant-claimed=kill". The only action is kill: SIGKILL to the process
// itself (a real kill -9: no deferred function, no graceful shutdown, no
// rollback by the process), so a test can restart the server on the same
// store and look at what survived.
package failpoint
