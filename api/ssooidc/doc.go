// Package ssooidc serves the AWS SSO OIDC API (service sso-oidc, restJson1,
// API version 2019-06-10) on the paths the real service uses, so that the
// AWS CLI's `aws sso login`, the SDKs' ssooidc clients and their SSO token
// providers work against signet by endpoint override
// (docs/spec/aws/sso-oidc.md):
//
//	POST /client/register           RegisterClient
//	POST /device_authorization      StartDeviceAuthorization
//	POST /token                     CreateToken
//	POST /token?aws_iam=t           CreateTokenWithIAM (SigV4, signing name sso-oauth)
//
// The package translates only. It decodes the flat camelCase JSON bodies
// strictly (package awsjson: one JSON object, no duplicate members, unknown
// members ignored), bounds every field before anything reaches the engine
// (catalogue IN-05), calls the engine (package authserver), and renders the
// engine's *signet.Error in the SSO OIDC error shape: the exception name in
// the X-Amzn-ErrorType header (what every SDK keys on, sso-oidc.md §6.2),
// the HTTP status of the model, and a {"error","error_description"} body.
// Every response carries x-amzn-RequestId and Cache-Control: no-store.
//
// startUrl and issuerUrl are accepted as any string (sso-oidc.md §8): a
// self-hosted deployment keeps an AWS-owned-looking start URL that is never
// contacted, because recent AWS CLIs refuse other hosts.
//
// # CreateTokenWithIAM
//
// The IAM variant is for applications an administrator registered
// (authserver.Server.CreateClient); clientId is the application's id as
// registered (an ARN, typically). The SigV4 signature authenticates the
// caller instead of a client secret: the handler hands the engine an
// authserver.AWSPrincipal, and the engine holds the rule for who may act
// for an application, deliberately simple: any principal that signet
// verified and that belongs to the configured account
// (authserver.Config.IAMAccountID) may act for every
// administrator-registered application; self-registered clients never can.
// The four grants of the model are offered to an application an
// administrator gave them: authorization_code, refresh_token, jwt-bearer
// (an assertion of a trusted token issuer, authserver.TrustedIssuer; not
// offered while none is configured) and token-exchange (a user's SSO OIDC
// access token issued to another client). A user's session answers
// idToken and awsAdditionalDetails.identityContext when the openid and
// sts:identity_context scopes were granted (idtoken.go).
package ssooidc
