package signin_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/signet-auth/signet/api/signin"
	"github.com/signet-auth/signet/internal/signintest"
)

const (
	sameDevice  = signin.ClientSameDevice
	crossDevice = signin.ClientCrossDevice
	redirect    = "http://127.0.0.1:53219/oauth/callback"
	verifier    = "Vq3n.f~X0aJ-3kR8pUo2LmZt9yWc7eHb5sNd1gQx4iKvA6rT_jE0uYhB2oCw8lMz"
)

// holder is a client holding a DPoP key, as aws login does.
type holder struct {
	t   testing.TB
	e   *signintest.Env
	key *ecdsa.PrivateKey
}

func newHolder(t testing.TB, e *signintest.Env) *holder {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return &holder{t: t, e: e, key: key}
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func jsonB64(v any) string {
	b, _ := json.Marshal(v)
	return b64(b)
}

func randomJTI() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return b64(b)
}

// jwk is the key's public JWK with 32-byte coordinates.
func (h *holder) jwk() map[string]any {
	pub, _ := h.key.PublicKey.Bytes() // 0x04 || X || Y
	return map[string]any{"kty": "EC", "crv": "P-256", "x": b64(pub[1:33]), "y": b64(pub[33:])}
}

// proofParts is a DPoP proof before encoding; tests change a part to make
// it wrong in exactly one way.
type proofParts struct {
	header map[string]any
	claims map[string]any
	// sign returns the signature of the signing input; nil: ES256 with the
	// holder's key.
	sign func(input string) []byte
}

func (h *holder) parts() proofParts {
	return proofParts{
		header: map[string]any{"typ": "dpop+jwt", "alg": "ES256", "jwk": h.jwk()},
		claims: map[string]any{"htm": "POST", "htu": h.e.URL + "/v1/token", "iat": h.e.Clock.Now().Unix(), "jti": randomJTI()},
	}
}

func (h *holder) es256(input string) []byte {
	sum := sha256.Sum256([]byte(input))
	r, s, err := ecdsa.Sign(rand.Reader, h.key, sum[:])
	if err != nil {
		h.t.Fatal(err)
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return sig
}

func (h *holder) encode(p proofParts) string {
	input := jsonB64(p.header) + "." + jsonB64(p.claims)
	sign := p.sign
	if sign == nil {
		sign = h.es256
	}
	return input + "." + b64(sign(input))
}

// proof is a valid proof for the token endpoint.
func (h *holder) proof() string { return h.encode(h.parts()) }

// reply is a response as the tests look at it.
type reply struct {
	Status int
	Header http.Header
	Body   map[string]any
	Raw    string
}

func (r reply) str(k string) string { s, _ := r.Body[k].(string); return s }

// post sends a CreateOAuth2Token request with the given DPoP header values.
func post(t testing.TB, e *signintest.Env, contentType, body string, dpopHeaders ...string) reply {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.URL+"/v1/token", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	for _, d := range dpopHeaders {
		req.Header.Add("DPoP", d)
	}
	return do(t, req)
}

func do(t testing.TB, req *http.Request) reply {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	r := reply{Status: resp.StatusCode, Header: resp.Header, Raw: string(raw)}
	_ = json.Unmarshal(raw, &r.Body)
	return r
}

func jsonBody(m map[string]string) string {
	b, _ := json.Marshal(m)
	return string(b)
}

// redeem redeems code with the holder's key.
func (h *holder) redeem(client, code, redirectURI, verifier string) reply {
	h.t.Helper()
	return post(h.t, h.e, "application/json", jsonBody(map[string]string{
		"clientId": client, "grantType": "authorization_code", "code": code, "redirectUri": redirectURI, "codeVerifier": verifier,
	}), h.proof())
}

// login runs the browser step and the code redemption; it returns the
// successful response.
func (h *holder) login() reply {
	h.t.Helper()
	code := h.e.Code(h.t, sameDevice, redirect, verifier)
	r := h.redeem(sameDevice, code, redirect, verifier)
	if r.Status != http.StatusOK {
		h.t.Fatalf("code redemption: %d %s", r.Status, r.Raw)
	}
	return r
}

func refreshBody(rt string) string {
	return jsonBody(map[string]string{"clientId": sameDevice, "grantType": "refresh_token", "refreshToken": rt})
}

// refresh refreshes rt with a fresh proof from the holder's key.
func (h *holder) refresh(rt string) reply {
	h.t.Helper()
	return post(h.t, h.e, "application/json", refreshBody(rt), h.proof())
}

// wantError checks an error response: status, X-Amzn-ErrorType and the
// body's error member.
func wantError(t testing.TB, r reply, status int, shape, code string) {
	t.Helper()
	if r.Status != status || r.Header.Get("X-Amzn-ErrorType") != shape || r.str("error") != code || r.str("message") == "" {
		t.Fatalf("got %d %s %s, want %d %s {error: %s}", r.Status, r.Header.Get("X-Amzn-ErrorType"), r.Raw, status, shape, code)
	}
}

func wantValidation(t testing.TB, r reply) {
	t.Helper()
	wantError(t, r, http.StatusBadRequest, "ValidationException", "INVALID_REQUEST")
}

func wantOK(t testing.TB, r reply) {
	t.Helper()
	if r.Status != http.StatusOK {
		t.Fatalf("got %d %s, want 200", r.Status, r.Raw)
	}
}
