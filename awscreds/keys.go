package awscreds

import (
	"encoding/base32"
	"encoding/base64"
)

// Access key id prefixes, as AWS uses them
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-unique-ids).
const (
	PrefixTemporary = "ASIA" // temporary credentials, always with a session token
	PrefixLongTerm  = "AKIA" // long-term keys of service principals
)

// Shapes of the credentials signet mints.
const (
	AccessKeyIDLen = 20 // prefix + 16 characters of [A-Z2-7]
	SecretLen      = 40 // like AWS secrets: base64 characters
	keyIDRandBytes = 10 // 80 bits → 16 base32 characters
	secretBytes    = 30 // 240 bits → 40 base64 characters
)

// keyIDEncoding is the upper-case base32 alphabet AWS key ids are drawn from.
var keyIDEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

func formatKeyID(prefix string, b []byte) string {
	return prefix + keyIDEncoding.EncodeToString(b[:keyIDRandBytes])
}

func formatSecret(b []byte) string {
	return base64.StdEncoding.EncodeToString(b[:secretBytes])
}

// IsTemporaryKeyID reports whether id has the shape of the temporary access
// key ids signet mints (ASIA + 16 characters of [A-Z2-7]).
func IsTemporaryKeyID(id string) bool { return wellFormedKeyID(id, PrefixTemporary) }

// IsLongTermKeyID reports whether id has the shape of the long-term access
// key ids signet mints (AKIA + 16 characters of [A-Z2-7]).
func IsLongTermKeyID(id string) bool { return wellFormedKeyID(id, PrefixLongTerm) }

func wellFormedKeyID(id, prefix string) bool {
	if len(id) != AccessKeyIDLen || id[:len(prefix)] != prefix {
		return false
	}
	for i := len(prefix); i < len(id); i++ {
		c := id[i]
		if !(c >= 'A' && c <= 'Z' || c >= '2' && c <= '7') {
			return false
		}
	}
	return true
}
