package ssooidc_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc/types"
	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/authserver"
	"github.com/signet-auth/signet/internal/testenv"
)

// A token issuer that is not signet: a key the test holds, its JWKS and
// discovery document served by an httptest server.
type testIssuer struct {
	srv *httptest.Server
	mu  sync.Mutex
	key *ecdsa.PrivateKey
	kid string
	// fetches counts JWKS fetches.
	fetches int
	// down makes every request fail with 503.
	down bool
}

func newTestIssuer(t *testing.T) *testIssuer {
	ti := &testIssuer{}
	ti.rotate(t, "k1")
	ti.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ti.mu.Lock()
		defer ti.mu.Unlock()
		if ti.down {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/.well-known/openid-configuration":
			_ = json.NewEncoder(w).Encode(map[string]string{"issuer": ti.srv.URL, "jwks_uri": ti.srv.URL + "/keys"})
		case "/keys":
			ti.fetches++
			_ = json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{
				{Key: &ti.key.PublicKey, KeyID: ti.kid, Algorithm: "ES256", Use: "sig"},
			}})
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(ti.srv.Close)
	return ti
}

func (ti *testIssuer) fetched() int {
	ti.mu.Lock()
	defer ti.mu.Unlock()
	return ti.fetches
}

// rotate replaces the issuer's key with a new one named kid.
func (ti *testIssuer) rotate(t *testing.T, kid string) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ti.mu.Lock()
	ti.key, ti.kid = k, kid
	ti.mu.Unlock()
}

// sign signs claims with key under kid.
func sign(t *testing.T, key any, alg jose.SignatureAlgorithm, kid string, claims any) string {
	t.Helper()
	opts := (&jose.SignerOptions{}).WithType("JWT")
	if kid != "" {
		opts = opts.WithHeader(jose.HeaderKey("kid"), kid)
	}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key}, opts)
	if err != nil {
		t.Fatal(err)
	}
	out, err := jwt.Signed(s).Claims(claims).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

const (
	jwtBearer  = "urn:ietf:params:oauth:grant-type:jwt-bearer"
	bearerApp  = "arn:aws:sso::123456789012:application/ssoins-1111111111111111/apl-3333333333333333"
	bearerAud  = "signet-app"
	usernameCl = "preferred_username"
)

// bearerEnv is a server trusting ti, with an application allowed the
// jwt-bearer grant and an SSO OIDC client signing for it.
type bearerEnv struct {
	e  *testenv.Env
	ti *testIssuer
	oc *ssooidc.Client
	n  int
}

func newBearerEnv(t *testing.T) *bearerEnv {
	ti := newTestIssuer(t)
	e := testenv.New(t, testenv.Options{
		TrustedTokenIssuers: []string{"issuer=" + ti.srv.URL + ",audiences=other " + bearerAud + ",claim=" + usernameCl + ",match=name"},
	})
	if _, err := e.Engine.CreateClient(context.Background(), authserver.ClientSpec{
		ID: bearerApp, Name: "Bearer app", Type: signet.ClientConfidential,
		GrantTypes: []string{signet.GrantJWTBearer, signet.GrantRefreshToken},
		Scopes:     []string{"openid", "aws", "sts:identity_context"},
	}); err != nil {
		t.Fatal(err)
	}
	signer := e.Credentials(t, testenv.AccountID, "AppBackend")
	oc := oidcClient(e, credentials.NewStaticCredentialsProvider(signer.AccessKeyID, signer.SecretAccessKey, signer.SessionToken))
	return &bearerEnv{e: e, ti: ti, oc: oc}
}

// claims are a valid assertion's claims for user, dated by the server's
// clock; edit changes them.
func (b *bearerEnv) claims(user string, edit func(m map[string]any)) map[string]any {
	now := b.e.Clock.Now()
	b.n++
	m := map[string]any{
		"iss": b.ti.srv.URL, "sub": "idp-subject-" + user, "aud": bearerAud,
		"iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(), "jti": "jti-" + time.Now().Format(time.RFC3339Nano) + string(rune('a'+b.n%26)),
		usernameCl: user,
	}
	if edit != nil {
		edit(m)
	}
	return m
}

// assertion signs claims with the issuer's current key.
func (b *bearerEnv) assertion(t *testing.T, claims map[string]any) string {
	b.ti.mu.Lock()
	key, kid := b.ti.key, b.ti.kid
	b.ti.mu.Unlock()
	return sign(t, key, jose.ES256, kid, claims)
}

func (b *bearerEnv) redeem(assertion string, scopes ...string) (*ssooidc.CreateTokenWithIAMOutput, error) {
	return b.oc.CreateTokenWithIAM(context.Background(), &ssooidc.CreateTokenWithIAMInput{
		ClientId: aws.String(bearerApp), GrantType: aws.String(jwtBearer), Assertion: aws.String(assertion), Scope: scopes,
	})
}

// signetKeys is the server's JWKS, as a relying party fetches it.
func signetKeys(t *testing.T, e *testenv.Env) jose.JSONWebKeySet {
	resp, err := http.Get(e.URL + "/.well-known/jwks.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(body, &set); err != nil {
		t.Fatalf("jwks: %v: %s", err, body)
	}
	return set
}

// verifySignetJWT verifies a JWT signet issued with its published keys and
// returns its claims and typ.
func verifySignetJWT(t *testing.T, e *testenv.Env, raw string) (map[string]any, string) {
	t.Helper()
	tok, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		t.Fatalf("parse %q: %v", raw, err)
	}
	set := signetKeys(t, e)
	keys := set.Key(tok.Headers[0].KeyID)
	if len(keys) == 0 {
		t.Fatalf("kid %q not in signet's JWKS", tok.Headers[0].KeyID)
	}
	var m map[string]any
	if err := tok.Claims(keys[0].Key, &m); err != nil {
		t.Fatalf("signature: %v", err)
	}
	typ, _ := tok.Headers[0].ExtraHeaders[jose.HeaderType].(string)
	return m, typ
}

func TestSDKCreateTokenWithIAMJWTBearer(t *testing.T) {
	b := newBearerEnv(t)
	e := b.e
	out, err := b.redeem(b.assertion(t, b.claims(testenv.UserName, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.AccessToken) == "" || aws.ToString(out.RefreshToken) == "" || aws.ToString(out.TokenType) != "Bearer" ||
		out.ExpiresIn != 3600 || aws.ToString(out.IssuedTokenType) != "urn:ietf:params:oauth:token-type:refresh_token" {
		t.Fatalf("answer: %+v", out)
	}
	if want := []string{"openid", "aws", "sts:identity_context"}; len(out.Scope) != 3 || out.Scope[0] != want[0] || out.Scope[2] != want[2] {
		t.Fatalf("scope %v, want every scope of the application %v", out.Scope, want)
	}
	// The idToken is a real OIDC ID token, verifiable with signet's JWKS,
	// about the user the assertion named, for the application.
	id, typ := verifySignetJWT(t, e, aws.ToString(out.IdToken))
	if typ != "JWT" || id["iss"] != e.URL || id["aud"] != bearerApp || id["sub"] != e.User.ID || id["username"] != testenv.UserName {
		t.Fatalf("ID token typ %q claims %v", typ, id)
	}
	if exp, _ := id["exp"].(float64); int64(exp) <= e.Clock.Now().Unix() {
		t.Fatalf("ID token exp %v", id["exp"])
	}
	// awsAdditionalDetails.identityContext is the ID token's
	// sts:identity_context, itself a signed token of its own kind.
	if out.AwsAdditionalDetails == nil || aws.ToString(out.AwsAdditionalDetails.IdentityContext) == "" ||
		id["sts:identity_context"] != aws.ToString(out.AwsAdditionalDetails.IdentityContext) {
		t.Fatalf("identity context %+v vs ID token %v", out.AwsAdditionalDetails, id["sts:identity_context"])
	}
	ic, typ := verifySignetJWT(t, e, aws.ToString(out.AwsAdditionalDetails.IdentityContext))
	if typ != "identity-context+jwt" || ic["sub"] != e.User.ID || ic["aud"] != bearerApp || ic["aws:instance_account"] != testenv.AccountID {
		t.Fatalf("identity context typ %q claims %v", typ, ic)
	}

	// The session refreshes like any other, and keeps its ID token.
	ref, err := b.oc.CreateTokenWithIAM(context.Background(), &ssooidc.CreateTokenWithIAMInput{
		ClientId: aws.String(bearerApp), GrantType: aws.String("refresh_token"), RefreshToken: out.RefreshToken,
	})
	if err != nil || aws.ToString(ref.IdToken) == "" || ref.AwsAdditionalDetails == nil {
		t.Fatalf("refresh: %+v %v", ref, err)
	}

	t.Run("narrower scope: no ID token, no identity context", func(t *testing.T) {
		out, err := b.redeem(b.assertion(t, b.claims(testenv.UserName, nil)), "aws")
		if err != nil || len(out.Scope) != 1 || out.IdToken != nil || out.AwsAdditionalDetails != nil {
			t.Fatalf("%+v %v", out, err)
		}
	})
	t.Run("scope beyond the application", func(t *testing.T) {
		_, err := b.redeem(b.assertion(t, b.claims(testenv.UserName, nil)), "openid", "sso:account:access")
		var scope *types.InvalidScopeException
		if !errors.As(err, &scope) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("a large assertion", func(t *testing.T) {
		// An IdP's ID token with many group claims outgrows signet's own
		// 4 KiB tokens.
		groups := make([]string, 300)
		for i := range groups {
			groups[i] = fmt.Sprintf("group-%04d", i)
		}
		a := b.assertion(t, b.claims(testenv.UserName, func(m map[string]any) { m["groups"] = groups }))
		if len(a) < 5000 {
			t.Fatalf("assertion of %d bytes", len(a))
		}
		if _, err := b.redeem(a); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("no jti: once only", func(t *testing.T) {
		a := b.assertion(t, b.claims(testenv.UserName, func(m map[string]any) { delete(m, "jti") }))
		if _, err := b.redeem(a); err != nil {
			t.Fatal(err)
		}
		_, err := b.redeem(a)
		var grant *types.InvalidGrantException
		if !errors.As(err, &grant) {
			t.Fatalf("second use: %v", err)
		}
	})
	t.Run("issuer rotated its key", func(t *testing.T) {
		b.ti.rotate(t, "k2")
		// Within the bounded refetch interval the set is not fetched again.
		before := b.ti.fetched()
		_, err := b.redeem(b.assertion(t, b.claims(testenv.UserName, nil)))
		var grant *types.InvalidGrantException
		if !errors.As(err, &grant) || b.ti.fetched() != before {
			t.Fatalf("unknown kid right after a fetch: %v (fetches %d → %d)", err, before, b.ti.fetched())
		}
		e.Clock.Add(time.Minute)
		if _, err := b.redeem(b.assertion(t, b.claims(testenv.UserName, nil))); err != nil {
			t.Fatalf("after the refetch interval: %v", err)
		}
		if b.ti.fetched() != before+1 {
			t.Fatalf("fetches %d → %d, want one refetch", before, b.ti.fetched())
		}
	})
}
