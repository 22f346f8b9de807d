package signin_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/signin"
	"github.com/aws/aws-sdk-go-v2/service/signin/types"
	"github.com/go-jose/go-jose/v4"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/authserver"
	"github.com/signet-auth/signet/internal/signintest"
	"github.com/signet-auth/signet/keyring"
)

// accessTokenClaims verifies as an at+jwt.
type accessTokenClaims map[string]any

func (accessTokenClaims) JWTType() string { return keyring.TypeAccessToken }

func jwtTyp(t *testing.T, token string) string {
	t.Helper()
	jws, err := jose.ParseSignedCompact(token, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		t.Fatal(err)
	}
	typ, _ := jws.Signatures[0].Protected.ExtraHeaders[jose.HeaderType].(string)
	return typ
}

// TestJT01_WithIAMTokenIsNoIDToken: a caller with SigV4 credentials mints
// a signet-signed JWT for a resource it names. That token is an at+jwt and
// never verifies as an ID token; it cannot name this server or one of its
// clients as its audience; and the idToken is typ JWT and never verifies as
// an access token.
func TestJT01_WithIAMTokenIsNoIDToken(t *testing.T) {
	e := signintest.New(t, signintest.Options{})
	ctx := context.Background()
	h := newHolder(t, e)
	r := h.login()
	at := r.Body["accessToken"].(map[string]any)
	c := sdkClient(e, credentials.NewStaticCredentialsProvider(at["accessKeyId"].(string), at["secretAccessKey"].(string), at["sessionToken"].(string)))

	stored, err := e.Engine.CreateClient(ctx, authserver.ClientSpec{ID: "relying-party", Name: "rp", Type: signet.ClientPublic,
		GrantTypes: []string{signet.GrantAuthorizationCode}, RedirectURIs: []string{"https://rp.example/cb"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, resource := range []string{sameDevice, "arn:aws:signin:::devtools/cross-device", stored.Client.ID, e.URL, e.URL + "/oauth2/token"} {
		_, err := c.CreateOAuth2TokenWithIAM(ctx, &signin.CreateOAuth2TokenWithIAMInput{
			GrantType: aws.String("client_credentials"), Resource: aws.String(resource)})
		var ve *types.ValidationException
		if !errors.As(err, &ve) {
			t.Errorf("resource %q: %v; want ValidationException", resource, err)
		}
	}

	tok, err := c.CreateOAuth2TokenWithIAM(ctx, &signin.CreateOAuth2TokenWithIAMInput{
		GrantType: aws.String("client_credentials"), Resource: aws.String("aws-mcp.amazonaws.com")})
	if err != nil {
		t.Fatal(err)
	}
	access := aws.ToString(tok.AccessToken)
	if typ := jwtTyp(t, access); typ != "at+jwt" {
		t.Errorf("WithIAM token typ %q, want at+jwt", typ)
	}
	var asID map[string]any
	if err := e.Keyring.VerifyJWT(access, &asID); !errors.Is(err, keyring.ErrTypeMismatch) {
		t.Errorf("the WithIAM token verified as an ID token: %v", err)
	}
	var asAT accessTokenClaims
	if err := e.Keyring.VerifyJWT(access, &asAT); err != nil || asAT["aud"] != "aws-mcp.amazonaws.com" {
		t.Errorf("as an access token: %v %v", asAT, err)
	}

	id := r.str("idToken")
	if typ := jwtTyp(t, id); !strings.EqualFold(typ, "JWT") {
		t.Errorf("idToken typ %q, want JWT", typ)
	}
	if err := e.Keyring.VerifyJWT(id, &asAT); !errors.Is(err, keyring.ErrTypeMismatch) {
		t.Errorf("the idToken verified as an access token: %v", err)
	}
}
