package ssooidc_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc/types"
	"github.com/go-jose/go-jose/v4"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/authserver"
	"github.com/signet-auth/signet/internal/testenv"
)

// Every rule of an assertion, refused with the model's error shape and
// nothing issued.
func TestCreateTokenWithIAMJWTBearerRefusals(t *testing.T) {
	b := newBearerEnv(t)
	e := b.e
	ctx := context.Background()
	other, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := e.Clock.Now()
	valid := func(edit func(m map[string]any)) string { return b.assertion(t, b.claims(testenv.UserName, edit)) }
	replayed := valid(nil)
	if _, err := b.redeem(replayed); err != nil {
		t.Fatal(err)
	}
	if err := e.Engine.SetDisabled(ctx, mustUser(t, e, "bob").ID, true); err != nil {
		t.Fatal(err)
	}
	hs := func() string {
		c := b.claims(testenv.UserName, nil)
		return sign(t, []byte(strings.Repeat("k", 32)), jose.HS256, "k1", c)
	}
	none := func() string {
		parts := strings.Split(valid(nil), ".")
		return base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","kid":"k1"}`)) + "." + parts[1] + "."
	}

	grant := func(err error) bool { var x *types.InvalidGrantException; return errors.As(err, &x) }
	request := func(err error) bool { var x *types.InvalidRequestException; return errors.As(err, &x) }
	for _, tc := range []struct {
		name      string
		assertion string
		want      func(error) bool
	}{
		{"replayed jti", replayed, grant},
		{"unknown issuer", valid(func(m map[string]any) { m["iss"] = "https://idp.example.net" }), grant},
		{"issuer differs by a slash", valid(func(m map[string]any) { m["iss"] = b.ti.srv.URL + "/" }), grant},
		{"wrong aud", valid(func(m map[string]any) { m["aud"] = "someone-else" }), grant},
		{"no aud", valid(func(m map[string]any) { delete(m, "aud") }), grant},
		{"expired", valid(func(m map[string]any) { m["exp"] = now.Add(-time.Minute).Unix() }), grant},
		{"no exp", valid(func(m map[string]any) { delete(m, "exp") }), grant},
		{"exp too far", valid(func(m map[string]any) { m["exp"] = now.Add(48 * time.Hour).Unix() }), grant},
		{"iat in the future", valid(func(m map[string]any) { m["iat"] = now.Add(time.Hour).Unix() }), grant},
		{"nbf in the future", valid(func(m map[string]any) { m["nbf"] = now.Add(time.Hour).Unix() }), grant},
		{"signed by another key, same kid", sign(t, other, jose.ES256, "k1", b.claims(testenv.UserName, nil)), grant},
		{"signed by another key, no kid", sign(t, other, jose.ES256, "", b.claims(testenv.UserName, nil)), grant},
		{"HS256", hs(), grant},
		{"alg none", none(), grant},
		{"not a JWT", "x.y.z", grant},
		{"no such user", valid(func(m map[string]any) { m[usernameCl] = "mallory" }), grant},
		{"no user claim", valid(func(m map[string]any) { delete(m, usernameCl) }), grant},
		{"user claim not a string", valid(func(m map[string]any) { m[usernameCl] = []string{testenv.UserName} }), grant},
		{"disabled user", b.assertion(t, b.claims("bob", nil)), grant},
		{"no assertion", "", request},
		{"assertion over 16 KiB", strings.Repeat("a", authserver.MaxTrustedAssertionLen+1), request},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := b.redeem(tc.assertion)
			if !tc.want(err) || out != nil {
				t.Fatalf("got %+v, %v", out, err)
			}
		})
	}

	t.Run("application without the grant", func(t *testing.T) {
		const app = "arn:aws:sso::123456789012:application/ssoins-1111111111111111/apl-4444444444444444"
		e.IAMApplication(t, app, "https://app.example.com/cb", "openid")
		_, err := b.oc.CreateTokenWithIAM(ctx, &ssooidc.CreateTokenWithIAMInput{
			ClientId: aws.String(app), GrantType: aws.String(jwtBearer), Assertion: aws.String(valid(nil)),
		})
		var x *types.UnauthorizedClientException
		if !errors.As(err, &x) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("CreateToken has no jwt-bearer grant", func(t *testing.T) {
		c := register(t, e)
		w := post(t, e, "/token", map[string]any{"clientId": c.ID, "clientSecret": c.Secret, "grantType": jwtBearer, "assertion": valid(nil)})
		wantError(t, w, 400, "UnsupportedGrantTypeException", "unsupported_grant_type")
	})
	t.Run("a server without trusted issuers", func(t *testing.T) {
		e := testenv.New(t, testenv.Options{})
		if _, err := e.Engine.CreateClient(ctx, authserver.ClientSpec{
			ID: bearerApp, Name: "Bearer app", Type: signet.ClientConfidential,
			GrantTypes: []string{signet.GrantJWTBearer, signet.GrantRefreshToken},
		}); err != nil {
			t.Fatal(err)
		}
		signer := e.Credentials(t, testenv.AccountID, "AppBackend")
		oc := oidcClient(e, credentials.NewStaticCredentialsProvider(signer.AccessKeyID, signer.SecretAccessKey, signer.SessionToken))
		_, err := oc.CreateTokenWithIAM(ctx, &ssooidc.CreateTokenWithIAMInput{
			ClientId: aws.String(bearerApp), GrantType: aws.String(jwtBearer), Assertion: aws.String(valid(nil)),
		})
		var x *types.UnsupportedGrantTypeException
		if !errors.As(err, &x) {
			t.Fatalf("err = %v", err)
		}
	})
}

// mustUser creates a user named name with a password.
func mustUser(t *testing.T, e *testenv.Env, name string) struct{ ID string } {
	t.Helper()
	u, err := e.Engine.CreateUser(context.Background(), name, name, testenv.UserPassword)
	if err != nil {
		t.Fatal(err)
	}
	return struct{ ID string }{u.ID}
}

// An issuer whose keys cannot be fetched: a retryable server error, nothing
// issued, and the next attempt after the refetch floor succeeds once the
// issuer is back.
func TestCreateTokenWithIAMJWTBearerIssuerDown(t *testing.T) {
	b := newBearerEnv(t)
	setDown := func(down bool) { b.ti.mu.Lock(); b.ti.down = down; b.ti.mu.Unlock() }
	setDown(true)
	out, err := b.redeem(b.assertion(t, b.claims(testenv.UserName, nil)))
	var internal *types.InternalServerException
	if !errors.As(err, &internal) || out != nil {
		t.Fatalf("issuer down: %+v %v", out, err)
	}
	setDown(false)
	b.e.Clock.Add(time.Minute)
	if _, err := b.redeem(b.assertion(t, b.claims(testenv.UserName, nil))); err != nil {
		t.Fatalf("issuer back: %v", err)
	}
}
