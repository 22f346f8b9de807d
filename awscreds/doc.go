// Package awscreds is signet's AWS credential authority: it mints the
// temporary credentials Sign-In hands out as its access token, keeps the
// long-term access keys of service principals, and answers the SigV4
// verifier's question "who holds this access key, and what is its secret?"
// (Authority implements sigv4.CredentialSource).
//
// Temporary credentials follow what STS hands out
// (https://docs.aws.amazon.com/STS/latest/APIReference/API_Credentials.html):
// an ASIA… access key id, a 40-character secret and a session token. The
// session token carries the principal, the expiry and the secret, sealed
// with the server's AEAD key and bound to the access key id, so a request
// signed with temporary credentials is verified without a database read. A
// revoked session's credentials stop verifying through the SessionLive hook
// (cached for a few seconds, so revocation takes effect within that TTL).
//
// Long-term keys (AKIA…) belong to service principals, IAM-user-like ARNs
// such as arn:aws:iam::123456789012:user/figma-broker. Their secret is shown
// once at creation and stored sealed in a signet.AccessKeyStore, which the
// storage backends implement.
//
// Principals of people come from their assignment: the role ARN
// arn:aws:sts::<account>:assumed-role/<role>/<user>, as
// GetCallerIdentity reports it for an assumed role
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html).
package awscreds
