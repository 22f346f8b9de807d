package oauth2_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"reflect"
	"slices"
	"testing"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/internal/testenv"
)

type idTokenClaims struct {
	Issuer   string `json:"iss"`
	Subject  string `json:"sub"`
	Audience string `json:"aud"`
	Expiry   int64  `json:"exp"`
	IssuedAt int64  `json:"iat"`
	AuthTime int64  `json:"auth_time"`
	Nonce    string `json:"nonce"`
	AtHash   string `json:"at_hash"`
}

// TestGoOAuth2AuthorizationCode drives the code flow with
// golang.org/x/oauth2: AuthCodeURL with S256ChallengeOption through the
// real login and consent pages, Exchange with VerifierOption, the ID token
// verified with go-jose against the published JWKS, /userinfo through the
// library's client, and a TokenSource refresh that rotates the tokens.
func TestGoOAuth2AuthorizationCode(t *testing.T) {
	e := newEnv(t, testenv.Options{})
	c := webClient(t, e)
	ctx := context.Background()
	for _, style := range []oauth2.AuthStyle{oauth2.AuthStyleInHeader, oauth2.AuthStyleInParams} {
		cfg := config(e, c, "openid", "profile")
		cfg.Endpoint.AuthStyle = style
		verifier := oauth2.GenerateVerifier()
		code := authorize(t, e, cfg.AuthCodeURL("xyz", oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("nonce", "n-0S6_WzA2Mj")))
		tok, err := cfg.Exchange(ctx, code, oauth2.VerifierOption(verifier))
		if err != nil {
			t.Fatal(err)
		}
		if tok.Type() != "Bearer" || tok.RefreshToken == "" || tok.Expiry.IsZero() {
			t.Fatalf("token: %+v", tok)
		}
		if s, _ := tok.Extra("scope").(string); s != "openid profile" {
			t.Errorf("scope = %q", s)
		}

		raw, _ := tok.Extra("id_token").(string)
		var claims idTokenClaims
		if kid := verifyJWT(t, e, raw, &claims); kid == "" {
			t.Fatal("no kid")
		}
		sum := sha256.Sum256([]byte(tok.AccessToken))
		want := idTokenClaims{
			Issuer: e.URL, Subject: e.User.ID, Audience: c.Client.ID, Nonce: "n-0S6_WzA2Mj",
			AtHash:   base64.RawURLEncoding.EncodeToString(sum[:16]),
			IssuedAt: e.Clock.Now().Unix(), Expiry: e.Clock.Now().Add(time.Hour).Unix(), AuthTime: claims.AuthTime,
		}
		if claims != want {
			t.Errorf("ID token claims\n got %+v\nwant %+v", claims, want)
		}
		if claims.AuthTime == 0 || claims.AuthTime > claims.IssuedAt {
			t.Errorf("auth_time = %d, iat %d", claims.AuthTime, claims.IssuedAt)
		}

		// The library's client presents the token to /userinfo.
		resp, err := cfg.Client(ctx, tok).Get(e.URL + "/userinfo")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var info map[string]any
		_ = json.Unmarshal(body, &info)
		if resp.StatusCode != http.StatusOK || info["sub"] != e.User.ID || info["preferred_username"] != testenv.UserName {
			t.Fatalf("userinfo: %d %s", resp.StatusCode, body)
		}

		// A TokenSource refreshes an expired token, and the refresh rotates.
		old := *tok
		tok.Expiry = time.Now().Add(-time.Minute)
		fresh, err := cfg.TokenSource(ctx, tok).Token()
		if err != nil {
			t.Fatal(err)
		}
		if fresh.AccessToken == old.AccessToken || fresh.RefreshToken == old.RefreshToken || fresh.RefreshToken == "" {
			t.Fatal("refresh did not rotate the tokens")
		}
		if active(t, e, c, old.AccessToken) || !active(t, e, c, fresh.AccessToken) {
			t.Error("after the refresh only the new access token is active")
		}
	}
}

// TestGoOAuth2DeviceFlow: DeviceAuth, approval on the device page, then
// DeviceAccessToken polling to the tokens, for a public client.
func TestGoOAuth2DeviceFlow(t *testing.T) {
	e := newEnv(t, testenv.Options{})
	c := client(t, e, signet.ClientPublic, []string{signet.GrantDeviceCode, signet.GrantRefreshToken}, "openid", "profile")
	cfg := config(e, c, "openid")
	cfg.Endpoint.AuthStyle = oauth2.AuthStyleInParams
	ctx := context.Background()
	da, err := cfg.DeviceAuth(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if da.VerificationURI != e.URL+"/device" || da.VerificationURIComplete == "" || da.Interval != 1 {
		t.Fatalf("device authorization: %+v", da)
	}
	if p := e.Browser(t).DecideDevice(da.UserCode, true); p.Status >= 400 {
		t.Fatalf("approval page: %d", p.Status)
	}
	tok, err := cfg.DeviceAccessToken(ctx, da)
	if err != nil {
		t.Fatal(err)
	}
	if tok.RefreshToken == "" || tok.Type() != "Bearer" {
		t.Fatalf("token: %+v", tok)
	}
	var claims idTokenClaims
	verifyJWT(t, e, tok.Extra("id_token").(string), &claims)
	if claims.Subject != e.User.ID || claims.Audience != c.Client.ID || claims.Nonce != "" {
		t.Errorf("ID token: %+v", claims)
	}
}

// TestGoOAuth2ClientCredentials: clientcredentials.Config gets a
// self-contained token (a JWT that verifies with go-jose against the
// JWKS), introspection answers for it, and issuing writes nothing to the
// database but one audit record per token.
func TestGoOAuth2ClientCredentials(t *testing.T) {
	e := newEnv(t, testenv.Options{})
	c := client(t, e, signet.ClientConfidential, []string{signet.GrantClientCredentials}, "reports:read", "reports:write")
	ctx := context.Background()
	cc := clientcredentials.Config{ClientID: c.Client.ID, ClientSecret: c.Secret, TokenURL: e.URL + "/oauth2/token", Scopes: []string{"reports:read"}}

	before, err := e.DB.Dump(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var tok *oauth2.Token
	for range 5 {
		if tok, err = cc.Token(ctx); err != nil {
			t.Fatal(err)
		}
	}
	after, err := e.DB.Dump(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Only the audit trail grows: one record per token (catalogue AU-01).
	if n := len(after["audit_records"]) - len(before["audit_records"]); n != 5*14 {
		t.Errorf("issuing 5 client_credentials tokens added %d audit cells, want 5 records of 14", n)
	}
	delete(before, "audit_records")
	delete(after, "audit_records")
	if !reflect.DeepEqual(before, after) {
		t.Error("issuing client_credentials tokens wrote to the database beyond its audit records")
	}
	if tok.RefreshToken != "" || tok.Type() != "Bearer" {
		t.Fatalf("token: %+v", tok)
	}
	var claims map[string]any
	verifyJWT(t, e, tok.AccessToken, &claims)
	if claims["sub"] != c.Client.ID || claims["scope"] != "reports:read" || claims["iss"] != e.URL {
		t.Errorf("claims: %v", claims)
	}
	r := introspect(t, e, c, tok.AccessToken)
	if r.Body["active"] != true || r.str("client_id") != c.Client.ID || r.str("scope") != "reports:read" {
		t.Fatalf("introspection: %s", r.Raw)
	}
	// Past its expiry it is inactive.
	e.Clock.Add(time.Hour)
	if active(t, e, c, tok.AccessToken) {
		t.Error("expired client_credentials token still active")
	}

	// A public client, or a client without the grant, is refused.
	web := webClient(t, e)
	cc.ClientID, cc.ClientSecret = web.Client.ID, web.Secret
	if _, err := cc.Token(ctx); !isOAuthError(err, "unauthorized_client") {
		t.Errorf("client without the grant: %v", err)
	}
}

func isOAuthError(err error, code string) bool {
	re, ok := err.(*oauth2.RetrieveError)
	return ok && re.ErrorCode == code
}

// TestMetadataAndJWKS: RFC 8414 and OIDC discovery documents, and the JWKS
// holding the next signing key as soon as it is rotated in.
func TestMetadataAndJWKS(t *testing.T) {
	e := newEnv(t, testenv.Options{})
	for _, path := range []string{"/.well-known/oauth-authorization-server", "/.well-known/openid-configuration"} {
		r := call(t, e, http.MethodGet, path, "", "")
		if r.Status != http.StatusOK || r.str("issuer") != e.URL || r.str("token_endpoint") != e.URL+"/oauth2/token" ||
			r.str("jwks_uri") != e.URL+"/.well-known/jwks.json" || r.str("userinfo_endpoint") != e.URL+"/userinfo" {
			t.Fatalf("%s: %d %s", path, r.Status, r.Raw)
		}
		if _, ok := r.Body["registration_endpoint"]; ok {
			t.Error("dynamic registration advertised while off")
		}
	}
	before := fetchJWKS(t, e)
	if len(before.Keys) != 1 {
		t.Fatalf("%d keys", len(before.Keys))
	}
	next, err := e.Keyring.RotateSigningKey(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	after := fetchJWKS(t, e)
	set := after
	if len(after.Keys) != 2 || len(set.Key(next.ID)) != 1 {
		t.Fatalf("the rotated-in key is not published: %+v", after)
	}
	// It does not sign yet: a new ID token still names the old key.
	c := client(t, e, signet.ClientConfidential, []string{signet.GrantClientCredentials})
	r := post(t, e, "/oauth2/token", secretAuth(map[string][]string{"grant_type": {"client_credentials"}}, c))
	var claims map[string]any
	if kid := verifyJWT(t, e, r.str("access_token"), &claims); kid != before.Keys[0].KeyID {
		t.Errorf("signed with %s before its publish delay", kid)
	}
}

// TestDynamicRegistration: off by default (404), on when configured; the
// registered client runs the code flow with its secret.
func TestDynamicRegistration(t *testing.T) {
	off := newEnv(t, testenv.Options{})
	if r := call(t, off, http.MethodPost, "/oauth2/register", `{}`, "application/json"); r.Status != http.StatusNotFound {
		t.Errorf("registration while off: %d", r.Status)
	}
	e := newEnv(t, testenv.Options{DynamicRegistration: true})
	r := call(t, e, http.MethodPost, "/oauth2/register",
		`{"client_name":"cli","redirect_uris":["`+redirectURI+`"],"grant_types":["authorization_code","refresh_token"],"scope":"openid"}`, "application/json")
	if r.Status != http.StatusCreated || r.str("client_id") == "" || r.str("client_secret") == "" {
		t.Fatalf("register: %d %s", r.Status, r.Raw)
	}
	cfg := &oauth2.Config{ClientID: r.str("client_id"), ClientSecret: r.str("client_secret"), RedirectURL: redirectURI,
		Scopes: []string{"openid"}, Endpoint: oauth2.Endpoint{AuthURL: e.URL + "/oauth2/authorize", TokenURL: e.URL + "/oauth2/token"}}
	verifier := oauth2.GenerateVerifier()
	code := authorize(t, e, cfg.AuthCodeURL("s", oauth2.S256ChallengeOption(verifier)))
	if _, err := cfg.Exchange(context.Background(), code, oauth2.VerifierOption(verifier)); err != nil {
		t.Fatal(err)
	}
	bad := call(t, e, http.MethodPost, "/oauth2/register", `{"client_name":"x","redirect_uris":["javascript:alert(1)"]}`, "application/json")
	if bad.Status != http.StatusBadRequest || !slices.Contains([]string{"invalid_redirect_uri", "invalid_client_metadata"}, bad.str("error")) {
		t.Errorf("bad redirect: %d %s", bad.Status, bad.Raw)
	}
}
