package ssooidc_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/ssocreds"
	"github.com/aws/aws-sdk-go-v2/service/sso"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/signet-auth/signet/internal/testenv"
)

// The real aws-sdk-go-v2 clients against the in-process server, by
// BaseEndpoint override, as `AWS_ENDPOINT_URL_SSO_OIDC` / `_SSO` / `_STS`
// would set it.

const startURL = "https://d-1234567890.awsapps.com/start"

func oidcClient(e *testenv.Env, creds aws.CredentialsProvider) *ssooidc.Client {
	return ssooidc.New(ssooidc.Options{
		Region: testenv.Region, BaseEndpoint: aws.String(e.URL), RetryMaxAttempts: 1, Credentials: creds,
	})
}

func portalClient(e *testenv.Env) *sso.Client {
	return sso.New(sso.Options{Region: testenv.Region, BaseEndpoint: aws.String(e.URL), RetryMaxAttempts: 1})
}

func stsClient(e *testenv.Env, c aws.Credentials) *sts.Client {
	return sts.New(sts.Options{
		Region: testenv.Region, BaseEndpoint: aws.String(e.URL), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey, c.SessionToken),
	})
}

// callerIdentity proves credentials work: STS GetCallerIdentity, verified by
// signet with awscreds.
func callerIdentity(t *testing.T, e *testenv.Env, c aws.Credentials) string {
	t.Helper()
	out, err := stsClient(e, c).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatalf("GetCallerIdentity: %v", err)
	}
	return aws.ToString(out.Arn)
}

func TestSDKDeviceFlowToRoleCredentials(t *testing.T) {
	e := testenv.New(t, testenv.Options{})
	ctx := context.Background()
	oc := oidcClient(e, nil)

	reg, err := oc.RegisterClient(ctx, &ssooidc.RegisterClientInput{ClientName: aws.String("botocore-client-my-sso"), ClientType: aws.String("public")})
	if err != nil {
		t.Fatal(err)
	}
	if reg.ClientSecretExpiresAt <= e.Clock.Now().Unix() || reg.ClientIdIssuedAt != e.Clock.Now().Unix() {
		t.Fatalf("registration times: issued %d, expires %d", reg.ClientIdIssuedAt, reg.ClientSecretExpiresAt)
	}
	da, err := oc.StartDeviceAuthorization(ctx, &ssooidc.StartDeviceAuthorizationInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret, StartUrl: aws.String(startURL)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(da.VerificationUri) != e.URL+"/device" || aws.ToString(da.VerificationUriComplete) != e.URL+"/device?user_code="+url.QueryEscape(aws.ToString(da.UserCode)) ||
		da.ExpiresIn != 600 || da.Interval != 5 {
		t.Fatalf("device authorization: %+v", da)
	}
	poll := func() (*ssooidc.CreateTokenOutput, error) {
		return oc.CreateToken(ctx, &ssooidc.CreateTokenInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret,
			GrantType: aws.String("urn:ietf:params:oauth:grant-type:device_code"), DeviceCode: da.DeviceCode})
	}
	var pending *types.AuthorizationPendingException
	if _, err := poll(); !errors.As(err, &pending) {
		t.Fatalf("first poll: %v", err)
	}
	// The CLI's second poll a moment later is let through (AB-03); a
	// third is too many.
	if _, err := poll(); !errors.As(err, &pending) {
		t.Fatalf("second poll at once: %v", err)
	}
	var slow *types.SlowDownException
	if _, err := poll(); !errors.As(err, &slow) {
		t.Fatalf("third poll at once: %v", err)
	}
	// The person approves through the real pages: sign in, type the code,
	// confirm.
	if p := e.Browser(t).DecideDevice(aws.ToString(da.UserCode), true); !strings.Contains(p.Body, "Device approved") {
		t.Fatalf("approval: %d %s", p.Status, p.Body)
	}
	e.Clock.Add(devicePollWait)
	tok, err := poll()
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(tok.TokenType) != "Bearer" || tok.ExpiresIn != 3600 || !strings.HasPrefix(aws.ToString(tok.AccessToken), "aoa") || !strings.HasPrefix(aws.ToString(tok.RefreshToken), "aor") {
		t.Fatalf("token: %+v", tok)
	}
	ref, err := oc.CreateToken(ctx, &ssooidc.CreateTokenInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret,
		GrantType: aws.String("refresh_token"), RefreshToken: tok.RefreshToken})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(ref.RefreshToken) == "" || aws.ToString(ref.RefreshToken) == aws.ToString(tok.RefreshToken) {
		t.Fatal("a refresh must return a new refresh token")
	}

	pc := portalClient(e)
	rc, err := pc.GetRoleCredentials(ctx, &sso.GetRoleCredentialsInput{AccessToken: ref.AccessToken, AccountId: aws.String(testenv.AccountID), RoleName: aws.String("Admin")})
	if err != nil {
		t.Fatal(err)
	}
	creds := aws.Credentials{AccessKeyID: aws.ToString(rc.RoleCredentials.AccessKeyId), SecretAccessKey: aws.ToString(rc.RoleCredentials.SecretAccessKey), SessionToken: aws.ToString(rc.RoleCredentials.SessionToken)}
	if got, want := rc.RoleCredentials.Expiration, e.Clock.Now().Add(time.Hour).UnixMilli(); got != want {
		t.Fatalf("expiration %d, want %d", got, want)
	}
	if arn := callerIdentity(t, e, creds); arn != "arn:aws:sts::123456789012:assumed-role/Admin/alice" {
		t.Fatalf("caller %s", arn)
	}
	accts, err := pc.ListAccounts(ctx, &sso.ListAccountsInput{AccessToken: ref.AccessToken})
	if err != nil || len(accts.AccountList) != 2 {
		t.Fatalf("ListAccounts: %v %+v", err, accts)
	}
	roles, err := pc.ListAccountRoles(ctx, &sso.ListAccountRolesInput{AccessToken: ref.AccessToken, AccountId: aws.String(testenv.AccountID)})
	if err != nil || len(roles.RoleList) != 2 || aws.ToString(roles.RoleList[0].RoleName) != "Admin" {
		t.Fatalf("ListAccountRoles: %v %+v", err, roles)
	}
	if _, err := pc.Logout(ctx, &sso.LogoutInput{AccessToken: ref.AccessToken}); err != nil {
		t.Fatal(err)
	}
	if _, err := stsClient(e, creds).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err == nil {
		t.Fatal("role credentials still work after Logout")
	}
}

func TestSDKAuthorizationCodeFlow(t *testing.T) {
	e := testenv.New(t, testenv.Options{})
	ctx := context.Background()
	oc := oidcClient(e, nil)
	reg, err := oc.RegisterClient(ctx, &ssooidc.RegisterClientInput{
		ClientName: aws.String("botocore-client-my-sso"), ClientType: aws.String("public"),
		Scopes: []string{"sso:account:access"}, GrantTypes: []string{"authorization_code", "refresh_token"},
		RedirectUris: []string{redirectNoPort}, IssuerUrl: aws.String(startURL),
	})
	if err != nil {
		t.Fatal(err)
	}
	p := newPKCE(t)
	// The redirect was registered without a port; the CLI's local server
	// got one.
	code := authorize(t, e, client{aws.ToString(reg.ClientId), aws.ToString(reg.ClientSecret)}, loopback, p)
	tok, err := oc.CreateToken(ctx, &ssooidc.CreateTokenInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret,
		GrantType: aws.String("authorization_code"), Code: aws.String(code), RedirectUri: aws.String(loopback), CodeVerifier: aws.String(p.Verifier)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(tok.AccessToken) == "" || aws.ToString(tok.RefreshToken) == "" || tok.ExpiresIn != 3600 {
		t.Fatalf("token: %+v", tok)
	}
}

// TestSDKSSOTokenProviderRefresh: the ssocreds token provider, reading a
// cache file as `aws sso login` writes it (credential-caches.md §3.2) with
// an expired access token, refreshes through signet, writes the file back,
// and the SSO credential provider turns the token into role credentials.
func TestSDKSSOTokenProviderRefresh(t *testing.T) {
	e := testenv.New(t, testenv.Options{})
	c, tok := e.SSOTokens(t, "sso:account:access")
	path := filepath.Join(t.TempDir(), "0ad374308c5a4e22f723adf10145eafad7c4031c.json")
	cache := map[string]string{
		"startUrl": startURL, "region": testenv.Region,
		"accessToken": tok.AccessToken, "expiresAt": time.Now().Add(-time.Minute).UTC().Format("2006-01-02T15:04:05Z"),
		"clientId": c.Client.ID, "clientSecret": c.Secret,
		"registrationExpiresAt": c.Client.SecretExpiresAt.UTC().Format("2006-01-02T15:04:05Z"),
		"refreshToken":          tok.RefreshToken,
	}
	b, _ := json.Marshal(cache)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	tp := ssocreds.NewSSOTokenProvider(oidcClient(e, nil), path)
	bt, err := tp.RetrieveBearerToken(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if bt.Value == tok.AccessToken || !strings.HasPrefix(bt.Value, "aoa") {
		t.Fatal("the token was not refreshed")
	}
	var written map[string]any
	b, _ = os.ReadFile(path)
	if err := json.Unmarshal(b, &written); err != nil {
		t.Fatal(err)
	}
	if written["accessToken"] != bt.Value || written["refreshToken"] == tok.RefreshToken || written["refreshToken"] == "" || written["startUrl"] != startURL {
		t.Fatalf("cache written back: %s", b)
	}
	// The previous refresh token is rotated out: presented again within the
	// grace window it yields the very successor the provider stored.
	if again := ok(t, refresh(t, e, client{c.Client.ID, c.Secret}, tok.RefreshToken)); again.str("refreshToken") != written["refreshToken"] {
		t.Fatal("retry forked the family")
	}

	prov := ssocreds.New(portalClient(e), testenv.OtherAccountID, "Developer", startURL, func(o *ssocreds.Options) { o.SSOTokenProvider = tp })
	creds, err := prov.Retrieve(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if arn := callerIdentity(t, e, creds); arn != "arn:aws:sts::210987654321:assumed-role/Developer/alice" {
		t.Fatalf("caller %s", arn)
	}
}

func TestSDKCreateTokenWithIAM(t *testing.T) {
	e := testenv.New(t, testenv.Options{IAMRegion: testenv.Region})
	ctx := context.Background()
	const appARN = "arn:aws:sso::123456789012:application/ssoins-1111111111111111/apl-2222222222222222"
	const appRedirect = "https://app.example.com/callback"
	e.IAMApplication(t, appARN, appRedirect, "openid", "sso:account:access")
	signer := e.Credentials(t, testenv.AccountID, "AppBackend")
	oc := oidcClient(e, credentials.NewStaticCredentialsProvider(signer.AccessKeyID, signer.SecretAccessKey, signer.SessionToken))

	p := newPKCE(t)
	code := authorize(t, e, client{ID: appARN}, appRedirect, p)
	tok, err := oc.CreateTokenWithIAM(ctx, &ssooidc.CreateTokenWithIAMInput{ClientId: aws.String(appARN), GrantType: aws.String("authorization_code"),
		Code: aws.String(code), RedirectUri: aws.String(appRedirect), CodeVerifier: aws.String(p.Verifier)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(tok.IssuedTokenType) != "urn:ietf:params:oauth:token-type:refresh_token" || len(tok.Scope) == 0 || aws.ToString(tok.RefreshToken) == "" || tok.ExpiresIn != 3600 {
		t.Fatalf("token: %+v", tok)
	}
	ref, err := oc.CreateTokenWithIAM(ctx, &ssooidc.CreateTokenWithIAMInput{ClientId: aws.String(appARN), GrantType: aws.String("refresh_token"), RefreshToken: tok.RefreshToken})
	if err != nil || aws.ToString(ref.RefreshToken) == "" {
		t.Fatalf("refresh: %v", err)
	}

	t.Run("other account", func(t *testing.T) {
		other := e.Credentials(t, testenv.OtherAccountID, "AppBackend")
		oc := oidcClient(e, credentials.NewStaticCredentialsProvider(other.AccessKeyID, other.SecretAccessKey, other.SessionToken))
		_, err := oc.CreateTokenWithIAM(ctx, &ssooidc.CreateTokenWithIAMInput{ClientId: aws.String(appARN), GrantType: aws.String("refresh_token"), RefreshToken: ref.RefreshToken})
		var denied *types.AccessDeniedException
		if !errors.As(err, &denied) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("self-registered client", func(t *testing.T) {
		c := register(t, e)
		_, err := oc.CreateTokenWithIAM(ctx, &ssooidc.CreateTokenWithIAMInput{ClientId: aws.String(c.ID), GrantType: aws.String("refresh_token"), RefreshToken: ref.RefreshToken})
		var bad *types.InvalidClientException
		if !errors.As(err, &bad) {
			t.Fatalf("err = %v", err)
		}
	})
	// The device flow is CreateToken's; jwt-bearer without a trusted
	// issuer is not offered (jwtbearer_refusals_test.go).
	for _, g := range []string{"urn:ietf:params:oauth:grant-type:jwt-bearer", "urn:ietf:params:oauth:grant-type:device_code", "password"} {
		t.Run(g, func(t *testing.T) {
			_, err := oc.CreateTokenWithIAM(ctx, &ssooidc.CreateTokenWithIAMInput{ClientId: aws.String(appARN), GrantType: aws.String(g), Assertion: aws.String("x.y.z")})
			var unsupported *types.UnsupportedGrantTypeException
			if !errors.As(err, &unsupported) {
				t.Fatalf("err = %v", err)
			}
		})
	}
	t.Run("other region", func(t *testing.T) {
		oc := ssooidc.New(ssooidc.Options{Region: "eu-west-1", BaseEndpoint: aws.String(e.URL), RetryMaxAttempts: 1,
			Credentials: credentials.NewStaticCredentialsProvider(signer.AccessKeyID, signer.SecretAccessKey, signer.SessionToken)})
		_, err := oc.CreateTokenWithIAM(ctx, &ssooidc.CreateTokenWithIAMInput{ClientId: aws.String(appARN), GrantType: aws.String("refresh_token"), RefreshToken: ref.RefreshToken})
		var region *types.InvalidRequestRegionException
		if !errors.As(err, &region) || aws.ToString(region.Region) != testenv.Region || aws.ToString(region.Endpoint) != e.URL {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("unsigned", func(t *testing.T) {
		w := call(t, e, "POST", "/token?aws_iam=t", jsonBody(t, map[string]string{"clientId": appARN, "grantType": "refresh_token", "refreshToken": aws.ToString(ref.RefreshToken)}))
		if w.Status != 403 || w.Header.Get("X-Amzn-ErrorType") != "MissingAuthenticationTokenException" {
			t.Fatalf("%d %s", w.Status, w.Raw)
		}
	})
}
