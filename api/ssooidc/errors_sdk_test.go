package ssooidc_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc/types"

	"github.com/signet-auth/signet/authserver"
	"github.com/signet-auth/signet/internal/testenv"
)

// TestSDKDecodesEveryErrorType: every exception of the reference
// (sso-oidc.md §6.3) reaches the Go SDK as its modeled type, with the
// modeled members filled.
func TestSDKDecodesEveryErrorType(t *testing.T) {
	ctx := context.Background()
	e := testenv.New(t, testenv.Options{})
	oc := oidcClient(e, nil)
	dev := register(t, e)
	deviceToken := func(c client, d device) error {
		_, err := oc.CreateToken(ctx, &ssooidc.CreateTokenInput{ClientId: aws.String(c.ID), ClientSecret: aws.String(c.Secret),
			GrantType: aws.String("urn:ietf:params:oauth:grant-type:device_code"), DeviceCode: aws.String(d.DeviceCode)})
		return err
	}
	registerWith := func(in ssooidc.RegisterClientInput) error {
		if in.ClientName == nil {
			in.ClientName = aws.String("cli")
		}
		if in.ClientType == nil {
			in.ClientType = aws.String("public")
		}
		_, err := oc.RegisterClient(ctx, &in)
		return err
	}
	tokenWith := func(in ssooidc.CreateTokenInput) error {
		in.ClientId, in.ClientSecret = aws.String(dev.ID), aws.String(dev.Secret)
		_, err := oc.CreateToken(ctx, &in)
		return err
	}

	for _, tc := range []struct {
		name   string
		target any
		run    func(t *testing.T) error
	}{
		{"AccessDeniedException", new(*types.AccessDeniedException), func(t *testing.T) error {
			d := startDevice(t, e, dev)
			e.Browser(t).DecideDevice(d.UserCode, false)
			return deviceToken(dev, d)
		}},
		{"AuthorizationPendingException", new(*types.AuthorizationPendingException), func(t *testing.T) error {
			return deviceToken(dev, startDevice(t, e, dev))
		}},
		{"ExpiredTokenException", new(*types.ExpiredTokenException), func(t *testing.T) error {
			d := startDevice(t, e, dev)
			e.Clock.Add(authserver.DefaultLifetimes().DeviceAuthorization)
			return deviceToken(dev, d)
		}},
		{"SlowDownException", new(*types.SlowDownException), func(t *testing.T) error {
			d := startDevice(t, e, dev)
			_ = deviceToken(dev, d)
			_ = deviceToken(dev, d) // let through (AB-03)
			return deviceToken(dev, d)
		}},
		{"InvalidClientException", new(*types.InvalidClientException), func(t *testing.T) error {
			_, err := oc.StartDeviceAuthorization(ctx, &ssooidc.StartDeviceAuthorizationInput{ClientId: aws.String(dev.ID), ClientSecret: aws.String("wrong"), StartUrl: aws.String(startURL)})
			return err
		}},
		{"InvalidClientMetadataException", new(*types.InvalidClientMetadataException), func(t *testing.T) error {
			return registerWith(ssooidc.RegisterClientInput{ClientType: aws.String("confidential")})
		}},
		{"InvalidRedirectUriException", new(*types.InvalidRedirectUriException), func(t *testing.T) error {
			return registerWith(ssooidc.RegisterClientInput{GrantTypes: []string{"authorization_code"}, RedirectUris: []string{"javascript:alert(1)"}})
		}},
		{"InvalidScopeException", new(*types.InvalidScopeException), func(t *testing.T) error {
			return registerWith(ssooidc.RegisterClientInput{Scopes: []string{"two words"}})
		}},
		{"UnsupportedGrantTypeException", new(*types.UnsupportedGrantTypeException), func(t *testing.T) error {
			return tokenWith(ssooidc.CreateTokenInput{GrantType: aws.String("password")})
		}},
		{"UnauthorizedClientException", new(*types.UnauthorizedClientException), func(t *testing.T) error {
			return tokenWith(ssooidc.CreateTokenInput{GrantType: aws.String("authorization_code"), Code: aws.String("sac_x")})
		}},
		{"InvalidGrantException", new(*types.InvalidGrantException), func(t *testing.T) error {
			return tokenWith(ssooidc.CreateTokenInput{GrantType: aws.String("refresh_token"), RefreshToken: aws.String("aor_not_a_token")})
		}},
		{"InvalidRequestException", new(*types.InvalidRequestException), func(t *testing.T) error {
			return tokenWith(ssooidc.CreateTokenInput{GrantType: aws.String("authorization_code"), Code: aws.String("sac_x"), CodeVerifier: aws.String("short")})
		}},
		{"InvalidRequestRegionException", new(*types.InvalidRequestRegionException), func(t *testing.T) error {
			e := testenv.New(t, testenv.Options{IAMRegion: "eu-west-1"})
			c := e.Credentials(t, testenv.AccountID, "AppBackend")
			_, err := oidcClient(e, credentials.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey, c.SessionToken)).
				CreateTokenWithIAM(ctx, &ssooidc.CreateTokenWithIAMInput{ClientId: aws.String("app"), GrantType: aws.String("refresh_token"), RefreshToken: aws.String("aor_x")})
			return err
		}},
		{"InternalServerException", new(*types.InternalServerException), func(t *testing.T) error {
			e := testenv.New(t, testenv.Options{})
			if err := e.DB.Close(); err != nil {
				t.Fatal(err)
			}
			_, err := oidcClient(e, nil).RegisterClient(ctx, &ssooidc.RegisterClientInput{ClientName: aws.String("cli"), ClientType: aws.String("public")})
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.run(t)
			if !errors.As(err, tc.target) {
				t.Fatalf("err = %T %v, want %s", err, err, tc.name)
			}
			var me interface {
				ErrorCode() string
			}
			if !errors.As(err, &me) || me.ErrorCode() != tc.name {
				t.Fatalf("ErrorCode() = %v", me)
			}
		})
	}
}

// The modeled members arrive: error and error_description.
func TestSDKErrorMembers(t *testing.T) {
	e := testenv.New(t, testenv.Options{})
	c := register(t, e)
	_, err := oidcClient(e, nil).CreateToken(context.Background(), &ssooidc.CreateTokenInput{ClientId: aws.String(c.ID), ClientSecret: aws.String(c.Secret),
		GrantType: aws.String("urn:ietf:params:oauth:grant-type:device_code"), DeviceCode: aws.String(startDevice(t, e, c).DeviceCode)})
	var p *types.AuthorizationPendingException
	if !errors.As(err, &p) || aws.ToString(p.Error_) != "authorization_pending" || aws.ToString(p.Error_description) == "" {
		t.Fatalf("err = %+v", err)
	}
}
