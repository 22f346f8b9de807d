package testsupport_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/signet-auth/signet/dpop"
	"github.com/signet-auth/signet/internal/testsupport"
)

// claims decodes a compact JWS's header and payload.
func claims(t *testing.T, proof string) (header, payload map[string]any) {
	t.Helper()
	parts := strings.Split(proof, ".")
	if len(parts) != 3 {
		t.Fatalf("not a compact JWS: %q", proof)
	}
	for i, dst := range []*map[string]any{&header, &payload} {
		raw, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(raw, dst); err != nil {
			t.Fatal(err)
		}
	}
	return header, payload
}

func TestProverDefaults(t *testing.T) {
	t0 := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	pr := testsupport.NewProver(t, testsupport.NewClock(t0))
	a, b := pr.Proof(t, "https://signin.test/v1/token"), pr.Proof(t, "https://signin.test/v1/token")
	h, c := claims(t, a)
	if h["typ"] != "dpop+jwt" || h["alg"] != "ES256" {
		t.Errorf("header = %v, want typ dpop+jwt, alg ES256", h)
	}
	jkt, err := dpop.KeyThumbprint(pr.Key.Public())
	if err != nil {
		t.Fatal(err)
	}
	jwk, _ := json.Marshal(h["jwk"])
	if got, err := dpop.Thumbprint(jwk); err != nil || got != jkt {
		t.Errorf("the header's jwk has thumbprint %q (%v), the prover's key %q", got, err, jkt)
	}
	if c["htm"] != "POST" || c["htu"] != "https://signin.test/v1/token" || c["iat"] != float64(t0.Unix()) {
		t.Errorf("claims = %v, want POST, the htu, iat from the clock", c)
	}
	if _, ok := c["nonce"]; ok {
		t.Errorf("a nonce without being asked: %v", c)
	}
	if _, ok := c["ath"]; ok {
		t.Errorf("an ath without being asked: %v", c)
	}
	if _, c2 := claims(t, b); c2["jti"] == c["jti"] || c["jti"] == "" {
		t.Errorf("two proofs share the jti %v", c["jti"])
	}
}

func TestProverOptions(t *testing.T) {
	pr := testsupport.NewProver(t, nil)
	at := time.Date(2027, 1, 2, 3, 4, 5, 0, time.UTC)
	_, c := claims(t, pr.Proof(t, "https://api.test/userinfo", testsupport.Method("GET"), testsupport.IssuedAt(at),
		testsupport.JTI("j-1"), testsupport.Nonce("n-1"), testsupport.AccessToken("token-1")))
	sum := sha256.Sum256([]byte("token-1"))
	want := map[string]any{"htm": "GET", "htu": "https://api.test/userinfo", "iat": float64(at.Unix()), "jti": "j-1",
		"nonce": "n-1", "ath": base64.RawURLEncoding.EncodeToString(sum[:])}
	for k, v := range want {
		if c[k] != v {
			t.Errorf("%s = %v, want %v", k, c[k], v)
		}
	}
	// Without a clock, iat is the wall clock's.
	before := time.Now().Unix()
	_, c = claims(t, pr.Proof(t, "https://api.test/x"))
	if iat := int64(c["iat"].(float64)); iat < before || iat > time.Now().Unix() {
		t.Errorf("iat %d, want the wall clock's (from %d)", iat, before)
	}
}
