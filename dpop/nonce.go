package dpop

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

// Server nonces (RFC 9449 §8) are stateless: a nonce is the number of the
// time bucket it was minted in and an HMAC of that number under the
// caller's key, so any node holding the key checks any node's nonce without
// shared state. A nonce is accepted while the checking node's clock is in
// the nonce's bucket or the next one (a lifetime between one and two
// periods), and also in the bucket before, so that a node whose clock runs a
// little behind the minting node's does not refuse it.

const (
	nonceLabel   = "signet dpop nonce v1\x00"
	nonceMACSize = 16 // 128 bits: forging one nonce is as hard as guessing a secret
	nonceSize    = 8 + nonceMACSize
)

// nonceLen is the base64url length of a nonce.
const nonceLen = (nonceSize*8 + 5) / 6

// NonceError is wrapped in the error of a use_dpop_nonce failure. Nonce is
// the fresh value to send in the DPoP-Nonce response header (RFC 9449 §8.1).
type NonceError struct {
	Nonce string
	Err   error // why the proof's nonce was not accepted
}

func (e *NonceError) Error() string { return e.Err.Error() }
func (e *NonceError) Unwrap() error { return e.Err }

// NonceFromError returns the nonce to send in the DPoP-Nonce header when err
// is a use_dpop_nonce failure from Verify.
func NonceFromError(err error) (string, bool) {
	var ne *NonceError
	if errors.As(err, &ne) {
		return ne.Nonce, true
	}
	return "", false
}

type nonces struct {
	key    []byte
	period time.Duration
}

func (n *nonces) bucket(now time.Time) uint64 {
	return uint64(now.UnixNano() / int64(n.period))
}

func (n *nonces) mac(bucket uint64) []byte {
	m := hmac.New(sha256.New, n.key)
	m.Write([]byte(nonceLabel))
	m.Write(binary.BigEndian.AppendUint64(nil, bucket))
	return m.Sum(nil)[:nonceMACSize]
}

// mint returns the nonce of the bucket now falls in.
func (n *nonces) mint(now time.Time) string {
	b := n.bucket(now)
	raw := binary.BigEndian.AppendUint64(make([]byte, 0, nonceSize), b)
	return encodeB64(append(raw, n.mac(b)...))
}

// check accepts a nonce minted by a holder of the key within the window.
func (n *nonces) check(s string, now time.Time) error {
	if s == "" {
		return fmt.Errorf("%w: no nonce", errNonce)
	}
	if len(s) != nonceLen {
		return fmt.Errorf("%w: unknown nonce", errNonce)
	}
	raw, err := decodeB64(s)
	if err != nil || len(raw) != nonceSize {
		return fmt.Errorf("%w: unknown nonce", errNonce)
	}
	b := binary.BigEndian.Uint64(raw[:8])
	if !hmac.Equal(raw[8:], n.mac(b)) {
		return fmt.Errorf("%w: unknown nonce", errNonce)
	}
	cur := n.bucket(now)
	if b+1 < cur || b > cur+1 {
		return fmt.Errorf("%w: stale nonce", errNonce)
	}
	return nil
}
