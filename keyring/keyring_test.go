package keyring

import (
	"bytes"
	"crypto/rand"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/secret"
)

func TestOpen_FirstStartCreatesKeys(t *testing.T) {
	store := newStore(t)
	kr := openRing(t, store, masterKey(t), newClock())

	if got := kr.HMACKey(); len(got) != 32 {
		t.Fatalf("HMAC key is %d bytes, want 32", len(got))
	}
	count := map[signet.KeyPurpose]int{}
	for _, k := range kr.List() {
		count[k.Purpose]++
		if !k.Current {
			t.Errorf("key %s (%s) is not current on first start", k.ID, k.Purpose)
		}
	}
	if count[signet.KeyHMAC] != 1 || count[signet.KeyAEAD] != 1 || count[signet.KeySigning] != 1 {
		t.Fatalf("keys by purpose = %v, want one of each", count)
	}
	ids := map[string]bool{}
	for _, k := range kr.List() {
		ids[k.ID] = true
	}
	if !ids[FirstHMACKeyID] || !ids[FirstAEADKeyID] {
		t.Errorf("first key ids = %v, want %s and %s", ids, FirstHMACKeyID, FirstAEADKeyID)
	}

	// The store holds the material sealed, never in the clear.
	stored, err := store.ListKeys(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	st := kr.cur.Load()
	plain := [][]byte{kr.HMACKey()}
	for _, k := range st.signing {
		b, err := k.priv.Bytes()
		if err != nil {
			t.Fatal(err)
		}
		plain = append(plain, b)
	}
	for _, k := range stored {
		for _, m := range plain {
			if bytes.Contains(k.Sealed, m[:16]) {
				t.Errorf("key %s: stored bytes contain key material in the clear", k.ID)
			}
		}
	}
}

func TestOpen_RestartReusesKeys(t *testing.T) {
	store, master, clock := newStore(t), masterKey(t), newClock()
	first := openRing(t, store, master, clock)
	sealed, err := first.Seal([]byte("at rest"), []byte("ad"))
	if err != nil {
		t.Fatal(err)
	}
	token, err := first.SignJWT(map[string]string{"sub": "alice"})
	if err != nil {
		t.Fatal(err)
	}

	second := openRing(t, store, master, clock)
	if !bytes.Equal(first.HMACKey(), second.HMACKey()) {
		t.Fatal("restart gave another HMAC key")
	}
	h1, _ := secret.NewHasher(first.HMACKey())
	h2, _ := secret.NewHasher(second.HMACKey())
	if h1.Digest("aoa-token") != h2.Digest("aoa-token") {
		t.Fatal("restart gave another digest for the same input")
	}
	if len(second.List()) != len(first.List()) {
		t.Fatalf("restart added keys: %d, was %d", len(second.List()), len(first.List()))
	}
	if pt, err := second.Open(sealed, []byte("ad")); err != nil || string(pt) != "at rest" {
		t.Fatalf("Open after restart = %q, %v", pt, err)
	}
	var claims map[string]string
	if err := second.VerifyJWT(token, &claims); err != nil || claims["sub"] != "alice" {
		t.Fatalf("VerifyJWT after restart = %v, %v", claims, err)
	}
}

func TestOpen_WrongMasterKey(t *testing.T) {
	store, clock := newStore(t), newClock()
	openRing(t, store, masterKey(t), clock)
	before, _ := store.ListKeys(t.Context())

	_, err := Open(t.Context(), store, masterKey(t), clock, rand.Reader, Options{})
	if !errors.Is(err, ErrWrongMasterKey) {
		t.Fatalf("Open with another master key: %v, want ErrWrongMasterKey", err)
	}
	if !strings.Contains(err.Error(), "master key does not open the stored keys") {
		t.Errorf("error %q does not say what is wrong", err)
	}
	after, _ := store.ListKeys(t.Context())
	if len(after) != len(before) {
		t.Errorf("a failed Open wrote keys: %d, was %d", len(after), len(before))
	}
}

func TestOpen_MasterKeyLength(t *testing.T) {
	for _, n := range []int{0, 16, 31, 33, 64} {
		if _, err := Open(t.Context(), newStore(t), make([]byte, n), newClock(), rand.Reader, Options{}); err == nil {
			t.Errorf("Open with a %d-byte master key succeeded", n)
		}
	}
}

// A sealed key is bound to its row: moved to another row, it does not open.
func TestOpen_SealedKeyBoundToItsRow(t *testing.T) {
	store, master, clock := newStore(t), masterKey(t), newClock()
	openRing(t, store, master, clock)
	keys, err := store.ListKeys(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	// Copy the rows to another database with the HMAC and AEAD keys'
	// sealed blobs swapped: each is the right size and sealed by the right
	// master key, only in the wrong row.
	byID := map[string]*signet.Key{}
	for i := range keys {
		byID[keys[i].ID] = &keys[i]
	}
	h, a := byID[FirstHMACKeyID], byID[FirstAEADKeyID]
	h.Sealed, a.Sealed = a.Sealed, h.Sealed
	swapped := newStore(t)
	for _, k := range keys {
		if err := swapped.AddKey(t.Context(), k); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := Open(t.Context(), swapped, master, clock, rand.Reader, Options{}); !errors.Is(err, ErrWrongMasterKey) {
		t.Fatalf("Open with swapped sealed keys: %v, want ErrWrongMasterKey", err)
	}
}

// Nodes starting at once on an empty store agree on the HMAC and AEAD keys.
func TestOpen_ConcurrentFirstStartAgrees(t *testing.T) {
	const nodes = 4
	store := newBarrierStore(newStore(t), nodes)
	master, clock := masterKey(t), newClock()

	rings := make([]*Keyring, nodes)
	errs := make([]error, nodes)
	var wg sync.WaitGroup
	for i := range nodes {
		wg.Go(func() {
			rings[i], errs[i] = Open(t.Context(), store, master, clock, rand.Reader, Options{})
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("node %d: %v", i, err)
		}
	}
	sealed, err := rings[0].Seal([]byte("x"), nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, kr := range rings[1:] {
		if !bytes.Equal(kr.HMACKey(), rings[0].HMACKey()) {
			t.Errorf("node %d has another HMAC key", i+1)
		}
		if _, err := kr.Open(sealed, nil); err != nil {
			t.Errorf("node %d cannot open node 0's ciphertext: %v", i+1, err)
		}
	}
	// Each node may have added a signing key; once they have reloaded, every
	// node verifies every other's tokens and they sign with the same key.
	for _, kr := range rings {
		if err := kr.Reload(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	kid0 := signingKid(t, rings[0])
	for i, kr := range rings {
		tok, err := kr.SignJWT(map[string]int{"n": i})
		if err != nil {
			t.Fatal(err)
		}
		if k := kidOf(t, tok); k != kid0 {
			t.Errorf("node %d signs with %s, node 0 with %s", i, k, kid0)
		}
		for j, other := range rings {
			if err := other.VerifyJWT(tok, new(map[string]int)); err != nil {
				t.Errorf("node %d rejects node %d's token: %v", j, i, err)
			}
		}
	}
}

func TestList_NoMaterial(t *testing.T) {
	kr := openRing(t, newStore(t), masterKey(t), newClock())
	for _, k := range kr.List() {
		if k.ID == "" || k.Purpose == "" || k.Algorithm == "" || k.CreatedAt.IsZero() || k.ActiveAt.IsZero() {
			t.Errorf("incomplete key info %+v", k)
		}
	}
}
