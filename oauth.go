package signet

// The built-in Sign-In clients of aws login (signin.md §6.1). AWS fixes
// their ids; every package that knows them (the pages, the Sign-In token
// endpoint, the CLI) uses these.
const (
	SignInSameDevice  = "arn:aws:signin:::devtools/same-device"
	SignInCrossDevice = "arn:aws:signin:::devtools/cross-device"
)

// The typ header of each kind of JWT signet signs (RFC 8725 §3.11,
// catalogue JT-01), so that one kind cannot be presented as another under
// the same key.
const (
	// JWTTypeID is the typ of ID tokens (OIDC Core §2 defines no other).
	JWTTypeID = "JWT"
	// JWTTypeAccess is RFC 9068 §2.1's typ of JWT access tokens.
	JWTTypeAccess = "at+jwt"
	// JWTTypeWebIdentity is the typ of the web identity tokens signet sends
	// STS AssumeRoleWithWebIdentity (package iamrole; catalogue AW-01).
	JWTTypeWebIdentity = "signet-web-identity+jwt"
)

// ScopeToken reports whether s is an RFC 6749 §3.3 scope-token,
// 1*( %x21 / %x23-5B / %x5D-7E ), of at most maxLen bytes.
func ScopeToken(s string, maxLen int) bool {
	if s == "" || len(s) > maxLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x21 || c == '"' || c == '\\' || c > 0x7e {
			return false
		}
	}
	return true
}
