// Package signin serves AWS Sign-In's token operations on the wire, so that
// aws login, the AWS SDKs' login credential providers (aws-sdk-go-v2
// credentials/logincreds, botocore's LoginProvider) and the service/signin
// clients work against signet unchanged. The exact reference is
// docs/spec/aws/signin.md and the model under models/signin.
//
// Routes (every one on the shared listener, at the paths AWS uses):
//
//   - POST /v1/token — CreateOAuth2Token: anonymous, authorization_code
//     (PKCE) and refresh_token, camelCase JSON or the form-encoded
//     snake_case variant the model documents. Every call carries a DPoP
//     proof (RFC 9449); the session is bound to the proof key at code
//     redemption and every refresh must prove the same key.
//   - POST /v1/token?x-amz-client-auth-method=iam — CreateOAuth2TokenWithIAM
//     (SigV4, signing name "signin").
//   - POST /v1/introspect?x-amz-client-auth-method=iam and
//     POST /v1/revoke?x-amz-client-auth-method=iam — the IAM-authenticated
//     introspection (RFC 7662) and revocation (RFC 7009) of Sign-In tokens.
//   - POST /v1/token?x-amz-oauth-token-method=token-exchange —
//     CreateOAuth2TokenWithTokenExchange (RFC 8693, anonymous; exchange.go).
//   - The control plane, SigV4-signed by a long-term key of the account
//     (controlplane.go, statements.go, policy.go): POST
//     /put-resource-permission-statement, /list-resource-permission-statements,
//     /delete-resource-permission-statement, /get-resource-policy and
//     /put-, /get-, /delete-console-authorization-configuration. The SDKs
//     send these to signin.<region>.api.aws whatever endpoint is
//     configured; they are served here on any Host. The engine enforces
//     the account's policy at /v1/authorize and /v1/token.
//
// The browser steps (GET /v1/authorize and the cross-device confirmation
// page) are package web's.
//
// The access token Sign-In hands out is a set of temporary AWS credentials
// for arn:aws:sts::<account>:assumed-role/<role>/<user>, derived with
// awscreds.MintFromSeed from the engine's per-generation seed: a refresh
// retried within the idempotency window (authserver.Lifetimes
// SignInIdempotency) returns byte-for-byte the same answer, and nothing is
// revoked by a retry. For an assignment the wiring backs with a real IAM
// role (package iamrole), the credentials are STS's instead, a new role
// session on each call, and expiresIn is what they really have, at most
// 900 s; the handler cannot tell the two kinds apart.
//
// This package translates only: policy is the engine's (package
// authserver), DPoP checking package dpop's. The one place domain errors
// become the Sign-In error shape is errors.go, following the catalogue's
// mapping table (docs/spec/security.md, SI column).
package signin
