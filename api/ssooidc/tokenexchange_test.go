package ssooidc_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc/types"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/authserver"
	"github.com/signet-auth/signet/internal/testenv"
)

const (
	tokenExchange = "urn:ietf:params:oauth:grant-type:token-exchange"
	ttAccess      = "urn:ietf:params:oauth:token-type:access_token"
	ttRefresh     = "urn:ietf:params:oauth:token-type:refresh_token"
	exchangeApp   = "arn:aws:sso::123456789012:application/ssoins-1111111111111111/apl-5555555555555555"
	appScope      = "analytics:read"
)

func newExchangeEnv(t *testing.T) (*testenv.Env, *ssooidc.Client) {
	e := testenv.New(t, testenv.Options{})
	if _, err := e.Engine.CreateClient(context.Background(), authserver.ClientSpec{
		ID: exchangeApp, Name: "Exchange app", Type: signet.ClientConfidential,
		GrantTypes: []string{signet.GrantTokenExchange, signet.GrantRefreshToken},
		Scopes:     []string{"openid", "aws", "sts:identity_context", appScope},
	}); err != nil {
		t.Fatal(err)
	}
	signer := e.Credentials(t, testenv.AccountID, "AppBackend")
	return e, oidcClient(e, credentials.NewStaticCredentialsProvider(signer.AccessKeyID, signer.SecretAccessKey, signer.SessionToken))
}

func exchangeInput(subject, subjectType, requested string, scopes ...string) *ssooidc.CreateTokenWithIAMInput {
	in := &ssooidc.CreateTokenWithIAMInput{
		ClientId: aws.String(exchangeApp), GrantType: aws.String(tokenExchange),
		SubjectToken: aws.String(subject), SubjectTokenType: aws.String(subjectType), Scope: scopes,
	}
	if requested != "" {
		in.RequestedTokenType = aws.String(requested)
	}
	return in
}

func TestSDKCreateTokenWithIAMTokenExchange(t *testing.T) {
	e, oc := newExchangeEnv(t)
	ctx := context.Background()
	_, subject := e.SSOTokens(t, "sso:account:access", appScope)

	// Access token only, by default.
	out, err := oc.CreateTokenWithIAM(ctx, exchangeInput(subject.AccessToken, ttAccess, ""))
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.AccessToken) == "" || out.RefreshToken != nil || aws.ToString(out.IssuedTokenType) != ttAccess || out.ExpiresIn <= 0 {
		t.Fatalf("answer %+v", out)
	}
	if len(out.Scope) != 4 || out.IdToken == nil || out.AwsAdditionalDetails == nil {
		t.Fatalf("scope %v, idToken %v, details %+v", out.Scope, out.IdToken, out.AwsAdditionalDetails)
	}
	id, _ := verifySignetJWT(t, e, aws.ToString(out.IdToken))
	if id["sub"] != e.User.ID || id["aud"] != exchangeApp || int64(id["auth_time"].(float64)) != subject.AuthTime.Unix() {
		t.Fatalf("ID token %v (subject signed in at %d)", id, subject.AuthTime.Unix())
	}
	// The issued token is live, the application's, of the subject's user,
	// and its session ends no later than the subject's.
	info, err := e.Engine.LookupToken(ctx, authserver.TokenLookup{Token: aws.ToString(out.AccessToken)})
	if err != nil || info.Session.ClientID != exchangeApp || info.Session.UserID != e.User.ID || info.Session.ExpiresAt.After(subject.Session.ExpiresAt) {
		t.Fatalf("exchanged token: %+v %v", info.Session, err)
	}

	// A refresh token when asked for, which refreshes.
	out, err = oc.CreateTokenWithIAM(ctx, exchangeInput(subject.AccessToken, ttAccess, ttRefresh, appScope))
	if err != nil || aws.ToString(out.RefreshToken) == "" || aws.ToString(out.IssuedTokenType) != ttRefresh || len(out.Scope) != 1 || out.IdToken != nil {
		t.Fatalf("refresh_token requested: %+v %v", out, err)
	}
	if _, err := oc.CreateTokenWithIAM(ctx, &ssooidc.CreateTokenWithIAMInput{
		ClientId: aws.String(exchangeApp), GrantType: aws.String("refresh_token"), RefreshToken: out.RefreshToken,
	}); err != nil {
		t.Fatalf("refresh: %v", err)
	}
}

func TestCreateTokenWithIAMTokenExchangeRefusals(t *testing.T) {
	e, oc := newExchangeEnv(t)
	ctx := context.Background()
	_, subject := e.SSOTokens(t, "sso:account:access", appScope)
	_, notForApp := e.SSOTokens(t, "sso:account:access", "openid")
	grant := func(err error) bool { var x *types.InvalidGrantException; return errors.As(err, &x) }
	request := func(err error) bool { var x *types.InvalidRequestException; return errors.As(err, &x) }
	scope := func(err error) bool { var x *types.InvalidScopeException; return errors.As(err, &x) }

	revokedClient, revoked := e.SSOTokens(t, appScope)
	if err := e.Engine.RevokeToken(ctx, revokedClient.Client.ID, revoked.AccessToken); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		in   *ssooidc.CreateTokenWithIAMInput
		want func(error) bool
	}{
		{"no subject token", exchangeInput("", ttAccess, ""), request},
		{"subject token type refresh_token", exchangeInput(subject.RefreshToken, ttRefresh, ""), request},
		{"no subject token type", exchangeInput(subject.AccessToken, "", ""), request},
		{"unknown requested token type", exchangeInput(subject.AccessToken, ttAccess, "urn:ietf:params:oauth:token-type:id_token"), request},
		{"a refresh token as the subject", exchangeInput(subject.RefreshToken, ttAccess, ""), grant},
		{"garbage subject", exchangeInput("aoa_garbage", ttAccess, ""), grant},
		{"revoked subject", exchangeInput(revoked.AccessToken, ttAccess, ""), grant},
		{"subject not for this application", exchangeInput(notForApp.AccessToken, ttAccess, ""), grant},
		{"scope beyond the application", exchangeInput(subject.AccessToken, ttAccess, "", "sso:account:access"), scope},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := oc.CreateTokenWithIAM(ctx, tc.in)
			if !tc.want(err) || out != nil {
				t.Fatalf("got %+v, %v", out, err)
			}
		})
	}
	t.Run("the application's own token", func(t *testing.T) {
		// A token the application got by exchange is not exchanged again
		// for itself.
		own, err := oc.CreateTokenWithIAM(ctx, exchangeInput(subject.AccessToken, ttAccess, ""))
		if err != nil {
			t.Fatal(err)
		}
		_, err = oc.CreateTokenWithIAM(ctx, exchangeInput(aws.ToString(own.AccessToken), ttAccess, ""))
		if !grant(err) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("user disabled since", func(t *testing.T) {
		if err := e.Engine.SetDisabled(ctx, e.User.ID, true); err != nil {
			t.Fatal(err)
		}
		defer func() { _ = e.Engine.SetDisabled(ctx, e.User.ID, false) }()
		if _, err := oc.CreateTokenWithIAM(ctx, exchangeInput(subject.AccessToken, ttAccess, "")); !grant(err) {
			t.Fatalf("err = %v", err)
		}
	})
}
