package keyring

import (
	"bytes"
	"crypto/rand"
	"strconv"
	"testing"
	"time"
)

func TestSeal_RoundTrip(t *testing.T) {
	kr := openRing(t, newStore(t), masterKey(t), newClock())
	for _, pt := range [][]byte{nil, []byte("x"), bytes.Repeat([]byte("refresh token body "), 100)} {
		ct, err := kr.Seal(pt, []byte("ad"))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(ct, append([]byte{byte(len(FirstAEADKeyID))}, FirstAEADKeyID...)) {
			t.Errorf("ciphertext does not start with the key id: %q", ct[:8])
		}
		got, err := kr.Open(ct, []byte("ad"))
		if err != nil || !bytes.Equal(got, pt) {
			t.Errorf("Open = %q, %v; want %q", got, err, pt)
		}
	}
	a, _ := kr.Seal([]byte("same"), nil)
	b, _ := kr.Seal([]byte("same"), nil)
	if bytes.Equal(a, b) {
		t.Error("Seal gave the same ciphertext twice: the nonce is not fresh")
	}
}

// Catalogue SE-03: every alteration is rejected with the one error.
func TestSE03_TamperedCiphertextRejected(t *testing.T) {
	clock, master := newClock(), masterKey(t)
	kr := openRing(t, newStore(t), master, clock)
	ad := []byte("sign-in refresh token")
	ct, err := kr.Seal([]byte(`{"sid":"s1","cnf":{"jkt":"abc"}}`), ad)
	if err != nil {
		t.Fatal(err)
	}
	check := func(name string, ct, ad []byte) {
		t.Helper()
		if pt, err := kr.Open(ct, ad); err != ErrCiphertext {
			t.Errorf("%s: Open = %q, %v; want ErrCiphertext", name, pt, err)
		}
	}
	for i := range ct {
		bad := bytes.Clone(ct)
		bad[i] ^= 0x01
		check("flip byte "+strconv.Itoa(i), bad, ad)
	}
	for n := range len(ct) {
		check("truncate to "+strconv.Itoa(n), ct[:n], ad)
	}
	check("appended byte", append(bytes.Clone(ct), 0), ad)
	check("other ad", ct, []byte("sign-in access token"))
	check("no ad", ct, nil)

	// Another deployment's key has the same id, aead-1, and still does not open.
	other := openRing(t, newStore(t), masterKey(t), clock)
	foreign, _ := other.Seal([]byte("x"), ad)
	check("another deployment", foreign, ad)
}

func TestAEAD_RotationKeepsOpeningOldUntilRetired(t *testing.T) {
	clock := newClock()
	kr := openRing(t, newStore(t), masterKey(t), clock)
	old, _ := kr.Seal([]byte("old"), nil)
	next, err := kr.RotateAEADKey(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if ct, _ := kr.Seal([]byte("x"), nil); !bytes.HasPrefix(ct[1:], []byte(FirstAEADKeyID)) {
		t.Fatal("seals with the new key before the publish delay")
	}
	clock.Add(5 * time.Minute)
	ct, _ := kr.Seal([]byte("new"), nil)
	if !bytes.HasPrefix(ct[1:], []byte(next.ID)) {
		t.Fatalf("seals with %q after the publish delay, want %s", ct[1:1+ct[0]], next.ID)
	}
	if pt, err := kr.Open(old, nil); err != nil || string(pt) != "old" {
		t.Fatalf("an old ciphertext does not open after rotation: %q, %v", pt, err)
	}
	clock.Add(time.Hour + time.Second)
	if retired, err := kr.RetireAEADKeys(t.Context(), time.Hour); err != nil || len(retired) != 1 {
		t.Fatalf("RetireAEADKeys = %v, %v", retired, err)
	}
	if _, err := kr.Open(old, nil); err != ErrCiphertext {
		t.Fatalf("a retired key still opens: %v", err)
	}
	if pt, err := kr.Open(ct, nil); err != nil || string(pt) != "new" {
		t.Fatalf("the active key: %q, %v", pt, err)
	}
}

// Another node's AEAD key: an unknown id makes this node reload once.
func TestCC09_UnknownAEADKeyReloads(t *testing.T) {
	clock, master := newClock(), masterKey(t)
	shared := newStore(t)
	a := openRing(t, shared, master, clock)
	b := openRing(t, shared, master, clock)
	if _, err := a.RotateAEADKey(t.Context()); err != nil {
		t.Fatal(err)
	}
	clock.Add(5 * time.Minute)
	ct, _ := a.Seal([]byte("from a"), nil)
	if pt, err := b.Open(ct, nil); err != nil || string(pt) != "from a" {
		t.Fatalf("B cannot open A's ciphertext under a key B had not loaded: %q, %v", pt, err)
	}
}

func TestSealDeterministic(t *testing.T) {
	kr := openRing(t, newStore(t), masterKey(t), newClock())
	seed, ad, pt := []byte("aor-refresh-token-being-redeemed"), []byte("ad"), []byte("payload")

	a, err := kr.SealDeterministic(pt, ad, seed)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := kr.SealDeterministic(pt, ad, seed)
	if !bytes.Equal(a, b) {
		t.Fatal("the same inputs gave different ciphertexts")
	}
	if got, err := kr.Open(a, ad); err != nil || !bytes.Equal(got, pt) {
		t.Fatalf("Open = %q, %v", got, err)
	}
	nonce := func(ct []byte) []byte { return ct[1+ct[0] : 1+int(ct[0])+12] }
	for name, ct := range map[string][]byte{
		"other seed":      must(kr.SealDeterministic(pt, ad, []byte("another seed"))),
		"other plaintext": must(kr.SealDeterministic([]byte("payloaD"), ad, seed)),
		"other ad":        must(kr.SealDeterministic(pt, []byte("ae"), seed)),
	} {
		if bytes.Equal(nonce(ct), nonce(a)) {
			t.Errorf("%s: the nonce repeats", name)
		}
	}
	if _, err := kr.SealDeterministic(pt, ad, nil); err == nil {
		t.Error("an empty seed was accepted")
	}
	// The same seed under another deployment's key gives another nonce.
	other := openRing(t, newStore(t), masterKey(t), newClock())
	if bytes.Equal(nonce(must(other.SealDeterministic(pt, ad, seed))), nonce(a)) {
		t.Error("the nonce does not depend on the key")
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

func FuzzOpen(f *testing.F) {
	kr, err := Open(f.Context(), newStore(f), make([]byte, 32), newClock(), rand.Reader, Options{})
	if err != nil {
		f.Fatal(err)
	}
	good, _ := kr.Seal([]byte("secret"), []byte("ad"))
	f.Add(good, []byte("ad"))
	f.Add([]byte{}, []byte{})
	f.Add([]byte{255}, []byte("ad"))
	f.Add(append([]byte{6}, "aead-1"...), []byte("ad"))
	f.Fuzz(func(t *testing.T, ct, ad []byte) {
		pt, err := kr.Open(ct, ad)
		if err == nil && (!bytes.Equal(ct, good) || string(pt) != "secret") {
			t.Fatalf("opened a ciphertext we did not seal: %q", ct)
		}
		if err != nil && err != ErrCiphertext {
			t.Fatalf("Open gave %v, not the one error", err)
		}
	})
}
