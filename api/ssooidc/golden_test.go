package ssooidc_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/signet-auth/signet/authserver"
	"github.com/signet-auth/signet/internal/testenv"
)

const (
	goldenApp         = "arn:aws:sso::123456789012:application/ssoins-1111111111111111/apl-2222222222222222"
	goldenAppRedirect = "https://app.example.com/callback"
)

// signedCall sends a CreateTokenWithIAM request signed with SigV4 (the
// SDK's signer) by a principal of account, for region.
func signedCall(t *testing.T, e *testenv.Env, account, region string, body map[string]any) wire {
	t.Helper()
	c := e.Credentials(t, account, "AppBackend")
	b := jsonBody(t, body)
	req, err := http.NewRequest(http.MethodPost, e.URL+"/token?aws_iam=t", strings.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	sum := sha256.Sum256([]byte(b))
	err = v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken},
		req, hex.EncodeToString(sum[:]), "sso-oauth", region, e.Clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	w := wire{Status: resp.StatusCode, Header: resp.Header, Raw: raw}
	if err := json.Unmarshal(raw, &w.Body); err != nil {
		t.Fatalf("%v: %s", err, raw)
	}
	return w
}

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current responses")

// Normalisation of the values that change from run to run: request ids,
// secrets, ids and timestamps become placeholders, the server's address a
// fixed issuer. The length of the body changes with them, so it is
// normalised too.
var (
	volatileMembers = map[string]bool{
		"clientId": true, "clientSecret": true, "clientIdIssuedAt": true, "clientSecretExpiresAt": true,
		"deviceCode": true, "userCode": true, "accessToken": true, "refreshToken": true, "idToken": true,
	}
	userCodeInURI = regexp.MustCompile(`user_code=[A-Z]{5}-[A-Z]{5}`)
)

// snapshot renders a response as status line, headers sorted by name, a
// blank line and the body.
func snapshot(t *testing.T, e *testenv.Env, w wire) []byte {
	t.Helper()
	var b bytes.Buffer
	fmt.Fprintf(&b, "HTTP/1.1 %d %s\n", w.Status, http.StatusText(w.Status))
	names := make([]string, 0, len(w.Header))
	for k := range w.Header {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		for _, v := range w.Header[k] {
			switch k {
			case "Date":
				continue
			case "X-Amzn-Requestid", "X-Request-Id":
				v = "<request-id>"
			case "Content-Length":
				v = "<length>"
			}
			fmt.Fprintf(&b, "%s: %s\n", k, v)
		}
	}
	b.WriteString("\n")
	body := w.Body
	for k := range body {
		if volatileMembers[k] {
			body[k] = "<" + k + ">"
		}
	}
	var out strings.Builder
	enc := json.NewEncoder(&out) // maps encode with sorted keys
	enc.SetEscapeHTML(false)
	if err := enc.Encode(body); err != nil {
		t.Fatal(err)
	}
	s := strings.ReplaceAll(out.String(), e.URL, "https://signet.example")
	s = userCodeInURI.ReplaceAllString(s, "user_code=<userCode>")
	b.WriteString(s)
	return b.Bytes()
}

func golden(t *testing.T, e *testenv.Env, name string, w wire) {
	t.Helper()
	got := snapshot(t, e, w)
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from %s:\n--- got\n%s--- want\n%s", name, path, got, want)
	}
}

// TestGolden pins every operation's success and error responses byte for
// byte (after normalisation).
func TestGolden(t *testing.T) {
	e := testenv.New(t, testenv.Options{})
	c := register(t, e)
	pk := registerPKCE(t, e)
	e.IAMApplication(t, goldenApp, goldenAppRedirect, "openid", "sso:account:access")

	cases := []struct {
		name string
		run  func(t *testing.T) wire
	}{
		{"RegisterClient", func(t *testing.T) wire {
			return post(t, e, "/client/register", map[string]any{"clientName": "botocore-client-my-sso", "clientType": "public"})
		}},
		{"StartDeviceAuthorization", func(t *testing.T) wire {
			return post(t, e, "/device_authorization", map[string]any{"clientId": c.ID, "clientSecret": c.Secret, "startUrl": startURL})
		}},
		{"CreateToken_device_code", func(t *testing.T) wire {
			d := startDevice(t, e, c)
			e.Browser(t).DecideDevice(d.UserCode, true)
			return pollDevice(t, e, c, d)
		}},
		{"CreateToken_authorization_code", func(t *testing.T) wire {
			p := newPKCE(t)
			return redeem(t, e, pk, authorize(t, e, pk, loopback, p), loopback, p.Verifier)
		}},
		{"CreateToken_refresh_token", func(t *testing.T) wire {
			return refresh(t, e, c, tokens(t, e, c).str("refreshToken"))
		}},
		{"InvalidRequestException", func(t *testing.T) wire { return call(t, e, "POST", "/token", `{"clientId":`) }},
		{"InvalidClientException", func(t *testing.T) wire {
			return post(t, e, "/device_authorization", map[string]any{"clientId": c.ID, "clientSecret": "wrong", "startUrl": startURL})
		}},
		{"InvalidGrantException", func(t *testing.T) wire { return refresh(t, e, c, "aor_unknown") }},
		{"UnauthorizedClientException", func(t *testing.T) wire {
			return post(t, e, "/token", map[string]any{"clientId": c.ID, "clientSecret": c.Secret, "grantType": "authorization_code", "code": "sac_x"})
		}},
		{"UnsupportedGrantTypeException", func(t *testing.T) wire {
			return post(t, e, "/token", map[string]any{"clientId": c.ID, "clientSecret": c.Secret, "grantType": "password"})
		}},
		{"InvalidScopeException", func(t *testing.T) wire {
			return post(t, e, "/client/register", map[string]any{"clientName": "cli", "clientType": "public", "scopes": []string{"two words"}})
		}},
		{"AuthorizationPendingException", func(t *testing.T) wire { return pollDevice(t, e, c, startDevice(t, e, c)) }},
		{"SlowDownException", func(t *testing.T) wire {
			d := startDevice(t, e, c)
			pollDevice(t, e, c, d)
			pollDevice(t, e, c, d) // let through (AB-03)
			return pollDevice(t, e, c, d)
		}},
		{"AccessDeniedException", func(t *testing.T) wire {
			d := startDevice(t, e, c)
			e.Browser(t).DecideDevice(d.UserCode, false)
			return pollDevice(t, e, c, d)
		}},
		{"ExpiredTokenException", func(t *testing.T) wire {
			d := startDevice(t, e, c)
			e.Clock.Add(authserver.DefaultLifetimes().DeviceAuthorization + time.Second)
			return pollDevice(t, e, c, d)
		}},
		{"InvalidClientMetadataException", func(t *testing.T) wire {
			return post(t, e, "/client/register", map[string]any{"clientName": "cli", "clientType": "confidential"})
		}},
		{"InvalidRedirectUriException", func(t *testing.T) wire {
			return post(t, e, "/client/register", map[string]any{"clientName": "cli", "clientType": "public", "grantTypes": []string{"authorization_code"}, "redirectUris": []string{"http://evil.example/cb"}})
		}},
		{"MethodNotAllowed", func(t *testing.T) wire { return call(t, e, "GET", "/token", "") }},
		{"CreateTokenWithIAM_unsigned", func(t *testing.T) wire { return call(t, e, "POST", "/token?aws_iam=t", `{}`) }},
		{"CreateTokenWithIAM", func(t *testing.T) wire {
			p := newPKCE(t)
			code := authorize(t, e, client{ID: goldenApp}, goldenAppRedirect, p)
			return signedCall(t, e, testenv.AccountID, testenv.Region, map[string]any{"clientId": goldenApp, "grantType": "authorization_code",
				"code": code, "redirectUri": goldenAppRedirect, "codeVerifier": p.Verifier})
		}},
		{"CreateTokenWithIAM_AccessDeniedException", func(t *testing.T) wire {
			return signedCall(t, e, testenv.OtherAccountID, testenv.Region, map[string]any{"clientId": goldenApp, "grantType": "refresh_token", "refreshToken": "aor_x"})
		}},
		{"CreateTokenWithIAM_jwt_bearer", func(t *testing.T) wire {
			b := newBearerEnv(t)
			w := signedCall(t, b.e, testenv.AccountID, testenv.Region, map[string]any{"clientId": bearerApp,
				"grantType": jwtBearer, "assertion": b.assertion(t, b.claims(testenv.UserName, nil))})
			if d, _ := w.Body["awsAdditionalDetails"].(map[string]any); d["identityContext"] == "" || d["identityContext"] == nil {
				t.Fatalf("no identity context: %s", w.Raw)
			}
			w.Body["awsAdditionalDetails"] = map[string]any{"identityContext": "<identityContext>"}
			w.Header.Set("X-Amzn-Requestid", "x") // normalised anyway; b.e differs from the outer env
			return w
		}},
		{"InvalidRequestRegionException", func(t *testing.T) wire {
			e := testenv.New(t, testenv.Options{IAMRegion: "eu-west-1"})
			w := signedCall(t, e, testenv.AccountID, testenv.Region, map[string]any{"clientId": goldenApp, "grantType": "refresh_token", "refreshToken": "aor_x"})
			w.Body["endpoint"] = "https://signet.example"
			return w
		}},
		{"InternalServerException", func(t *testing.T) wire {
			e := testenv.New(t, testenv.Options{})
			e.DB.Close()
			w := post(t, e, "/client/register", map[string]any{"clientName": "cli", "clientType": "public"})
			w.Header.Set("X-Amzn-Requestid", "x") // normalised anyway; e differs from the outer env
			return w
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { golden(t, e, tc.name, tc.run(t)) })
	}
}
