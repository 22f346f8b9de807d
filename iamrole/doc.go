// Package iamrole makes signet the OpenID Connect identity provider of real
// AWS accounts: for an assignment whose (account, role) has a
// signet.RoleBinding, it signs a short-lived web identity token for the
// user and exchanges it at STS AssumeRoleWithWebIdentity
// (https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html)
// for real credentials on the bound role.
//
// The token (catalogue AW-01) is an ES256 JWT signed with the server's
// signing key, whose public half is in the JWKS the issuer's OpenID
// discovery document names, as IAM's OIDC providers require
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_oidc.html).
// STS verifies ECDSA signatures of OIDC tokens as well as RSA ones since
// 2024-11-20 ("Announcing Amazon STS support for ECDSA-based signatures of
// OIDC tokens", AWS What's New,
// https://amazonaws.cn/en/new/2024/announcing-amazon-sts-support-for-ecdsa-based-signatures-of-oidc-tokens/):
// iss the public issuer URL, aud
// the configured IAM audience (the provider's client id), sub the user's
// id (stable across renames), at most five minutes of life, and the typ
// TokenType, which no other signet JWT carries. Its claims
// https://aws.amazon.com/source_identity and https://aws.amazon.com/tags
// (principal_tags, transitive_tag_keys) name the person, so CloudTrail and
// policies see who acts (catalogue AW-03;
// https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_control-access_monitor.html,
// https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html).
// The role session name is the user name cut to STS's charset, made unique
// by a digest of the user id when anything was cut.
//
// Source is the credential source the SSO portal and Sign-In are handed: it
// chooses per assignment between local credentials (awscreds.Authority) and
// STS, so the surfaces never know which kind they hand out. Every STS
// failure becomes a *signet.Error the surfaces render in their own shapes
// (catalogue AW-02): a refusal is CodeAccessDenied, throttling
// CodeTooManyRequests, and a down, slow or garbled STS CodeUnavailable. Each
// request makes at most one STS call, bounded by a timeout, and nothing is
// cached, so a failure leaves nothing behind.
package iamrole
