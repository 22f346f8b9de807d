package awscredstest

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"io"
	"slices"
	"strings"
	"sync"

	"github.com/signet-auth/signet"
)

// AEAD is AES-256-GCM under one key; the 12-byte nonce leads the ciphertext.
type AEAD struct {
	gcm      cipher.AEAD
	nonceKey []byte
	rand     io.Reader
}

// NewAEAD returns an AEAD for a 32-byte key, drawing nonces from rand.
func NewAEAD(key []byte, rand io.Reader) (*AEAD, error) {
	if len(key) != 32 {
		return nil, errors.New("awscredstest: key must be 32 bytes")
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte("nonce key"))
	return &AEAD{gcm: gcm, nonceKey: m.Sum(nil), rand: rand}, nil
}

// Seal encrypts with a random nonce.
func (a *AEAD) Seal(pt, ad []byte) ([]byte, error) {
	nonce := make([]byte, a.gcm.NonceSize(), a.gcm.NonceSize()+len(pt)+a.gcm.Overhead())
	if _, err := io.ReadFull(a.rand, nonce); err != nil {
		return nil, err
	}
	return a.gcm.Seal(nonce, nonce, pt, ad), nil
}

// SealDeterministic encrypts with the nonce HMAC(key, nonceSeed).
func (a *AEAD) SealDeterministic(pt, ad, nonceSeed []byte) ([]byte, error) {
	m := hmac.New(sha256.New, a.nonceKey)
	m.Write(nonceSeed)
	nonce := m.Sum(nil)[:a.gcm.NonceSize()]
	return a.gcm.Seal(slices.Clip(nonce), nonce, pt, ad), nil
}

// Open decrypts what Seal or SealDeterministic produced.
func (a *AEAD) Open(ct, ad []byte) ([]byte, error) {
	n := a.gcm.NonceSize()
	if len(ct) < n+a.gcm.Overhead() {
		return nil, errors.New("awscredstest: ciphertext too short")
	}
	return a.gcm.Open(nil, ct[:n], ct[n:], ad)
}

// AccessKeys is an in-memory signet.AccessKeyStore.
type AccessKeys struct {
	mu   sync.Mutex
	keys map[string]signet.AccessKey
}

var _ signet.AccessKeyStore = (*AccessKeys)(nil)

// NewAccessKeys returns an empty store.
func NewAccessKeys() *AccessKeys { return &AccessKeys{keys: map[string]signet.AccessKey{}} }

// CreateAccessKey stores k; ErrConflict if the id is taken.
func (s *AccessKeys) CreateAccessKey(_ context.Context, k signet.AccessKey) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.keys[k.ID]; ok {
		return signet.ErrConflict
	}
	k.SealedSecret = slices.Clone(k.SealedSecret)
	s.keys[k.ID] = k
	return nil
}

// GetAccessKey returns ErrNotFound for no such key.
func (s *AccessKeys) GetAccessKey(_ context.Context, id string) (signet.AccessKey, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k, ok := s.keys[id]
	if !ok {
		return signet.AccessKey{}, signet.ErrNotFound
	}
	return k, nil
}

// ListAccessKeys returns the keys of principalARN ("" for all) by creation
// time, then id.
func (s *AccessKeys) ListAccessKeys(_ context.Context, principalARN string) ([]signet.AccessKey, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []signet.AccessKey
	for _, k := range s.keys {
		if principalARN == "" || k.PrincipalARN == principalARN {
			out = append(out, k)
		}
	}
	slices.SortFunc(out, func(a, b signet.AccessKey) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

// DeleteAccessKey removes the key; ErrNotFound if there is none.
func (s *AccessKeys) DeleteAccessKey(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.keys[id]; !ok {
		return signet.ErrNotFound
	}
	delete(s.keys, id)
	return nil
}

// Disable marks a key disabled (the backends will offer this through the
// admin commands).
func (s *AccessKeys) Disable(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if k, ok := s.keys[id]; ok {
		k.Disabled = true
		s.keys[id] = k
	}
}
