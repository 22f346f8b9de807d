package oauth2_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/signet-auth/signet/internal/testenv"
	"github.com/signet-auth/signet/keyring"
)

// typedClaims is signed as at+jwt.
type typedClaims map[string]any

func (typedClaims) JWTType() string { return keyring.TypeAccessToken }

// TestJT01_JWTKindsNotInterchangeable: introspection accepts a signet JWT
// only as an at+jwt whose aud is this server and whose client is the
// caller; a JWT of another kind (typ JWT, as ID tokens are) with the same
// claims, or one minted for another audience, is inactive; an at+jwt is no
// client assertion; and the client_credentials token itself is at+jwt.
func TestJT01_JWTKindsNotInterchangeable(t *testing.T) {
	e := newEnv(t, testenv.Options{})
	c, priv := jwtClient(t, e)
	now := e.Clock.Now()
	claims := func(aud string) map[string]any {
		return map[string]any{"iss": e.URL, "sub": c.Client.ID, "aud": aud, "client_id": c.Client.ID,
			"iat": now.Unix(), "exp": now.Unix() + 600, "jti": "j-" + aud, "token_use": "access"}
	}

	real := post(t, e, "/oauth2/token", secretAuth(url.Values{"grant_type": {"client_credentials"}}, c)).str("access_token")
	if typ := headerTyp(t, real); typ != "at+jwt" {
		t.Errorf("client_credentials token typ %q, want at+jwt", typ)
	}
	if !active(t, e, c, real) {
		t.Fatal("the real client_credentials token is inactive")
	}

	idKind, err := e.Keyring.SignJWT(claims(e.URL)) // typ JWT: the ID token kind
	if err != nil {
		t.Fatal(err)
	}
	if active(t, e, c, idKind) {
		t.Error("a typ JWT token was accepted as an access token")
	}
	otherAud, err := e.Keyring.SignJWT(typedClaims(claims("some-other-client")))
	if err != nil {
		t.Fatal(err)
	}
	if active(t, e, c, otherAud) {
		t.Error("an at+jwt minted for another audience was accepted")
	}
	right, err := e.Keyring.SignJWT(typedClaims(claims(e.URL)))
	if err != nil {
		t.Fatal(err)
	}
	if !active(t, e, c, right) {
		t.Error("a well-formed at+jwt for this server is inactive: the test proves nothing")
	}

	// A client assertion typed as an access token is refused, though the
	// client's own key signed it.
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: priv},
		(&jose.SignerOptions{}).WithHeader("kid", "k1").WithType("at+jwt"))
	if err != nil {
		t.Fatal(err)
	}
	a, err := jwt.Signed(signer).Claims(jwt.Claims{Issuer: c.Client.ID, Subject: c.Client.ID, Audience: jwt.Audience{e.URL},
		Expiry: jwt.NewNumericDate(now.Add(60e9)), ID: "jt01-assertion"}).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	wantError(t, post(t, e, "/oauth2/token", assertionForm(a)), http.StatusUnauthorized, "invalid_client")
}

func headerTyp(t *testing.T, token string) string {
	t.Helper()
	jws, err := jose.ParseSignedCompact(token, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		t.Fatal(err)
	}
	typ, _ := jws.Signatures[0].Protected.ExtraHeaders[jose.HeaderType].(string)
	return typ
}
