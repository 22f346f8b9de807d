// Package signettest starts a real signet server inside a Go test, so that
// another project can test its AWS tooling against the SSO OIDC, SSO
// portal, Sign-In and STS APIs without an AWS account.
//
// Start builds the whole server (SQLite in t.TempDir, a random master key,
// every surface behind the real middleware) on a loopback listener and
// stops it when the test ends. Server.AWSConfig gives an aws.Config whose
// endpoints are the server; Server.LoginSSO and Server.LoginSignIn do what
// `aws sso login` and `aws login` do and return the cache files that
// ssocreds and logincreds read. The browser step of those logins is played
// by a Person: by default one that signs in with the user's password and
// approves, or one the test supplies (WithPerson).
package signettest
