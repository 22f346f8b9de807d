package awscreds

import (
	"bytes"
	"testing"
	"time"
)

// FuzzDecodeClaims: the plaintext parser of session tokens never panics,
// and whatever it accepts encodes back to exactly the same bytes (one
// encoding per claim set, so nothing is ignored).
func FuzzDecodeClaims(f *testing.F) {
	c := claims{KeyID: "ASIAABCDEFGHIJKLMN23", Secret: "s", ARN: "arn:aws:sts::123456789012:assumed-role/Admin/alice",
		AccountID: "123456789012", UserID: "AROAX:alice", SessionID: "sess", Expires: time.Unix(1800000000, 0)}
	f.Add(c.encode())
	f.Add([]byte{claimsVersion1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0})
	f.Add([]byte{})
	f.Add([]byte{claimsVersion1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := decodeClaims(b)
		if err != nil {
			return
		}
		if again := got.encode(); !bytes.Equal(again, b) {
			t.Fatalf("decode(%x) = %+v encodes to %x", b, got, again)
		}
	})
}
