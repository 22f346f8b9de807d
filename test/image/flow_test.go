package image

import (
	"context"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sso"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
)

const region = "us-east-1"

// freeAddr is a loopback address with a port nothing listens on now.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return "127.0.0.1:" + strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
}

// waitReady polls base/readyz until it answers 200; logs tells what the
// server said when it does not.
func waitReady(t *testing.T, base string, logs func() string) {
	t.Helper()
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if res, err := client.Get(base + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("%s/readyz did not answer 200 within 60s; the server said:\n%s", base, logs())
}

// deviceFlow completes an SSO OIDC device authorization grant against base
// with the AWS SDK (the server auto-approves for its dev user) and spends
// the access token on the dev user's role credentials.
func deviceFlow(t *testing.T, base string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	hc := &http.Client{Timeout: 10 * time.Second}
	oidc := ssooidc.New(ssooidc.Options{
		Region: region, BaseEndpoint: aws.String(base), RetryMaxAttempts: 1,
		Credentials: aws.AnonymousCredentials{}, HTTPClient: hc,
	})
	reg, err := oidc.RegisterClient(ctx, &ssooidc.RegisterClientInput{ClientName: aws.String("imagetest"), ClientType: aws.String("public")})
	if err != nil {
		t.Fatalf("RegisterClient: %v", err)
	}
	dev, err := oidc.StartDeviceAuthorization(ctx, &ssooidc.StartDeviceAuthorizationInput{
		ClientId: reg.ClientId, ClientSecret: reg.ClientSecret, StartUrl: aws.String(base + "/start"),
	})
	if err != nil {
		t.Fatalf("StartDeviceAuthorization: %v", err)
	}
	if !strings.HasPrefix(aws.ToString(dev.VerificationUriComplete), base+"/") {
		t.Errorf("verification URI %q is not on %s", aws.ToString(dev.VerificationUriComplete), base)
	}
	tok, err := oidc.CreateToken(ctx, &ssooidc.CreateTokenInput{
		ClientId: reg.ClientId, ClientSecret: reg.ClientSecret, DeviceCode: dev.DeviceCode,
		GrantType: aws.String("urn:ietf:params:oauth:grant-type:device_code"),
	})
	if err != nil {
		t.Fatalf("CreateToken: %v", err)
	}
	if aws.ToString(tok.AccessToken) == "" || aws.ToString(tok.RefreshToken) == "" {
		t.Fatalf("CreateToken: no tokens: %+v", tok)
	}
	portal := sso.New(sso.Options{
		Region: region, BaseEndpoint: aws.String(base), RetryMaxAttempts: 1,
		Credentials: aws.AnonymousCredentials{}, HTTPClient: hc,
	})
	creds, err := portal.GetRoleCredentials(ctx, &sso.GetRoleCredentialsInput{
		AccessToken: tok.AccessToken, AccountId: aws.String("000000000000"), RoleName: aws.String("Developer"),
	})
	if err != nil {
		t.Fatalf("GetRoleCredentials: %v", err)
	}
	if creds.RoleCredentials == nil || aws.ToString(creds.RoleCredentials.AccessKeyId) == "" {
		t.Fatalf("GetRoleCredentials: %+v", creds.RoleCredentials)
	}
}
