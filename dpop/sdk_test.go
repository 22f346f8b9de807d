package dpop

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	cryptorand "crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/logincreds"
	"github.com/aws/aws-sdk-go-v2/service/signin"
	smithyrand "github.com/aws/smithy-go/rand"

	"github.com/signet-auth/signet"
)

// shortCoordinateKey draws P-256 keys until one has an x or y coordinate
// with a leading zero octet, which big.Int.Bytes() drops (about one key in
// 128).
func shortCoordinateKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	for range 10000 {
		k := newECKey(t, elliptic.P256())
		point, err := k.PublicKey.Bytes()
		if err != nil {
			t.Fatal(err)
		}
		if point[1] == 0 || point[33] == 0 {
			return k
		}
	}
	t.Fatal("no key with a short coordinate in 10000 draws")
	return nil
}

// awsSDKProof builds a proof the way aws-sdk-go-v2 credentials/logincreds
// (v1.20.15, dpop.go mkdpop) does: the key read back from the PEM of the
// login cache, coordinates from big.Int.Bytes() (not left-padded), JSON
// indented by MarshalIndent, a UUID jti, r||s signature.
func awsSDKProof(t testing.TB, dpopKeyPEM, htu string, now time.Time) string {
	t.Helper()
	block, _ := pem.Decode([]byte(dpopKeyPEM))
	key, err := x509.ParseECPrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	jsonb64 := func(v any) string {
		j, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		return base64.RawURLEncoding.EncodeToString(j)
	}
	type dpopHeaderJwk struct {
		Kty string `json:"kty"`
		X   string `json:"x"`
		Y   string `json:"y"`
		Crv string `json:"crv"`
	}
	header := jsonb64(&struct {
		Typ string         `json:"typ"`
		Alg string         `json:"alg"`
		Jwk *dpopHeaderJwk `json:"jwk"`
	}{
		Typ: "dpop+jwt",
		Alg: "ES256",
		Jwk: &dpopHeaderJwk{
			Kty: "EC",
			X:   base64.RawURLEncoding.EncodeToString(key.X.Bytes()),
			Y:   base64.RawURLEncoding.EncodeToString(key.Y.Bytes()),
			Crv: "P-256",
		},
	})
	uuid, err := smithyrand.NewUUID(cryptorand.Reader).GetUUID()
	if err != nil {
		t.Fatal(err)
	}
	payload := jsonb64(&struct {
		Jti string `json:"jti"`
		Htm string `json:"htm"`
		Htu string `json:"htu"`
		Iat int64  `json:"iat"`
	}{Jti: uuid, Htm: "POST", Htu: htu, Iat: now.Unix()})
	msg := fmt.Sprintf("%s.%s", header, payload)
	h := sha256.New()
	h.Write([]byte(msg))
	r, s, err := ecdsa.Sign(cryptorand.Reader, key, h.Sum(nil))
	if err != nil {
		t.Fatal(err)
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[0:32])
	s.FillBytes(sig[32:])
	return fmt.Sprintf("%s.%s", msg, base64.RawURLEncoding.EncodeToString(sig))
}

func pemKey(t testing.TB, k *ecdsa.PrivateKey) string {
	t.Helper()
	der, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}))
}

// TestAWSSDKProof: proofs built as the Go SDK builds them verify, and a key
// with a short coordinate has the one thumbprint of its padded form.
func TestAWSSDKProof(t *testing.T) {
	v := newVerifier(t)
	for name, key := range map[string]*ecdsa.PrivateKey{
		"full coordinates":  newECKey(t, elliptic.P256()),
		"short coordinate":  shortCoordinateKey(t),
		"second short draw": shortCoordinateKey(t),
	} {
		t.Run(name, func(t *testing.T) {
			proof := awsSDKProof(t, pemKey(t, key), testURL+"?x-id=CreateOAuth2Token", t0)
			p := mustVerify(t, v, request(proof))
			want, _ := KeyThumbprint(&key.PublicKey)
			canonical := mustVerify(t, v, request(proofFor(t, key, "canonical-"+name)))
			if p.JKT != want || canonical.JKT != want {
				t.Errorf("jkt %s (SDK form), %s (padded form), want %s", p.JKT, canonical.JKT, want)
			}
			if !key.PublicKey.Equal(p.Key) {
				t.Error("proof key differs from the signing key")
			}
		})
	}
	// The shortened coordinate really is short on the wire.
	proof := awsSDKProof(t, pemKey(t, shortCoordinateKey(t)), testURL, t0)
	h, _ := decodeB64(proof[:strings.IndexByte(proof, '.')])
	var hdr struct{ JWK struct{ X, Y string } }
	if err := json.Unmarshal(h, &hdr); err != nil || len(hdr.JWK.X) == 43 && len(hdr.JWK.Y) == 43 {
		t.Fatalf("expected a short coordinate in %s (%v)", h, err)
	}
}

// TestAWSSDKLoginProvider runs the real logincreds credential provider
// against a token endpoint that checks its DPoP proofs with a Verifier, for
// a key with a short coordinate and one without.
func TestAWSSDKLoginProvider(t *testing.T) {
	var mu sync.Mutex
	var seen []Proof
	var srvURL string
	// The SDK stamps iat from the wall clock.
	v := newVerifier(t, func(o *Options) { o.Clock = signet.SystemClock{} })
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := v.Verify(r.Context(), Request{Header: r.Header.Values("DPoP"), Method: r.Method, URL: srvURL + r.URL.Path})
		if err != nil || r.URL.Path != "/v1/token" {
			t.Errorf("%s %s: %v", r.Method, r.URL, err)
			w.Header().Set("X-Amzn-ErrorType", "ValidationException")
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"error":"INVALID_REQUEST","message":"The DPoP proof is invalid."}`)
			return
		}
		mu.Lock()
		seen = append(seen, p)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"accessToken":{"accessKeyId":"ASIANEWKEY","secretAccessKey":"secret","sessionToken":"session"},`+
			`"tokenType":"urn:aws:params:oauth:token-type:access_token_sigv4","expiresIn":900,"refreshToken":"ASORrotated"}`)
	}))
	defer srv.Close()
	srvURL = srv.URL

	client := signin.New(signin.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), HTTPClient: srv.Client()})
	dir := t.TempDir()
	for i, key := range []*ecdsa.PrivateKey{shortCoordinateKey(t), newECKey(t, elliptic.P256())} {
		cache := filepath.Join(dir, fmt.Sprintf("login-%d.json", i))
		token, _ := json.Marshal(map[string]any{
			"accessToken": map[string]any{
				"accessKeyId": "ASIAOLDKEY", "secretAccessKey": "old", "sessionToken": "old",
				"accountId": "123456789012", "expiresAt": "2000-01-01T00:00:00Z",
			},
			"tokenType":    "urn:aws:params:oauth:token-type:access_token_sigv4",
			"refreshToken": "ASORoriginal",
			"clientId":     "arn:aws:signin:::devtools/same-device",
			"dpopKey":      pemKey(t, key),
		})
		if err := os.WriteFile(cache, token, 0o600); err != nil {
			t.Fatal(err)
		}
		creds, err := logincreds.New(client, cache).Retrieve(context.Background())
		if err != nil {
			t.Fatalf("key %d: %v", i, err)
		}
		if creds.AccessKeyID != "ASIANEWKEY" {
			t.Errorf("key %d: credentials %+v", i, creds)
		}
		mu.Lock()
		got := seen[len(seen)-1].JKT
		mu.Unlock()
		if want, _ := KeyThumbprint(&key.PublicKey); got != want {
			t.Errorf("key %d: jkt %s, want %s", i, got, want)
		}
	}
}
