package oauth2_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/authserver"
	"github.com/signet-auth/signet/internal/testenv"
)

// jwtClient registers a confidential client with the client_credentials
// grant and the public half of a fresh key for private_key_jwt.
func jwtClient(t *testing.T, e *testenv.Env) (authserver.IssuedClient, *ecdsa.PrivateKey) {
	t.Helper()
	c := client(t, e, signet.ClientConfidential, []string{signet.GrantClientCredentials})
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	set, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &priv.PublicKey, KeyID: "k1", Algorithm: "ES256", Use: "sig"}}})
	if err := e.DB.SetClientJWKS(context.Background(), c.Client.ID, set); err != nil {
		t.Fatal(err)
	}
	return c, priv
}

// assertion signs client assertion claims with key (RFC 7523 §3).
func assertion(t *testing.T, key any, alg jose.SignatureAlgorithm, kid string, claims jwt.Claims) string {
	t.Helper()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key}, (&jose.SignerOptions{}).WithHeader("kid", kid))
	if err != nil {
		t.Fatal(err)
	}
	s, err := jwt.Signed(signer).Claims(claims).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func assertionForm(a string) url.Values {
	return url.Values{"grant_type": {"client_credentials"},
		"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"}, "client_assertion": {a}}
}

func TestCL09_PrivateKeyJWT(t *testing.T) {
	e := newEnv(t, testenv.Options{})
	c, priv := jwtClient(t, e)
	now := e.Clock.Now()
	claims := func(mod func(*jwt.Claims)) jwt.Claims {
		cl := jwt.Claims{Issuer: c.Client.ID, Subject: c.Client.ID, Audience: jwt.Audience{e.URL + "/oauth2/token"},
			Expiry: jwt.NewNumericDate(now.Add(time.Minute)), IssuedAt: jwt.NewNumericDate(now), ID: rand.Text()}
		if mod != nil {
			mod(&cl)
		}
		return cl
	}

	good := assertion(t, priv, jose.ES256, "k1", claims(nil))
	if r := post(t, e, "/oauth2/token", assertionForm(good)); r.Status != http.StatusOK || r.str("access_token") == "" {
		t.Fatalf("valid assertion: %d %s", r.Status, r.Raw)
	}
	issuerAud := assertion(t, priv, jose.ES256, "k1", claims(func(c *jwt.Claims) { c.Audience = jwt.Audience{e.URL} }))
	if r := post(t, e, "/oauth2/token", assertionForm(issuerAud)); r.Status != http.StatusOK {
		t.Fatalf("aud = issuer: %d %s", r.Status, r.Raw)
	}
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	for name, a := range map[string]string{
		"replayed jti":                        good,
		"wrong aud":                           assertion(t, priv, jose.ES256, "k1", claims(func(c *jwt.Claims) { c.Audience = jwt.Audience{"https://elsewhere.example/token"} })),
		"far-future exp":                      assertion(t, priv, jose.ES256, "k1", claims(func(c *jwt.Claims) { c.Expiry = jwt.NewNumericDate(now.Add(24 * time.Hour)) })),
		"expired":                             assertion(t, priv, jose.ES256, "k1", claims(func(c *jwt.Claims) { c.Expiry = jwt.NewNumericDate(now.Add(-time.Second)) })),
		"no jti":                              assertion(t, priv, jose.ES256, "k1", claims(func(c *jwt.Claims) { c.ID = "" })),
		"iss is not sub":                      assertion(t, priv, jose.ES256, "k1", claims(func(c *jwt.Claims) { c.Issuer = "someone" })),
		"unregistered key":                    assertion(t, other, jose.ES256, "k1", claims(nil)),
		"HS256 with the public key as secret": assertion(t, elliptic.MarshalCompressed(elliptic.P256(), priv.X, priv.Y), jose.HS256, "k1", claims(nil)),
		"client without keys": assertion(t, priv, jose.ES256, "k1", claims(func(c *jwt.Claims) {
			c.Issuer, c.Subject = "no-keys", "no-keys"
		})),
	} {
		t.Run(name, func(t *testing.T) {
			wantError(t, post(t, e, "/oauth2/token", assertionForm(a)), http.StatusUnauthorized, "invalid_client")
		})
	}
	t.Run("client_id naming another client", func(t *testing.T) {
		f := assertionForm(assertion(t, priv, jose.ES256, "k1", claims(nil)))
		f.Set("client_id", "someone-else")
		wantError(t, post(t, e, "/oauth2/token", f), http.StatusUnauthorized, "invalid_client")
	})
	t.Run("introspection with an assertion", func(t *testing.T) {
		tok := post(t, e, "/oauth2/token", secretAuth(url.Values{"grant_type": {"client_credentials"}}, c)).str("access_token")
		aud := assertion(t, priv, jose.ES256, "k1", claims(func(c *jwt.Claims) { c.Audience = jwt.Audience{e.URL + "/oauth2/introspect"} }))
		r := post(t, e, "/oauth2/introspect", url.Values{"token": {tok},
			"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"}, "client_assertion": {aud}})
		if r.Status != http.StatusOK || r.Body["active"] != true {
			t.Fatalf("%d %s", r.Status, r.Raw)
		}
	})
}
