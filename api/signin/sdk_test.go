package signin_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/signin"
	"github.com/aws/aws-sdk-go-v2/service/signin/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/signet-auth/signet/internal/signintest"
)

// sdkProof builds a DPoP proof exactly as aws-sdk-go-v2's
// credentials/logincreds does (dpop.go): indented JSON, coordinates from
// big.Int.Bytes() (not left-padded), a UUID jti, the full request URL
// (query included) as htu, the wall clock as iat.
func sdkProof(key *ecdsa.PrivateKey, htu string) (string, error) {
	enc := func(v any) string {
		b, _ := json.MarshalIndent(v, "", "  ")
		return base64.RawURLEncoding.EncodeToString(b)
	}
	header := enc(struct {
		Typ string `json:"typ"`
		Alg string `json:"alg"`
		Jwk any    `json:"jwk"`
	}{"dpop+jwt", "ES256", struct {
		Kty string `json:"kty"`
		X   string `json:"x"`
		Y   string `json:"y"`
		Crv string `json:"crv"`
	}{"EC", base64.RawURLEncoding.EncodeToString(key.X.Bytes()), base64.RawURLEncoding.EncodeToString(key.Y.Bytes()), "P-256"}})
	u := make([]byte, 16)
	_, _ = rand.Read(u)
	payload := enc(struct {
		Jti string `json:"jti"`
		Htm string `json:"htm"`
		Htu string `json:"htu"`
		Iat int64  `json:"iat"`
	}{fmt.Sprintf("%x-%x-%x-%x-%x", u[:4], u[4:6], u[6:8], u[8:10], u[10:]), "POST", htu, time.Now().Unix()})
	msg := header + "." + payload
	sum := sha256.Sum256([]byte(msg))
	r, s, err := ecdsa.Sign(rand.Reader, key, sum[:])
	if err != nil {
		return "", err
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return msg + "." + base64.RawURLEncoding.EncodeToString(sig), nil
}

// withDPoP adds the proof in the Finalize step, as logincreds does.
func withDPoP(key *ecdsa.PrivateKey) func(*signin.Options) {
	return signin.WithAPIOptions(func(stack *middleware.Stack) error {
		return stack.Finalize.Add(middleware.FinalizeMiddlewareFunc("signDPOP",
			func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
				req := in.Request.(*smithyhttp.Request)
				p, err := sdkProof(key, req.URL.String())
				if err != nil {
					return middleware.FinalizeOutput{}, middleware.Metadata{}, err
				}
				req.Header.Set("DPoP", p)
				return next.HandleFinalize(ctx, in)
			}), middleware.After)
	})
}

func sdkClient(e *signintest.Env, creds aws.CredentialsProvider) *signin.Client {
	return signin.New(signin.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(e.URL), Credentials: creds,
		RetryMaxAttempts: 1,
	})
}

func TestSDKCreateOAuth2TokenBothGrants(t *testing.T) {
	e := signintest.New(t, signintest.Options{})
	ctx := context.Background()
	c := sdkClient(e, aws.AnonymousCredentials{})
	h := newHolder(t, e)
	code := e.Code(t, sameDevice, redirect, verifier)
	out, err := c.CreateOAuth2Token(ctx, &signin.CreateOAuth2TokenInput{TokenInput: &types.CreateOAuth2TokenRequestBody{
		ClientId: aws.String(sameDevice), GrantType: aws.String("authorization_code"), Code: aws.String(code),
		RedirectUri: aws.String(redirect), CodeVerifier: aws.String(verifier),
	}}, withDPoP(h.key))
	if err != nil {
		t.Fatal(err)
	}
	tok := out.TokenOutput
	if tok == nil || tok.AccessToken == nil || aws.ToString(tok.IdToken) == "" || aws.ToInt32(tok.ExpiresIn) > 900 ||
		aws.ToString(tok.TokenType) != "urn:aws:params:oauth:token-type:access_token_sigv4" {
		t.Fatalf("authorization_code output: %+v", tok)
	}
	first := *tok.AccessToken

	out, err = c.CreateOAuth2Token(ctx, &signin.CreateOAuth2TokenInput{TokenInput: &types.CreateOAuth2TokenRequestBody{
		ClientId: aws.String(sameDevice), GrantType: aws.String("refresh_token"), RefreshToken: tok.RefreshToken,
	}}, withDPoP(h.key))
	if err != nil {
		t.Fatal(err)
	}
	if out.TokenOutput.IdToken != nil || aws.ToString(out.TokenOutput.RefreshToken) == aws.ToString(tok.RefreshToken) {
		t.Fatalf("refresh output: %+v", out.TokenOutput)
	}

	// The credentials are real: STS on signet knows who they are.
	for _, at := range []types.AccessToken{first, *out.TokenOutput.AccessToken} {
		id, err := sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(e.URL),
			Credentials: credentials.NewStaticCredentialsProvider(*at.AccessKeyId, *at.SecretAccessKey, *at.SessionToken)}).
			GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToString(id.Arn) != signintest.PrincipalARN || aws.ToString(id.Account) != signintest.AccountID {
			t.Fatalf("GetCallerIdentity: %s %s", aws.ToString(id.Arn), aws.ToString(id.Account))
		}
	}

	// Every modelled error decodes as its type with its error code.
	_, err = c.CreateOAuth2Token(ctx, &signin.CreateOAuth2TokenInput{TokenInput: &types.CreateOAuth2TokenRequestBody{
		ClientId: aws.String(sameDevice), GrantType: aws.String("authorization_code"), Code: aws.String(code),
		RedirectUri: aws.String(redirect), CodeVerifier: aws.String(verifier),
	}}, withDPoP(h.key))
	var ade *types.AccessDeniedException
	if !errors.As(err, &ade) || ade.Error_ != types.OAuth2ErrorCodeAuthcodeExpired {
		t.Fatalf("reused code: %v", err)
	}
	_, err = c.CreateOAuth2Token(ctx, &signin.CreateOAuth2TokenInput{TokenInput: &types.CreateOAuth2TokenRequestBody{
		ClientId: aws.String(sameDevice), GrantType: aws.String("refresh_token"), RefreshToken: out.TokenOutput.RefreshToken,
	}})
	var ve *types.ValidationException
	if !errors.As(err, &ve) || ve.Error_ != types.OAuth2ErrorCodeInvalidRequest {
		t.Fatalf("refresh without DPoP: %v", err)
	}
}

func TestSDKWithIAMOperations(t *testing.T) {
	e := signintest.New(t, signintest.Options{})
	ctx := context.Background()
	h := newHolder(t, e)
	r := h.login()
	at := r.Body["accessToken"].(map[string]any)
	creds := credentials.NewStaticCredentialsProvider(at["accessKeyId"].(string), at["secretAccessKey"].(string), at["sessionToken"].(string))
	c := sdkClient(e, creds)
	rt := r.str("refreshToken")

	tok, err := c.CreateOAuth2TokenWithIAM(ctx, &signin.CreateOAuth2TokenWithIAMInput{
		GrantType: aws.String("client_credentials"), Resource: aws.String("aws-mcp.amazonaws.com")})
	if err != nil {
		t.Fatal(err)
	}
	var claims accessTokenClaims // at+jwt (JT-01)
	if err := e.Keyring.VerifyJWT(aws.ToString(tok.AccessToken), &claims); err != nil {
		t.Fatal(err)
	}
	if aws.ToString(tok.TokenType) != "Bearer" || aws.ToInt32(tok.ExpiresIn) != 3600 ||
		claims["sub"] != signintest.PrincipalARN || claims["aud"] != "aws-mcp.amazonaws.com" {
		t.Fatalf("CreateOAuth2TokenWithIAM: %+v %v", tok, claims)
	}
	_, err = c.CreateOAuth2TokenWithIAM(ctx, &signin.CreateOAuth2TokenWithIAMInput{
		GrantType: aws.String("authorization_code"), Resource: aws.String("x")})
	var ve *types.ValidationException
	if !errors.As(err, &ve) {
		t.Fatalf("wrong grant type: %v", err)
	}

	in, err := c.IntrospectOAuth2TokenWithIAM(ctx, &signin.IntrospectOAuth2TokenWithIAMInput{Token: aws.String(rt)})
	if err != nil {
		t.Fatal(err)
	}
	if !aws.ToBool(in.Active) || aws.ToString(in.TokenType) != "refresh_token" || aws.ToString(in.Sub) != signintest.PrincipalARN ||
		aws.ToString(in.AccountId) != signintest.AccountID || aws.ToString(in.ClientId) != sameDevice ||
		!strings.HasPrefix(aws.ToString(in.SigninSession), "arn:aws:signin:us-east-1:"+signintest.AccountID+":session/") {
		t.Fatalf("introspect: %+v", in)
	}
	garbage, err := c.IntrospectOAuth2TokenWithIAM(ctx, &signin.IntrospectOAuth2TokenWithIAMInput{Token: aws.String("ASORgarbage")})
	if err != nil || aws.ToBool(garbage.Active) || garbage.Sub != nil {
		t.Fatalf("introspect garbage: %+v %v", garbage, err)
	}

	if _, err := c.RevokeOAuth2TokenWithIAM(ctx, &signin.RevokeOAuth2TokenWithIAMInput{Token: aws.String(rt)}); err != nil {
		t.Fatal(err)
	}
	// Revoked: the refresh token and the credentials signed with are done.
	wantError(t, h.refresh(rt), http.StatusUnauthorized, "AccessDeniedException", "TOKEN_EXPIRED")
	if _, err := c.RevokeOAuth2TokenWithIAM(ctx, &signin.RevokeOAuth2TokenWithIAMInput{Token: aws.String(rt)}); err == nil {
		t.Fatal("the revoked session's credentials still sign")
	}
	// Unknown tokens are a 200 for a caller that can sign.
	other := newHolder(t, e).login().Body["accessToken"].(map[string]any)
	c2 := sdkClient(e, credentials.NewStaticCredentialsProvider(other["accessKeyId"].(string), other["secretAccessKey"].(string), other["sessionToken"].(string)))
	if _, err := c2.RevokeOAuth2TokenWithIAM(ctx, &signin.RevokeOAuth2TokenWithIAMInput{Token: aws.String("ASORunknown")}); err != nil {
		t.Fatal(err)
	}
}
