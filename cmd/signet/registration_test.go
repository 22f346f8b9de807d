package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/signet-auth/signet/dpop"
)

// registrationToken is the initial access token the tests configure.
const registrationToken = "initial-access-token-0123456789abcdef"

// register performs an RFC 7591 registration with the bearer token tok
// ("" for none) and returns the status and the decoded answer.
func register(t *testing.T, base, tok string, meta map[string]any) (int, map[string]any) {
	t.Helper()
	b, _ := json.Marshal(meta)
	req, _ := http.NewRequest(http.MethodPost, base+"/oauth2/register", bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	json.NewDecoder(res.Body).Decode(&out)
	return res.StatusCode, out
}

// authorizeCode runs the browser leg, auto-approved by --dev-auto-approve,
// and returns the code the redirect carries.
func authorizeCode(t *testing.T, conf *oauth2.Config, verifier string) string {
	t.Helper()
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := noFollow.Get(conf.AuthCodeURL("state-1", oauth2.S256ChallengeOption(verifier)))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	loc, err := url.Parse(res.Header.Get("Location"))
	if err != nil || loc.Query().Get("code") == "" || loc.Query().Get("state") != "state-1" {
		t.Fatalf("authorize: %s, Location %q", res.Status, res.Header.Get("Location"))
	}
	return loc.Query().Get("code")
}

// registeredConfig registers a client over RFC 7591 on the running server
// and returns the golang.org/x/oauth2 configuration for it.
func registeredConfig(t *testing.T, base string) *oauth2.Config {
	t.Helper()
	const redirect = "http://127.0.0.1:9/callback"
	status, reg := register(t, base, registrationToken, map[string]any{
		"client_name": "x/oauth2 app", "redirect_uris": []string{redirect},
		"grant_types": []string{"authorization_code", "refresh_token"}, "scope": "openid",
	})
	if status != http.StatusCreated || reg["client_id"] == "" || reg["client_secret"] == "" {
		t.Fatalf("register: %d %v", status, reg)
	}
	return &oauth2.Config{
		ClientID: reg["client_id"].(string), ClientSecret: reg["client_secret"].(string),
		Endpoint: oauth2.Endpoint{AuthURL: base + "/oauth2/authorize", TokenURL: base + "/oauth2/token",
			AuthStyle: oauth2.AuthStyleInHeader},
		RedirectURL: redirect, Scopes: []string{"openid"},
	}
}

// The shipped server with --dynamic-registration: the metadata advertises
// the endpoint, a registration without the initial access token or asking
// for a grant type the operator did not allow is refused, and a client
// registered over RFC 7591 completes the authorization-code flow and a
// refresh with golang.org/x/oauth2.
func TestServeDynamicRegistration(t *testing.T) {
	tokFile := writeFile(t, registrationToken+"\n")
	s := startServe(t, nil, "--dev", "--dev-auto-approve", "--addr", "127.0.0.1:0", "--data-dir", t.TempDir(),
		"--dynamic-registration", "--registration-token-file", tokFile)

	_, meta := httpGet(t, s.base+"/.well-known/oauth-authorization-server")
	if !strings.Contains(meta, `"registration_endpoint":"`+s.base+`/oauth2/register"`) {
		t.Fatalf("metadata does not advertise registration: %s", meta)
	}
	ok := map[string]any{"redirect_uris": []string{"https://app.example.com/cb"}}
	if status, _ := register(t, s.base, "", ok); status != http.StatusUnauthorized {
		t.Errorf("registration without the initial access token: %d, want 401", status)
	}
	if status, _ := register(t, s.base, registrationToken+"x", ok); status != http.StatusUnauthorized {
		t.Errorf("registration with a wrong token: %d, want 401", status)
	}
	device := map[string]any{"grant_types": []string{"urn:ietf:params:oauth:grant-type:device_code"}}
	if status, out := register(t, s.base, registrationToken, device); status != http.StatusBadRequest || out["error"] != "invalid_client_metadata" {
		t.Errorf("registration for a grant type not allowed: %d %v", status, out)
	}

	conf := registeredConfig(t, s.base)
	ctx := context.Background()
	verifier := oauth2.GenerateVerifier()
	tok, err := conf.Exchange(ctx, authorizeCode(t, conf, verifier), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	if tok.AccessToken == "" || tok.RefreshToken == "" || tok.Extra("id_token") == nil {
		t.Fatalf("token response lacks a member: %+v", tok)
	}
	res, err := conf.Client(ctx, tok).Get(s.base + "/userinfo")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("userinfo with the access token: %s", res.Status)
	}
	tok.Expiry = time.Now().Add(-time.Minute) // make the source refresh
	fresh, err := conf.TokenSource(ctx, tok).Token()
	if err != nil {
		t.Fatal(err)
	}
	if fresh.AccessToken == tok.AccessToken || fresh.RefreshToken == tok.RefreshToken {
		t.Fatal("the refresh returned the same tokens")
	}
}

// dpopTransport is a DPoP client (RFC 9449): it signs a proof for every
// request and, told use_dpop_nonce, retries once with the server's nonce.
type dpopTransport struct {
	t   *testing.T
	key *ecdsa.PrivateKey

	mu       sync.Mutex
	nonce    string
	refusals int // use_dpop_nonce answers seen
}

func (d *dpopTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	body, err := io.ReadAll(req.Body)
	if err != nil {
		return nil, err
	}
	for attempt := 0; ; attempt++ {
		d.mu.Lock()
		nonce := d.nonce
		d.mu.Unlock()
		var opts []dpop.ProofOption
		if nonce != "" {
			opts = append(opts, dpop.WithNonce(nonce))
		}
		htu := *req.URL
		htu.RawQuery = ""
		proof, err := dpop.NewProof(d.key, req.Method, htu.String(), time.Now(), rand.Text(), opts...)
		if err != nil {
			return nil, err
		}
		r := req.Clone(req.Context())
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.Header.Set("DPoP", proof)
		res, err := http.DefaultTransport.RoundTrip(r)
		if err != nil {
			return nil, err
		}
		if n := res.Header.Get("DPoP-Nonce"); n != "" {
			d.mu.Lock()
			d.nonce = n
			d.mu.Unlock()
		}
		if res.StatusCode != http.StatusBadRequest || attempt > 0 {
			return res, nil
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		var e struct{ Error string }
		if json.Unmarshal(b, &e); e.Error != "use_dpop_nonce" || res.Header.Get("DPoP-Nonce") == "" {
			res.Body = io.NopCloser(bytes.NewReader(b))
			return res, nil
		}
		d.mu.Lock()
		d.refusals++
		d.mu.Unlock()
	}
}

// The shipped server with --dpop-nonces: a DPoP client's first token
// request gets use_dpop_nonce with a DPoP-Nonce header, and the retry with
// that nonce gets a DPoP-bound token; a second request reuses the nonce.
func TestServeDPoPNonces(t *testing.T) {
	s := startServe(t, nil, "--dev", "--dev-auto-approve", "--addr", "127.0.0.1:0", "--data-dir", t.TempDir(),
		"--dynamic-registration", "--dpop-nonces")
	status, reg := register(t, s.base, "", map[string]any{
		"client_name": "DPoP app", "redirect_uris": []string{"http://127.0.0.1:9/callback"},
		"grant_types": []string{"authorization_code", "refresh_token"},
	})
	if status != http.StatusCreated {
		t.Fatalf("open registration: %d %v", status, reg)
	}
	conf := &oauth2.Config{
		ClientID: reg["client_id"].(string), ClientSecret: reg["client_secret"].(string),
		Endpoint: oauth2.Endpoint{AuthURL: s.base + "/oauth2/authorize", TokenURL: s.base + "/oauth2/token",
			AuthStyle: oauth2.AuthStyleInHeader},
		RedirectURL: "http://127.0.0.1:9/callback",
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tr := &dpopTransport{t: t, key: key}
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, &http.Client{Transport: tr})

	verifier := oauth2.GenerateVerifier()
	tok, err := conf.Exchange(ctx, authorizeCode(t, conf, verifier), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	if tok.TokenType != "DPoP" || tok.AccessToken == "" {
		t.Fatalf("token type %q, want a DPoP-bound token", tok.TokenType)
	}
	if tr.refusals != 1 {
		t.Fatalf("%d use_dpop_nonce answers before the token, want 1", tr.refusals)
	}
	tok.Expiry = time.Now().Add(-time.Minute)
	if _, err := conf.TokenSource(ctx, tok).Token(); err != nil {
		t.Fatal(err)
	}
	if tr.refusals != 1 {
		t.Fatalf("the refresh needed another nonce round trip (%d refusals): the nonce should still be good", tr.refusals)
	}
}
