// Package sts serves the one AWS STS operation signet offers,
// GetCallerIdentity
// (https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html),
// so that `aws sts get-caller-identity` and the SDKs' STS clients, pointed
// at signet, prove that credentials signet issued are real.
//
// STS speaks the AWS query protocol
// (https://smithy.io/2.0/aws/protocols/aws-query-protocol.html): POST / with
// a form body Action=GetCallerIdentity&Version=2011-06-15 (or GET / with
// the same query), SigV4-signed for the service "sts"; XML responses in the
// 2011-06-15 namespace; errors as <ErrorResponse> with Type, Code and
// Message, under the query protocol's codes (SignatureDoesNotMatch,
// InvalidClientTokenId, ExpiredToken, …) rather than the JSON protocols'
// exception names.
package sts
