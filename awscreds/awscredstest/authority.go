package awscredstest

import (
	"context"
	"crypto/rand"
	"sync"
	"testing"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/awscreds"
	"github.com/signet-auth/signet/secret"
)

// Sessions answers awscreds' session liveness question the way the grant
// store would: every session is live until revoked.
type Sessions struct {
	mu    sync.Mutex
	dead  map[string]bool
	calls int
	err   error
}

// Live implements awscreds.SessionLiveFunc.
func (s *Sessions) Live(_ context.Context, id string) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	return !s.dead[id], s.err
}

// Revoke ends a session.
func (s *Sessions) Revoke(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.dead == nil {
		s.dead = map[string]bool{}
	}
	s.dead[id] = true
}

// Fail makes every later question fail with err (nil: answer again).
func (s *Sessions) Fail(err error) { s.mu.Lock(); defer s.mu.Unlock(); s.err = err }

// Calls returns how often the liveness was asked.
func (s *Sessions) Calls() int { s.mu.Lock(); defer s.mu.Unlock(); return s.calls }

// NewAuthority returns an Authority with fresh random AEAD and HMAC keys,
// crypto/rand, and the given clock, sessions and key store (nil: none).
func NewAuthority(t testing.TB, clock signet.Clock, sessions *Sessions, keys signet.AccessKeyStore) *awscreds.Authority {
	t.Helper()
	key := make([]byte, 32)
	rand.Read(key)
	aead, err := NewAEAD(key, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	h, err := secret.NewHasher(key)
	if err != nil {
		t.Fatal(err)
	}
	a, err := awscreds.New(awscreds.Config{
		AEAD: aead, Deriver: secret.NewMinter(rand.Reader, h), Rand: rand.Reader, Clock: clock,
		SessionLive: sessions.Live, Keys: keys,
	})
	if err != nil {
		t.Fatal(err)
	}
	return a
}
