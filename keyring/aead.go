package keyring

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/signet-auth/signet"
)

// ErrCiphertext is the one error Open gives, whatever went wrong (too short,
// unknown or retired key, altered byte, other associated data), so that a
// caller cannot learn which check failed (catalogue SE-03).
var ErrCiphertext = errors.New("keyring: ciphertext does not open")

// Seal encrypts plaintext with the active AEAD key (AES-256-GCM, random
// nonce), binding ad. The result is
//
//	len(id) | id | nonce (12 bytes) | ciphertext and tag
//
// so that Open finds the key that sealed it after a rotation. ad is not
// included; the caller presents it again to Open (for a self-contained token,
// say, its type and the client it was issued to).
func (kr *Keyring) Seal(plaintext, ad []byte) ([]byte, error) {
	k, err := kr.activeAEAD()
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, k.gcm.NonceSize())
	if _, err := io.ReadFull(kr.rand, nonce); err != nil {
		return nil, fmt.Errorf("keyring: random source: %w", err)
	}
	return k.seal(plaintext, ad, nonce), nil
}

// SealDeterministic is Seal with a nonce computed instead of drawn, so that
// the same inputs give the same output: an idempotent retry (a refresh
// presented twice within its grace window) hands back byte-for-byte the
// token the first call issued, without storing it.
//
// The nonce is HMAC-SHA-256, under a key derived from the AEAD key, of
// nonceSeed, ad and plaintext, cut to 96 bits: a synthetic IV (the idea of
// RFC 5297). AES-GCM breaks if one nonce seals two different messages; here
// two messages share a nonce only if they are the same message under the same
// seed (and then the outputs are equal, which is the point) or by a 96-bit
// PRF collision, as unlikely as a random nonce repeating. Callers pass a seed
// that is itself a unique secret (say, the refresh token being redeemed), so
// equal outputs reveal nothing a holder of the seed does not already know.
// After an AEAD key rotation the output changes; both versions open.
func (kr *Keyring) SealDeterministic(plaintext, ad, nonceSeed []byte) ([]byte, error) {
	if len(nonceSeed) == 0 {
		return nil, errors.New("keyring: SealDeterministic needs a nonce seed")
	}
	k, err := kr.activeAEAD()
	if err != nil {
		return nil, err
	}
	m := hmac.New(sha256.New, k.nonceKey)
	for _, part := range [][]byte{nonceSeed, ad, plaintext} {
		m.Write(binary.BigEndian.AppendUint64(nil, uint64(len(part))))
		m.Write(part)
	}
	return k.seal(plaintext, ad, m.Sum(nil)[:k.gcm.NonceSize()]), nil
}

// Open decrypts what Seal or SealDeterministic produced under the same ad.
// A ciphertext naming a key this node does not know makes it reload the keys
// (rate-limited) before it gives up. Every failure is ErrCiphertext.
func (kr *Keyring) Open(ciphertext, ad []byte) ([]byte, error) {
	if len(ciphertext) < 1 || len(ciphertext) < 1+int(ciphertext[0]) {
		return nil, ErrCiphertext
	}
	id := string(ciphertext[1 : 1+int(ciphertext[0])])
	find := func(st *state) bool { return st.aead[id] != nil }
	st := kr.cur.Load()
	if !find(st) {
		st = kr.reloadOnMiss(find)
	}
	k := st.aead[id]
	if k == nil || k.info.Retired(kr.clock.Now()) {
		return nil, ErrCiphertext
	}
	rest := ciphertext[1+len(id):]
	n := k.gcm.NonceSize()
	if len(rest) < n+k.gcm.Overhead() {
		return nil, ErrCiphertext
	}
	pt, err := k.gcm.Open(nil, rest[:n], rest[n:], aeadAD(id, ad))
	if err != nil {
		return nil, ErrCiphertext
	}
	return pt, nil
}

func (kr *Keyring) activeAEAD() (*aeadKey, error) {
	st := kr.cur.Load()
	id := st.active(signet.KeyAEAD, kr.clock.Now())
	if id == "" {
		return nil, errors.New("keyring: no active AEAD key")
	}
	return st.aead[id], nil
}

func (k *aeadKey) seal(plaintext, ad, nonce []byte) []byte {
	id := k.info.ID
	out := make([]byte, 0, 1+len(id)+len(nonce)+len(plaintext)+k.gcm.Overhead())
	out = append(out, byte(len(id)))
	out = append(out, id...)
	out = append(out, nonce...)
	return k.gcm.Seal(out, nonce, plaintext, aeadAD(id, ad))
}

// aeadAD binds the key id along with the caller's ad. The key alone would
// catch a swapped id, but naming it keeps the header inside the
// authenticated data whatever keys hold.
func aeadAD(id string, ad []byte) []byte {
	return append(lengthPrefixed("signet aead v1", id), ad...)
}

// RotateAEADKey adds an AEAD key that opens at once on every node that has
// reloaded and seals from now + Options.PublishDelay. Older keys keep
// opening until retired.
func (kr *Keyring) RotateAEADKey(ctx context.Context) (KeyInfo, error) {
	return kr.rotate(ctx, signet.KeyAEAD)
}

// RetireAEADKeys retires the AEAD keys superseded for longer than
// maxLifetime. Whatever they sealed no longer opens: pass the longest life of
// anything sealed (self-contained tokens, data at rest that is not resealed).
func (kr *Keyring) RetireAEADKeys(ctx context.Context, maxLifetime time.Duration) ([]KeyInfo, error) {
	return kr.retire(ctx, signet.KeyAEAD, maxLifetime)
}
