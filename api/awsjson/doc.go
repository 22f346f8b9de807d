// Package awsjson holds what the restJson1 dialects signet speaks (SSO OIDC,
// Sign-In, Amplify UI Builder) share on the wire: strict decoding of a flat
// JSON request body and the response and error framing the AWS SDKs read.
//
// Error framing follows docs/spec/aws/sso-oidc.md §6: the SDKs pick the
// exception type from the X-Amzn-ErrorType header (then the body's __type),
// never from the HTTP status or the body's "error" member, so every error
// carries the header, and the body is always JSON.
package awsjson
