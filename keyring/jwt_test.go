package keyring

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// kidOf returns the kid in a compact JWS header.
func kidOf(t *testing.T, token string) string {
	t.Helper()
	h, _, _ := strings.Cut(token, ".")
	raw, err := base64.RawURLEncoding.DecodeString(h)
	if err != nil {
		t.Fatalf("header: %v", err)
	}
	var header struct {
		Kid, Alg, Typ string
	}
	if err := json.Unmarshal(raw, &header); err != nil {
		t.Fatalf("header: %v", err)
	}
	return header.Kid
}

// signingKid is the kid kr signs with now.
func signingKid(t *testing.T, kr *Keyring) string {
	t.Helper()
	tok, err := kr.SignJWT(map[string]string{})
	if err != nil {
		t.Fatal(err)
	}
	return kidOf(t, tok)
}

func jwksKids(kr *Keyring) map[string]bool {
	out := map[string]bool{}
	for _, k := range kr.JWKS().Keys {
		out[k.KeyID] = true
	}
	return out
}

// compact assembles a JWS from a header and a payload, signing with sign.
func compact(header, payload any, sign func([]byte) []byte) string {
	h, _ := json.Marshal(header)
	p, _ := json.Marshal(payload)
	input := base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(p)
	return input + "." + base64.RawURLEncoding.EncodeToString(sign([]byte(input)))
}

func TestSignJWT_Header(t *testing.T) {
	kr := openRing(t, newStore(t), masterKey(t), newClock())
	tok, err := kr.SignJWT(map[string]string{"sub": "alice"})
	if err != nil {
		t.Fatal(err)
	}
	h, _, _ := strings.Cut(tok, ".")
	raw, _ := base64.RawURLEncoding.DecodeString(h)
	var header map[string]any
	if err := json.Unmarshal(raw, &header); err != nil {
		t.Fatal(err)
	}
	if header["alg"] != "ES256" || header["typ"] != "JWT" || header["kid"] == "" || header["kid"] == nil {
		t.Errorf("header = %v, want alg ES256, typ JWT and a kid", header)
	}
	if _, ok := header["jwk"]; ok {
		t.Errorf("header embeds a jwk: %v", header)
	}

	// A relying party with only the published JWKS verifies it.
	jws, err := jose.ParseSignedCompact(tok, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		t.Fatal(err)
	}
	set := kr.JWKS()
	keys := set.Key(kidOf(t, tok))
	if len(keys) != 1 {
		t.Fatalf("JWKS has %d keys for the kid, want 1", len(keys))
	}
	if _, err := jws.Verify(keys[0]); err != nil {
		t.Errorf("JWKS key does not verify the token: %v", err)
	}
}

func TestSE04_JWKSPublicMembersOnly(t *testing.T) {
	kr := openRing(t, newStore(t), masterKey(t), newClock())
	if _, err := kr.RotateSigningKey(t.Context()); err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(kr.JWKS())
	if err != nil {
		t.Fatal(err)
	}
	var set struct {
		Keys []map[string]any `json:"keys"`
	}
	if err := json.Unmarshal(raw, &set); err != nil {
		t.Fatal(err)
	}
	if len(set.Keys) != 2 {
		t.Fatalf("JWKS has %d keys, want 2 (current and next): %s", len(set.Keys), raw)
	}
	kids := map[any]bool{}
	for _, k := range set.Keys {
		for _, private := range []string{"d", "p", "q", "dp", "dq", "qi", "k", "oth"} {
			if _, ok := k[private]; ok {
				t.Errorf("JWKS key %v has private member %q", k["kid"], private)
			}
		}
		if k["use"] != "sig" || k["alg"] != "ES256" || k["kty"] != "EC" || k["crv"] != "P-256" {
			t.Errorf("JWKS key %v: use=%v alg=%v kty=%v crv=%v", k["kid"], k["use"], k["alg"], k["kty"], k["crv"])
		}
		if kid, _ := k["kid"].(string); kid == "" || kids[kid] {
			t.Errorf("kid %q empty or repeated", kid)
		}
		kids[k["kid"]] = true
	}
}

// A rotated-in key is published at once and signs only after the publish
// delay; the old key verifies until it is retired, then not at all.
func TestSE05_RotationPublishesBeforeSigningAndRetires(t *testing.T) {
	clock := newClock()
	kr := openRing(t, newStore(t), masterKey(t), clock)
	oldKid := signingKid(t, kr)
	oldToken, _ := kr.SignJWT(map[string]string{"sub": "old"})

	next, err := kr.RotateSigningKey(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if !next.ActiveAt.Equal(clock.Now().Add(5 * time.Minute)) {
		t.Errorf("ActiveAt = %v, want now + 5m", next.ActiveAt)
	}
	if !jwksKids(kr)[next.ID] {
		t.Fatal("a rotated-in key is not published at once")
	}
	if got := signingKid(t, kr); got != oldKid {
		t.Fatalf("signs with %s before the publish delay, want %s", got, oldKid)
	}

	clock.Add(5*time.Minute - time.Second)
	if got := signingKid(t, kr); got != oldKid {
		t.Fatalf("signs with the new key a second early")
	}
	clock.Add(time.Second)
	if got := signingKid(t, kr); got != next.ID {
		t.Fatalf("signs with %s after the publish delay, want %s", got, next.ID)
	}

	const maxLife = time.Hour
	if retired, err := kr.RetireSigningKeys(t.Context(), maxLife); err != nil || len(retired) != 0 {
		t.Fatalf("RetireSigningKeys right after the switch = %v, %v; want nothing", retired, err)
	}
	clock.Add(maxLife)
	if retired, _ := kr.RetireSigningKeys(t.Context(), maxLife); len(retired) != 0 {
		t.Fatalf("retired %v exactly at the max token lifetime", retired)
	}
	if err := kr.VerifyJWT(oldToken, new(map[string]string)); err != nil {
		t.Fatalf("an old token stops verifying before retirement: %v", err)
	}

	clock.Add(time.Second)
	retired, err := kr.RetireSigningKeys(t.Context(), maxLife)
	if err != nil || len(retired) != 1 || retired[0].ID != oldKid {
		t.Fatalf("RetireSigningKeys = %v, %v; want the old key", retired, err)
	}
	if err := kr.VerifyJWT(oldToken, new(map[string]string)); !errors.Is(err, ErrKeyRetired) {
		t.Fatalf("a retired key still verifies: %v", err)
	}
	if jwksKids(kr)[oldKid] {
		t.Error("a retired key is still in JWKS")
	}
	if got := signingKid(t, kr); got != next.ID {
		t.Errorf("signs with %s after retirement, want %s", got, next.ID)
	}
	// The active key is never retired, however old.
	clock.Add(100 * maxLife)
	if retired, _ := kr.RetireSigningKeys(t.Context(), maxLife); len(retired) != 0 {
		t.Errorf("retired the active key: %v", retired)
	}
}

// Another node's rotation: the periodic reload publishes the new key on this
// node before the rotating node signs with it, and a token with a kid this
// node has not seen yet makes it reload (once per interval) and accept.
func TestCC09_OtherNodesKeyPublishedBeforeUseAndPickedUp(t *testing.T) {
	clock, master := newClock(), masterKey(t)
	shared := newStore(t)
	a := openRing(t, shared, master, clock)
	bStore := &countingStore{KeyStore: shared}
	b := openRing(t, bStore, master, clock)

	next, err := a.RotateSigningKey(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Reload(t.Context()); err != nil { // the server's periodic reload
		t.Fatal(err)
	}
	if !jwksKids(b)[next.ID] {
		t.Fatal("B does not publish A's new key after reloading")
	}
	if got := signingKid(t, a); got == next.ID {
		t.Fatal("A signs with a key before the publish delay")
	}

	// A rotates again; B has not reloaded since.
	clock.Add(time.Minute)
	third, err := a.RotateSigningKey(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	clock.Add(5 * time.Minute)
	tok, err := a.SignJWT(map[string]string{"sub": "x"})
	if err != nil || kidOf(t, tok) != third.ID {
		t.Fatalf("A signs with %s, %v; want %s", kidOf(t, tok), err, third.ID)
	}
	lists := bStore.lists.Load()
	if err := b.VerifyJWT(tok, new(map[string]string)); err != nil {
		t.Fatalf("B rejects A's token under a key B had not loaded: %v", err)
	}
	if bStore.lists.Load() != lists+1 {
		t.Fatalf("B reloaded %d times for one unknown kid, want 1", bStore.lists.Load()-lists)
	}

	// Made-up kids reload at most once per interval.
	forged := strings.Replace(tok, strings.SplitN(tok, ".", 2)[0], base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"ES256","kid":"nope"}`)), 1)
	clock.Add(10 * time.Second)
	lists = bStore.lists.Load()
	for range 5 {
		if err := b.VerifyJWT(forged, new(map[string]string)); !errors.Is(err, ErrUnknownKey) {
			t.Fatalf("unknown kid: %v, want ErrUnknownKey", err)
		}
	}
	if got := bStore.lists.Load() - lists; got != 1 {
		t.Fatalf("5 unknown kids within the interval caused %d reloads, want 1", got)
	}
	clock.Add(10 * time.Second)
	b.VerifyJWT(forged, new(map[string]string))
	if got := bStore.lists.Load() - lists; got != 2 {
		t.Fatalf("an unknown kid after the interval caused %d reloads in all, want 2", got)
	}
}

func TestSE05_VerifyRejects(t *testing.T) {
	clock := newClock()
	kr := openRing(t, newStore(t), masterKey(t), clock)
	kid := signingKid(t, kr)
	set := kr.JWKS()
	pub := set.Key(kid)[0]
	pubJSON, _ := pub.MarshalJSON()
	claims := map[string]string{"sub": "mallory"}

	other := openRing(t, newStore(t), masterKey(t), clock)
	foreign, _ := other.SignJWT(claims)

	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ecSign := func(k *ecdsa.PrivateKey, size int) func([]byte) []byte {
		return func(in []byte) []byte {
			var sum []byte
			if size == 48 {
				s := sha512.Sum384(in)
				sum = s[:]
			} else {
				s := sha256.Sum256(in)
				sum = s[:]
			}
			r, s, _ := ecdsa.Sign(rand.Reader, k, sum)
			out := make([]byte, 2*size)
			r.FillBytes(out[:size])
			s.FillBytes(out[size:])
			return out
		}
	}
	hs256 := func(key []byte) func([]byte) []byte {
		return func(in []byte) []byte { m := hmac.New(sha256.New, key); m.Write(in); return m.Sum(nil) }
	}

	tests := []struct {
		name  string
		token string
		want  error
	}{
		// RFC 8725 §2.1: the public key used as an HMAC secret.
		{"HS256 with the public JWK as secret", compact(map[string]string{"alg": "HS256", "kid": kid}, claims, hs256(pubJSON)), ErrAlgMismatch},
		{"ES384 under our kid", compact(map[string]string{"alg": "ES384", "kid": kid}, claims, ecSign(p384, 48)), ErrAlgMismatch},
		{"alg none", compact(map[string]string{"alg": "none", "kid": kid}, claims, func([]byte) []byte { return nil }), ErrInvalidToken},
		{"unknown kid", compact(map[string]string{"alg": "ES256", "kid": "no-such-key"}, claims, ecSign(p256, 32)), ErrUnknownKey},
		{"no kid", compact(map[string]string{"alg": "ES256"}, claims, ecSign(p256, 32)), ErrUnknownKey},
		{"our kid, another key", compact(map[string]string{"alg": "ES256", "kid": kid}, claims, ecSign(p256, 32)), ErrInvalidToken},
		{"another deployment's token", foreign, ErrUnknownKey},
		{"garbage", "not.a.jwt", ErrInvalidToken},
		{"empty", "", ErrInvalidToken},
		{"JSON serialization", `{"payload":"e30","signatures":[]}`, ErrInvalidToken},
		{"too large", strings.Repeat("a", maxTokenSize+1), ErrInvalidToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got map[string]string
			err := kr.VerifyJWT(tt.token, &got)
			if !errors.Is(err, tt.want) {
				t.Fatalf("VerifyJWT = %v, want %v", err, tt.want)
			}
			if got != nil {
				t.Errorf("claims were filled from a rejected token: %v", got)
			}
		})
	}

	// The same token with its signature intact verifies: the rejections
	// above are about what each case changed.
	good, _ := kr.SignJWT(claims)
	if err := kr.VerifyJWT(good, new(map[string]string)); err != nil {
		t.Fatalf("a good token: %v", err)
	}
	parts := strings.Split(good, ".")
	sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
	sig[0] ^= 1
	parts[2] = base64.RawURLEncoding.EncodeToString(sig)
	if err := kr.VerifyJWT(strings.Join(parts, "."), new(map[string]string)); !errors.Is(err, ErrInvalidToken) {
		t.Errorf("a flipped signature bit: %v", err)
	}
}

func FuzzVerifyJWT(f *testing.F) {
	kr, err := Open(f.Context(), newStore(f), make([]byte, 32), newClock(), rand.Reader, Options{})
	if err != nil {
		f.Fatal(err)
	}
	good, _ := kr.SignJWT(map[string]string{"sub": "a"})
	f.Add(good)
	f.Add("")
	f.Add("a.b.c")
	f.Add(good[:len(good)-3])
	f.Add(`{"payload":"e30","signatures":[{"protected":"e30","signature":""}]}`)
	f.Fuzz(func(t *testing.T, token string) {
		var claims map[string]any
		if err := kr.VerifyJWT(token, &claims); err == nil && token != good {
			// Only tokens we signed verify; a changed one that still does
			// must at least carry the same payload.
			if claims["sub"] != "a" {
				t.Fatalf("verified a token we did not sign: %q", token)
			}
		}
	})
}
