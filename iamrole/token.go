package iamrole

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/signet-auth/signet"
)

// TokenType is the typ header of web identity tokens; no other signet JWT
// has it, so an ID token cannot pass for one or the reverse (RFC 8725 §3.11).
const TokenType = signet.JWTTypeWebIdentity

// MaxTokenLifetime bounds a web identity token: it is spent at once, on one
// STS call.
const MaxTokenLifetime = 5 * time.Minute

// Claim names AWS reads from a web identity token.
const (
	ClaimTags           = "https://aws.amazon.com/tags"
	ClaimSourceIdentity = "https://aws.amazon.com/source_identity"
)

// Session tag keys signet passes.
const (
	TagUser = "signet-user"
	TagID   = "signet-user-id"
)

// TokenSigner signs a JWT with a key published in the issuer's JWKS, with
// the typ the claims name (Claims.JWTType); *keyring.Keyring implements it.
type TokenSigner interface {
	SignJWT(claims any) (string, error)
}

// sessionTags is the https://aws.amazon.com/tags claim.
type sessionTags struct {
	PrincipalTags     map[string][]string `json:"principal_tags"`
	TransitiveTagKeys []string            `json:"transitive_tag_keys"`
}

// Claims are a web identity token's claims.
type Claims struct {
	Iss            string      `json:"iss"`
	Sub            string      `json:"sub"`
	Aud            string      `json:"aud"`
	Iat            int64       `json:"iat"`
	Nbf            int64       `json:"nbf"`
	Exp            int64       `json:"exp"`
	Jti            string      `json:"jti"`
	SourceIdentity string      `json:"https://aws.amazon.com/source_identity"`
	Tags           sessionTags `json:"https://aws.amazon.com/tags"`
}

// JWTType makes the signer write TokenType as the typ header.
func (Claims) JWTType() string { return TokenType }

// claims builds the token for a user, valid from now for life.
func claims(issuer, audience, userID, userName string, now time.Time, life time.Duration, rand io.Reader) (Claims, error) {
	var b [16]byte
	if _, err := io.ReadFull(rand, b[:]); err != nil {
		return Claims{}, fmt.Errorf("iamrole: random source: %w", err)
	}
	who := SessionName(userID, userName)
	return Claims{
		Iss: issuer, Sub: userID, Aud: audience,
		Iat: now.Unix(), Nbf: now.Unix(), Exp: now.Add(life).Unix(),
		Jti:            base64.RawURLEncoding.EncodeToString(b[:]),
		SourceIdentity: who,
		Tags: sessionTags{
			PrincipalTags:     map[string][]string{TagUser: {tagValue(userName)}, TagID: {tagValue(userID)}},
			TransitiveTagKeys: []string{TagUser, TagID},
		},
	}, nil
}

// Role session names and source identities: 2–64 characters of letters,
// digits and +=,.@_- (STS API reference, RoleSessionName, SourceIdentity).
const (
	minSessionName = 2
	maxSessionName = 64
	digestLen      = 8
)

func sessionChar(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("+=,.@_-", r)
}

// SessionName is the role session name and source identity for a user: the
// name itself when it fits STS's rules, else the name with every other
// character replaced by '_', cut short, and followed by '-' and a digest of
// the user id, so that two users never share one (catalogue AW-03).
func SessionName(userID, userName string) string {
	var b strings.Builder
	lossy := false
	for _, r := range userName {
		if sessionChar(r) {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
			lossy = true
		}
	}
	s := b.String()
	if !lossy && len(s) >= minSessionName && len(s) <= maxSessionName {
		return s
	}
	d := sha256.Sum256([]byte(userID))
	suffix := "-" + hex.EncodeToString(d[:])[:digestLen]
	if len(s) > maxSessionName-len(suffix) {
		s = s[:maxSessionName-len(suffix)]
	}
	return s + suffix
}

// tagValue fits a session tag value: up to 256 characters of letters,
// digits, spaces and _.:/=+-@ (IAM tag rules); others become '_'.
func tagValue(v string) string {
	var b strings.Builder
	n := 0
	for _, r := range v {
		if n == 256 {
			break
		}
		if sessionChar(r) && r != ',' || strings.ContainsRune(" :/", r) {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
		n++
	}
	return b.String()
}
