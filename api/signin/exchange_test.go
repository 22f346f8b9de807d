package signin_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/signin"
	"github.com/aws/aws-sdk-go-v2/service/signin/types"

	"github.com/signet-auth/signet/authserver"
	"github.com/signet-auth/signet/internal/signintest"
)

const exchangeGrant = "urn:ietf:params:oauth:grant-type:token-exchange"

// CreateOAuth2TokenWithTokenExchange with the real SDK: a
// CreateOAuth2TokenWithIAM token becomes a token for another resource,
// with its session policies, no longer-lived than the subject; what is
// not such a token, or asks for a scope that is no policy, is refused in
// the operation's own shapes.
func TestSDKTokenExchange(t *testing.T) {
	e := signintest.New(t, signintest.Options{})
	ctx := context.Background()
	at := newHolder(t, e).login().Body["accessToken"].(map[string]any)
	iam := sdkClient(e, credentials.NewStaticCredentialsProvider(at["accessKeyId"].(string), at["secretAccessKey"].(string), at["sessionToken"].(string)))
	subj, err := iam.CreateOAuth2TokenWithIAM(ctx, &signin.CreateOAuth2TokenWithIAMInput{
		GrantType: aws.String("client_credentials"), Resource: aws.String("aws-mcp.amazonaws.com")})
	if err != nil {
		t.Fatal(err)
	}
	c := sdkClient(e, aws.AnonymousCredentials{})
	const policy = "arn:aws:iam::aws:policy/ReadOnlyAccess"
	out, err := c.CreateOAuth2TokenWithTokenExchange(ctx, &signin.CreateOAuth2TokenWithTokenExchangeInput{
		GrantType: aws.String(exchangeGrant), SubjectToken: subj.AccessToken,
		SubjectTokenType: aws.String("urn:ietf:params:oauth:token-type:jwt"), Resource: aws.String("glue.amazonaws.com"),
		Scope: aws.String(policy + " arn:aws:iam::" + signintest.AccountID + ":policy/team/Narrow"),
	})
	if err != nil {
		t.Fatal(err)
	}
	var claims authserver.ExchangeClaims
	if err := e.Keyring.VerifyJWT(aws.ToString(out.AccessToken), &claims); err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.TokenType) != "Bearer" || aws.ToString(out.IssuedTokenType) != "urn:ietf:params:oauth:token-type:access_token" ||
		aws.ToInt32(out.ExpiresIn) != 3600 || claims.Sub != signintest.PrincipalARN || claims.Aud != "glue.amazonaws.com" ||
		claims.AccountID != signintest.AccountID || len(claims.Policies) != 2 || claims.Policies[0] != policy {
		t.Fatalf("exchange: %+v %+v", out, claims)
	}

	exchange := func(subject, typ, resource, scope string) error {
		_, err := c.CreateOAuth2TokenWithTokenExchange(ctx, &signin.CreateOAuth2TokenWithTokenExchangeInput{
			GrantType: aws.String(exchangeGrant), SubjectToken: aws.String(subject), SubjectTokenType: aws.String(typ),
			Resource: aws.String(resource), Scope: aws.String(scope)})
		return err
	}
	jwt := "urn:ietf:params:oauth:token-type:jwt"
	var ig *types.InvalidGrantException
	var is *types.InvalidScopeException
	var ve *types.ValidationException
	for name, c := range map[string]struct {
		err    error
		target any
		code   types.OAuth2ErrorCode
	}{
		"exchanged token again":   {exchange(aws.ToString(out.AccessToken), jwt, "s3.amazonaws.com", ""), &ig, types.OAuth2ErrorCodeOauthInvalidGrant},
		"garbage subject":         {exchange("eyJhbGciOiJub25lIn0.e30.", jwt, "s3.amazonaws.com", ""), &ig, types.OAuth2ErrorCodeOauthInvalidGrant},
		"scope not a policy":      {exchange(aws.ToString(subj.AccessToken), jwt, "s3.amazonaws.com", "s3:GetObject"), &is, types.OAuth2ErrorCodeOauthInvalidScope},
		"other subject type":      {exchange(aws.ToString(subj.AccessToken), "urn:ietf:params:oauth:token-type:saml2", "s3.amazonaws.com", ""), &ve, types.OAuth2ErrorCodeOauthInvalidRequest},
		"resource is this server": {exchange(aws.ToString(subj.AccessToken), jwt, e.URL, ""), &ve, types.OAuth2ErrorCodeOauthInvalidTarget},
		"resource is a client":    {exchange(aws.ToString(subj.AccessToken), jwt, sameDevice, ""), &ve, types.OAuth2ErrorCodeOauthInvalidTarget},
	} {
		var got types.OAuth2ErrorCode
		switch tgt := c.target.(type) {
		case **types.InvalidGrantException:
			if errors.As(c.err, tgt) {
				got = (*tgt).Error_
			}
		case **types.InvalidScopeException:
			if errors.As(c.err, tgt) {
				got = (*tgt).Error_
			}
		case **types.ValidationException:
			if errors.As(c.err, tgt) {
				got = (*tgt).Error_
			}
		}
		if got != c.code {
			t.Errorf("%s: %v, want %s", name, c.err, c.code)
		}
	}
	_, err = c.CreateOAuth2TokenWithTokenExchange(ctx, &signin.CreateOAuth2TokenWithTokenExchangeInput{
		GrantType: aws.String("client_credentials"), SubjectToken: subj.AccessToken, SubjectTokenType: aws.String(jwt), Resource: aws.String("s3.amazonaws.com")})
	if !errors.As(err, &ve) || ve.Error_ != types.OAuth2ErrorCodeOauthUnsupportedGrantType {
		t.Fatalf("wrong grant type: %v", err)
	}

	// Past the subject's expiry, nothing.
	e.Clock.Add(time.Hour)
	if err := exchange(aws.ToString(subj.AccessToken), jwt, "s3.amazonaws.com", ""); !errors.As(err, &ig) {
		t.Fatalf("expired subject: %v", err)
	}
}
