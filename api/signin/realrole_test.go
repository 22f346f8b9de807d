package signin_test

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/logincreds"
	"github.com/aws/aws-sdk-go-v2/service/signin"
	"github.com/aws/aws-sdk-go-v2/service/signin/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/iamrole"
	"github.com/signet-auth/signet/internal/mototest"
	"github.com/signet-auth/signet/internal/signintest"
)

// Sign-In's accessToken for a bound role is STS's credentials, on both
// grants: the code redemption, then the SDK's login credential provider
// refreshing with its DPoP key. Moto's GetCallerIdentity names the session
// after the person (catalogue AW-03), and expiresIn stays within the
// model's 900 s and the credentials' real life.
func TestAW03_SignInCredentialsFromRealSTSNameThePerson(t *testing.T) {
	motoURL := mototest.Start(t)
	e := signintest.New(t, signintest.Options{IAM: &iamrole.Config{Endpoint: motoURL, Region: "us-east-1"}})
	ctx := context.Background()
	if err := e.Stores.RoleBindings.SetRoleBinding(ctx, signet.RoleBinding{AccountID: signintest.AccountID,
		RoleName: signintest.RoleName, RoleARN: "arn:aws:iam::" + signintest.AccountID + ":role/" + signintest.RoleName,
		CreatedAt: e.Clock.Now(), UpdatedAt: e.Clock.Now()}); err != nil {
		t.Fatal(err)
	}
	caller := func(c aws.Credentials) string {
		t.Helper()
		out, err := sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(motoURL), RetryMaxAttempts: 1,
			Credentials: credentials.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey, c.SessionToken)}).
			GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(out.Arn)
	}
	c := sdkClient(e, aws.AnonymousCredentials{})
	h := newHolder(t, e)
	out, err := c.CreateOAuth2Token(ctx, &signin.CreateOAuth2TokenInput{TokenInput: &types.CreateOAuth2TokenRequestBody{
		ClientId: aws.String(sameDevice), GrantType: aws.String("authorization_code"), Code: aws.String(e.Code(t, sameDevice, redirect, verifier)),
		RedirectUri: aws.String(redirect), CodeVerifier: aws.String(verifier),
	}}, withDPoP(h.key))
	if err != nil {
		t.Fatal(err)
	}
	tok := out.TokenOutput
	if n := aws.ToInt32(tok.ExpiresIn); n < 800 || n > 900 {
		t.Fatalf("expiresIn %d, want at most 900 and about what STS gave (900)", n)
	}
	at := tok.AccessToken
	if got := caller(aws.Credentials{AccessKeyID: *at.AccessKeyId, SecretAccessKey: *at.SecretAccessKey, SessionToken: *at.SessionToken}); got != signintest.PrincipalARN {
		t.Fatalf("code grant: moto says %s, want %s", got, signintest.PrincipalARN)
	}

	der, err := x509.MarshalECPrivateKey(h.key)
	if err != nil {
		t.Fatal(err)
	}
	cache := filepath.Join(t.TempDir(), "login.json")
	b, _ := json.Marshal(map[string]any{
		"accessToken": map[string]any{"accessKeyId": *at.AccessKeyId, "secretAccessKey": *at.SecretAccessKey,
			"sessionToken": *at.SessionToken, "accountId": signintest.AccountID, "expiresAt": "2000-01-01T00:00:00Z"},
		"tokenType": "urn:aws:params:oauth:token-type:access_token_sigv4", "refreshToken": aws.ToString(tok.RefreshToken),
		"clientId": sameDevice, "dpopKey": string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der})),
	})
	if err := os.WriteFile(cache, b, 0o600); err != nil {
		t.Fatal(err)
	}
	creds, err := logincreds.New(c, cache).Retrieve(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if creds.AccessKeyID == *at.AccessKeyId {
		t.Fatal("the provider did not refresh")
	}
	if got := caller(creds); got != signintest.PrincipalARN {
		t.Fatalf("refresh: moto says %s, want %s", got, signintest.PrincipalARN)
	}
	if d := time.Until(creds.Expires); d <= 0 || d > 900*time.Second {
		t.Fatalf("refreshed credentials expire in %s", d)
	}
}
