// Package sigv4 verifies AWS Signature Version 4 on incoming requests, in
// the Authorization header form and the presigned query form, exactly as
// AWS specifies it
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html)
// and as the real signers (aws-sdk-go-v2's aws/signer/v4, botocore) produce
// it.
//
// A route opts in with its signing name: Verifier.Require("sso-oauth", …)
// wraps a handler so that it runs only for a request signed for that service
// by a known principal, found in the request context with PrincipalFrom.
//
// What is checked, in order: one authentication mechanism, parsed strictly
// (IncompleteSignatureException, 400); the credential scope's service equals
// the route's signing name and its region is allowed; X-Amz-Date within ±5
// minutes of the injected clock (ExpiredTokenException, "Signature
// expired"); the host header is signed; the access key is known and, for
// ASIA keys, comes with a session token (UnrecognizedClientException,
// ExpiredTokenException, AccessDeniedException, all decided by the
// CredentialSource); then the signature over the canonical request, compared
// in constant time (InvalidSignatureException). Failures never reveal the
// expected signature, the canonical request or which part differed.
//
// The canonical request: the canonical URI is the request path as sent,
// normalised (dot segments and empty segments removed, as botocore does)
// and escaped once more, because for every service but S3 the SDKs escape
// the already escaped path; a signature over the path as sent (the Go SDK
// does not normalise) is accepted too. Query parameters are decoded,
// re-encoded with the SigV4 rules and sorted by encoded key, then value.
// Header values are trimmed with inner runs of spaces folded. The payload
// hash is X-Amz-Content-Sha256 when present (UNSIGNED-PAYLOAD allowed; a
// hash is checked against the body) or the SHA-256 of the body, read up to a
// bound and put back for the handler.
//
// Signing keys are derived once per (secret, day, region, service) and kept
// in a bounded cache, so a verification costs one SHA-256 of the canonical
// request and one HMAC.
//
// AcceptAnySignature is an emulation mode for people who only emulate AWS:
// everything is parsed and checked as usual except the signature itself, and
// unknown AWS-shaped access key ids act as an emulated IAM user. It is off by
// default; CheckEmulation refuses it with a listener that is not
// loopback-only unless forced.
package sigv4
