// Package web serves the HTML pages every browser step of signet goes
// through: sign-in, consent, device verification (RFC 8628 §3.3), the
// Sign-In authorize page with its choice of AWS account and role, the
// cross-device confirmation page of aws login --remote, and the error
// pages.
//
// The pages translate only: they validate the request, ask the person, and
// hand the decision to the engine through the small Backend interface this
// package defines (root domain types only). The two built-in Sign-In
// clients (arn:aws:signin:::devtools/same-device and …/cross-device) are
// known here, not asked of the Backend: AWS fixes them, and their only rule
// is the redirect URI each may use (docs/spec/aws/signin.md §6).
//
// Rules that hold on every page (catalogue docs/spec/security.md, rows
// WB-01…WB-10, DV-03, DV-04, DV-07, DV-09, CL-06, RL-04, AC-04, AC-05):
//
//   - An unknown client or a redirect URI it has not registered gets an
//     error page, never a redirect; other errors go back to the established
//     redirect URI with error, state and iss (RFC 6749 §4.1.2.1, RFC 9207).
//   - PKCE with S256 is mandatory.
//   - Every POST carries a CSRF token derived from the browser session and
//     is refused if the browser says it came from another site.
//   - Approvals are POSTs carrying sealed flow state bound to the browser
//     session that saw the page; no GET approves anything.
//   - Responses forbid framing, script, sniffing, referrers and caching.
//   - Templates are html/template, embedded and replaceable by a theme.
//
// The browser session is a cookie sealed by the server's AEAD key (Sealer):
// a random id that rotates at every sign-in (it keys the CSRF token) and,
// once signed in, the 256-bit token of a server-side record
// (signet.BrowserSession) that the engine checks on every use, so sign-out,
// revocation, disabling and a password change end it everywhere at once
// (catalogue BS-01). Authorization requests with prompt=login or a max_age
// the sign-in does not meet go through the login form again (BS-02). The
// issuer URL comes from configuration only.
package web
