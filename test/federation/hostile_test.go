package federation

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// hostileOP is a provider the test scripts: it publishes one ES256 key,
// answers the authorization request at once with a code, checks PKCE S256
// at its token endpoint, and hands out whatever ID token the test built.
// No real provider sends a wrong issuer or an unsigned token on purpose;
// this one does, for catalogue FD-01.
type hostileOP struct {
	t        *testing.T
	URL      string
	ClientID string
	Secret   string
	key      *ecdsa.PrivateKey // published as kid k1
	other    *ecdsa.PrivateKey // published nowhere

	mu sync.Mutex
	// idToken builds the ID token for an authorization request's nonce.
	idToken  func(nonce string) string
	auths    []url.Values // authorization requests as received
	pending  map[string]url.Values
	tokenReq []url.Values
}

func startHostile(t *testing.T, clientID, secret string) *hostileOP {
	t.Helper()
	h := &hostileOP{t: t, ClientID: clientID, Secret: secret, pending: map[string]url.Values{}}
	var err error
	if h.key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		t.Fatal(err)
	}
	if h.other, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	h.URL = srv.URL
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, map[string]any{
			"issuer": h.URL, "authorization_endpoint": h.URL + "/authorize", "token_endpoint": h.URL + "/token",
			"jwks_uri": h.URL + "/jwks", "response_types_supported": []string{"code"},
			"subject_types_supported": []string{"public"}, "id_token_signing_alg_values_supported": []string{"ES256"},
			"code_challenge_methods_supported": []string{"S256"},
		})
	})
	mux.HandleFunc("GET /jwks", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &h.key.PublicKey, KeyID: "k1", Algorithm: "ES256", Use: "sig"}}})
	})
	mux.HandleFunc("GET /authorize", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		h.mu.Lock()
		h.auths = append(h.auths, q)
		code := fmt.Sprintf("code-%d", len(h.auths))
		h.pending[code] = q
		h.mu.Unlock()
		http.Redirect(w, r, q.Get("redirect_uri")+"?"+url.Values{"code": {code}, "state": {q.Get("state")}}.Encode(), http.StatusFound)
	})
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		id, sec, ok := r.BasicAuth()
		if !ok {
			id, sec = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
		}
		h.mu.Lock()
		h.tokenReq = append(h.tokenReq, r.PostForm)
		auth, found := h.pending[r.PostForm.Get("code")]
		delete(h.pending, r.PostForm.Get("code"))
		build := h.idToken
		h.mu.Unlock()
		sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
		switch {
		case id != h.ClientID || sec != h.Secret:
			w.WriteHeader(http.StatusUnauthorized)
			writeJSON(w, map[string]string{"error": "invalid_client"})
			return
		case !found || auth.Get("code_challenge_method") != "S256" ||
			base64.RawURLEncoding.EncodeToString(sum[:]) != auth.Get("code_challenge"):
			w.WriteHeader(http.StatusBadRequest)
			writeJSON(w, map[string]string{"error": "invalid_grant"})
			return
		}
		writeJSON(w, map[string]any{"access_token": "at-1", "token_type": "Bearer", "expires_in": 300,
			"id_token": build(auth.Get("nonce"))})
	})
	return h
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// claims are a valid ID token's claims for nonce at now.
func (h *hostileOP) claims(nonce string, now time.Time) map[string]any {
	return map[string]any{"iss": h.URL, "sub": "evil-sub-1", "aud": h.ClientID, "nonce": nonce,
		"iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(), "preferred_username": "mallory",
		"email": "alice@corp.example", "groups": []string{"aws-dev"}}
}

// sign signs claims as a JWT with alg and key under kid.
func sign(t *testing.T, claims map[string]any, alg jose.SignatureAlgorithm, key any, kid string) string {
	t.Helper()
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: jose.JSONWebKey{Key: key, KeyID: kid}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(claims)
	jws, err := s.Sign(b)
	if err != nil {
		t.Fatal(err)
	}
	out, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// unsigned is the claims as an alg "none" JWT.
func unsigned(claims map[string]any) string {
	enc := func(v any) string {
		b, _ := json.Marshal(v)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	return enc(map[string]string{"alg": "none", "typ": "JWT", "kid": "k1"}) + "." + enc(claims) + "."
}

func (h *hostileOP) setIDToken(f func(nonce string) string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.idToken = f
}

func (h *hostileOP) lastAuth() url.Values {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.auths) == 0 {
		return nil
	}
	return h.auths[len(h.auths)-1]
}

func (h *hostileOP) lastTokenRequest() url.Values {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.tokenReq) == 0 {
		return nil
	}
	return h.tokenReq[len(h.tokenReq)-1]
}
