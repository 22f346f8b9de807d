package testsupport

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"hash"
	"strings"
	"time"
)

// RFC6238 is TOTP written from RFC 6238 (§4, and the reference code of its
// Appendix A), independent of the library the server uses: HOTP (RFC 4226
// §5.3) of the step count floor(unix / 30), digits long.
func RFC6238(h func() hash.Hash, key []byte, unix int64, digits int) string {
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], uint64(unix/30))
	m := hmac.New(h, key)
	m.Write(msg[:])
	sum := m.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	bin := (uint32(sum[off])&0x7f)<<24 | uint32(sum[off+1])<<16 | uint32(sum[off+2])<<8 | uint32(sum[off+3])
	mod := uint32(1)
	for range digits {
		mod *= 10
	}
	return fmt.Sprintf("%0*d", digits, bin%mod)
}

// TOTPCode is the six-digit SHA-1 code of a base32 secret at t, as an
// authenticator app computes it; "" for a secret that is not base32.
func TOTPCode(secret string, t time.Time) string {
	key, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.ToUpper(strings.TrimRight(secret, "=")))
	if err != nil {
		return ""
	}
	return RFC6238(sha1.New, key, t.Unix(), 6)
}
