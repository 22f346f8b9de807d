package awscreds

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"time"
)

// AEAD seals data with the server's current AEAD key and opens data sealed
// with any key that still verifies. Package keyring provides it.
type AEAD interface {
	Seal(plaintext, additionalData []byte) ([]byte, error)
	Open(ciphertext, additionalData []byte) ([]byte, error)
	// SealDeterministic seals with a nonce derived (under the key) from
	// nonceSeed, so equal inputs give equal ciphertexts. Callers must make
	// nonceSeed cover the whole plaintext and additional data: two different
	// plaintexts must never share a seed.
	SealDeterministic(plaintext, additionalData, nonceSeed []byte) ([]byte, error)
}

// Session token layout. The token is base64 (standard alphabet, padded, as
// STS session tokens are) of one format byte followed by the AEAD
// ciphertext of the claims; the additional data binds it to its access key
// id, so a token moved to another key id does not open.
const (
	tokenFormat1   = 0x01
	claimsVersion1 = 0x01
	// MaxSessionTokenLen bounds what is decoded at all. signet's tokens are
	// about 400 characters; STS's can exceed 1000.
	MaxSessionTokenLen = 4096
	maxClaimField      = 1024
	tokenADLabel       = "signet awscreds session token v1\x00"
)

// claims is what a session token carries.
type claims struct {
	KeyID     string
	Secret    string
	ARN       string
	AccountID string
	UserID    string
	SessionID string
	Expires   time.Time // whole seconds
}

var errMalformed = errors.New("awscreds: malformed session token")

// encode writes claims as: version, expiry (int64 unix seconds, big
// endian), then each string as uvarint length and bytes.
func (c *claims) encode() []byte {
	fields := c.fields()
	n := 1 + 8
	for _, f := range fields {
		n += binary.MaxVarintLen64 + len(*f)
	}
	b := make([]byte, 0, n)
	b = append(b, claimsVersion1)
	b = binary.BigEndian.AppendUint64(b, uint64(c.Expires.Unix()))
	for _, f := range fields {
		b = binary.AppendUvarint(b, uint64(len(*f)))
		b = append(b, *f...)
	}
	return b
}

func (c *claims) fields() []*string {
	return []*string{&c.KeyID, &c.Secret, &c.ARN, &c.AccountID, &c.UserID, &c.SessionID}
}

// decodeClaims parses what encode wrote, strictly: a wrong version, a field
// longer than its bound or than what is left, or trailing bytes fail.
func decodeClaims(b []byte) (claims, error) {
	var c claims
	if len(b) < 9 || b[0] != claimsVersion1 {
		return claims{}, errMalformed
	}
	exp := int64(binary.BigEndian.Uint64(b[1:9]))
	if exp <= 0 {
		return claims{}, errMalformed
	}
	c.Expires = time.Unix(exp, 0).UTC()
	b = b[9:]
	for _, f := range c.fields() {
		n, k := binary.Uvarint(b)
		// A length must be minimally encoded: one encoding per claim set.
		if k <= 0 || k != uvarintLen(n) || n > maxClaimField || n > uint64(len(b)-k) {
			return claims{}, errMalformed
		}
		*f = string(b[k : k+int(n)])
		b = b[k+int(n):]
	}
	if len(b) != 0 {
		return claims{}, errMalformed
	}
	return c, nil
}

func tokenAD(keyID string) []byte {
	return append([]byte(tokenADLabel), keyID...)
}

// sealToken seals c. With deterministic set, equal claims give an equal
// token: the nonce seed is the hash of the additional data and the claims,
// so different claims never share a nonce.
func sealToken(aead AEAD, c claims, deterministic bool) (string, error) {
	pt := c.encode()
	ad := tokenAD(c.KeyID)
	var ct []byte
	var err error
	if deterministic {
		h := sha256.New()
		h.Write(ad)
		h.Write(pt)
		ct, err = aead.SealDeterministic(pt, ad, h.Sum(nil))
	} else {
		ct, err = aead.Seal(pt, ad)
	}
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(append([]byte{tokenFormat1}, ct...)), nil
}

// openToken returns the claims of a session token presented with keyID.
func openToken(aead AEAD, keyID, token string) (claims, error) {
	if len(token) == 0 || len(token) > MaxSessionTokenLen {
		return claims{}, errMalformed
	}
	raw, err := base64.StdEncoding.DecodeString(token)
	if err != nil || len(raw) < 2 || raw[0] != tokenFormat1 {
		return claims{}, errMalformed
	}
	pt, err := aead.Open(raw[1:], tokenAD(keyID))
	if err != nil {
		return claims{}, errMalformed
	}
	c, err := decodeClaims(pt)
	if err != nil {
		return claims{}, err
	}
	if c.KeyID != keyID {
		return claims{}, errMalformed
	}
	return c, nil
}

func uvarintLen(x uint64) int {
	n := 1
	for ; x >= 0x80; x >>= 7 {
		n++
	}
	return n
}
