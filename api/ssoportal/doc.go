// Package ssoportal serves the AWS SSO portal API (service sso, restJson1,
// API version 2019-06-10): the service that turns the access token of `aws
// sso login` into role credentials (docs/spec/aws/credential-caches.md
// §3.4). Without it, a self-hosted SSO OIDC makes `aws sso login` profiles
// log in but not call AWS.
//
//	GET  /federation/credentials?role_name=&account_id=   GetRoleCredentials
//	GET  /assignment/accounts?next_token=&max_result=     ListAccounts
//	GET  /assignment/roles?account_id=&next_token=&max_result=   ListAccountRoles
//	POST /logout                                          Logout
//
// Every operation is authenticated by an SSO OIDC access token in the
// x-amz-sso_bearer_token header (no SigV4: the model's operations are
// noAuth). A token is good while the engine says it is live
// (authserver.Server.LookupToken), its session is an SSO OIDC
// session of a user who is still enabled and whose password has not changed
// since, and the session's scopes, if any, include sso:account:access.
//
// Role credentials are temporary AWS credentials (package awscreds) for the
// assumed role arn:aws:sts::<account>:assumed-role/<role>/<user name>, for
// the user's own assignments only. They expire at the earlier of the
// configured role-credential lifetime (default 1 hour) and the end of the
// session, and stop verifying when the session is revoked (Logout revokes
// it). For an assignment the wiring backs with a real IAM role (package
// iamrole) they are STS's, with STS's expiry; the handler asks one
// credential source either way and cannot tell the kinds apart. A role that
// refuses to be assumed answers ResourceNotFoundException, as no access
// does.
//
// POST /logout is also the path of the browser sign-out (package web), so it
// is not registered by Mount: WithLogout puts the portal's Logout in front of
// the pages for requests that carry the bearer-token header.
//
// Errors follow the model: UnauthorizedException 401,
// ResourceNotFoundException 404, InvalidRequestException 400,
// TooManyRequestsException 429, each with the X-Amzn-ErrorType header and a
// {"message"} body.
package ssoportal
