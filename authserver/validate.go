package authserver

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"slices"
	"unicode"
	"unicode/utf8"

	"github.com/signet-auth/signet"
)

// Input limits (catalogue IN-02).
const (
	MaxScopes         = 50
	MaxScopeLen       = 256
	MaxRedirectURIs   = 20
	MaxRedirectURILen = 2048
	MaxClientNameLen  = 256
	MaxClientIDLen    = 256
	MaxIssuerURLLen   = 2048
	MaxNonceLen       = 512
	MaxPasswordLen    = 1024 // bytes; argon2 would take more, a login form needs no more
	MinPasswordLen    = 8
	MaxDisplayNameLen = 256
	MaxTokenLen       = 4096 // any presented code or token; longer is malformed
)

// validScopes checks scope tokens (signet.ScopeToken) and the count cap.
func validScopes(scopes []string) *signet.Error {
	if len(scopes) > MaxScopes {
		return invalidRequest("Too many scopes.")
	}
	for _, sc := range scopes {
		if !signet.ScopeToken(sc, MaxScopeLen) {
			return invalidScope()
		}
	}
	return nil
}

// subset reports whether every element of sub is in of.
func subset(sub, of []string) bool {
	for _, x := range sub {
		if !slices.Contains(of, x) {
			return false
		}
	}
	return true
}

// allowedByClient reports whether scopes are within what c registered; a
// client that registered no scopes is not restricted by scope.
func allowedByClient(c signet.Client, scopes []string) bool {
	return len(c.Scopes) == 0 || subset(scopes, c.Scopes)
}

// dedupe returns xs without repeats, first occurrence kept.
func dedupe(xs []string) []string {
	out := make([]string, 0, len(xs))
	for _, x := range xs {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

// printable reports whether s is valid UTF-8 of at most maxLen bytes with no
// control characters (C0, DEL, C1) — what a name shown on a page may hold.
func printable(s string, maxLen int) bool {
	if len(s) > maxLen || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return false
		}
	}
	return true
}

// validClientID: printable ASCII without spaces (Sign-In's built-in ids are
// ARNs such as arn:aws:signin:::devtools/same-device).
func validClientID(id string) bool {
	if id == "" || len(id) > MaxClientIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] <= 0x20 || id[i] > 0x7e {
			return false
		}
	}
	return true
}

// iamName reports whether s is 1..64 characters of IAM's name set
// [\w+=,.@-] — role names and, from 2 characters, role session names
// (https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html).
func iamName(s string, minLen int) bool {
	if len(s) < minLen || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' ||
			c == '+' || c == '=' || c == ',' || c == '.' || c == '@' || c == '-') {
			return false
		}
	}
	return true
}

// validAccountID: exactly 12 digits.
func validAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// validAssignment checks an AWS account id and an IAM role name.
func validAssignment(a signet.Assignment) bool {
	return validAccountID(a.AccountID) && iamName(a.RoleName, 1)
}

// base64URL43 reports whether s is exactly 43 characters of unpadded
// base64url: the encoding of a SHA-256 value (PKCE challenges, RFC 7638
// thumbprints).
func base64URL43(s string) bool {
	if len(s) != 43 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	// The last character carries 2 padding bits that must be zero for the
	// encoding to be canonical.
	_, err := base64.RawURLEncoding.Strict().DecodeString(s)
	return err == nil
}

// validVerifier: RFC 7636 §4.1 code_verifier, 43–128 of [A-Za-z0-9-._~].
func validVerifier(v string) bool {
	if len(v) < 43 || len(v) > 128 {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' ||
			c == '-' || c == '.' || c == '_' || c == '~') {
			return false
		}
	}
	return true
}

// pkceMatches computes the S256 transformation (RFC 7636 §4.6) and compares
// in constant time.
func pkceMatches(challenge, verifier string) bool {
	sum := sha256.Sum256([]byte(verifier))
	got := base64.RawURLEncoding.EncodeToString(sum[:])
	return subtle.ConstantTimeCompare([]byte(got), []byte(challenge)) == 1
}
