package secret

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"sync"
	"testing"

	"github.com/signet-auth/signet"
)

// reference computes, with a fresh HMAC state, what Digest and Derive must
// answer: the stored digests of every existing token depend on it.
func reference(key []byte, parts ...string) []byte {
	m := hmac.New(sha256.New, key)
	for _, p := range parts {
		m.Write([]byte(p))
	}
	return m.Sum(nil)
}

// TestPooledMACsMatchFreshOnes: a pooled state is reset between uses, so
// every digest and derivation, however many came before it and from however
// many goroutines, equals the one a fresh HMAC computes.
func TestPooledMACsMatchFreshOnes(t *testing.T) {
	h := hasher(t, "k")
	m := NewMinter(failing{}, h)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				in := string(rune('a'+g)) + string(rune('a'+i%26)) + "-input"
				var want signet.Digest
				copy(want[:], reference(h.digestKey, in))
				if got := h.Digest(in); got != want {
					t.Errorf("Digest(%q) = %x, want %x", in, got, want)
					return
				}
				s, d := m.Derive(PrefixSignInAccess, in, "access")
				wantS := PrefixSignInAccess + base64.RawURLEncoding.EncodeToString(reference(h.deriveKey, "access", "\x00", in))
				if s != wantS || d != h.Digest(wantS) {
					t.Errorf("Derive(%q) = %q, want %q", in, s, wantS)
					return
				}
			}
		}()
	}
	wg.Wait()
}
