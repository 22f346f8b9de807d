package ssooidc_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/signet-auth/signet/awscreds/awscredstest"
	"github.com/signet-auth/signet/internal/testenv"
)

// ssoOIDCPy drives boto3's sso-oidc client the way the AWS CLI's `aws sso
// login --use-device-code` does, against two servers: one with
// --dev-auto-approve (the flow completes on the first poll), one without
// (the first poll is pending, the next one too soon).
const ssoOIDCPy = `
import json, os
import boto3, botocore
from botocore.config import Config
def client(url):
    return boto3.client("sso-oidc", endpoint_url=url, region_name="us-east-1", config=Config(retries={"max_attempts": 1}))
def code(f):
    try:
        f()
        return "OK"
    except botocore.exceptions.ClientError as e:
        return e.response["Error"]["Code"] + " " + str(e.response["ResponseMetadata"]["HTTPStatusCode"]) + " " + e.response.get("error", "")
out = {}
c = client(os.environ["SIGNET_AUTO"])
reg = c.register_client(clientName="botocore-client-my-sso", clientType="public")
out["registration"] = sorted(k for k in reg if k != "ResponseMetadata")
out["secretExpiresAt"] = reg["clientSecretExpiresAt"]
da = c.start_device_authorization(clientId=reg["clientId"], clientSecret=reg["clientSecret"], startUrl="https://d-1234567890.awsapps.com/start")
out["device"] = {k: da[k] for k in ("expiresIn", "interval")}
out["verificationUriComplete"] = da["verificationUriComplete"]
out["userCode"] = da["userCode"]
tok = c.create_token(clientId=reg["clientId"], clientSecret=reg["clientSecret"], grantType="urn:ietf:params:oauth:grant-type:device_code", deviceCode=da["deviceCode"])
out["token"] = {"tokenType": tok["tokenType"], "expiresIn": tok["expiresIn"], "hasRefresh": bool(tok.get("refreshToken"))}
ref = c.create_token(clientId=reg["clientId"], clientSecret=reg["clientSecret"], grantType="refresh_token", refreshToken=tok["refreshToken"])
out["refreshed"] = bool(ref.get("refreshToken")) and ref["refreshToken"] != tok["refreshToken"]
out["reused device code"] = code(lambda: c.create_token(clientId=reg["clientId"], clientSecret=reg["clientSecret"], grantType="urn:ietf:params:oauth:grant-type:device_code", deviceCode=da["deviceCode"]))
out["wrong secret"] = code(lambda: c.start_device_authorization(clientId=reg["clientId"], clientSecret="wrong", startUrl="x"))
out["confidential"] = code(lambda: c.register_client(clientName="x", clientType="confidential"))

m = client(os.environ["SIGNET_MANUAL"])
reg = m.register_client(clientName="botocore-client-my-sso", clientType="public")
da = m.start_device_authorization(clientId=reg["clientId"], clientSecret=reg["clientSecret"], startUrl="https://d-1234567890.awsapps.com/start")
poll = lambda: m.create_token(clientId=reg["clientId"], clientSecret=reg["clientSecret"], grantType="urn:ietf:params:oauth:grant-type:device_code", deviceCode=da["deviceCode"])
out["first poll"] = code(poll)
out["second poll"] = code(poll)
out["third poll"] = code(poll)
print(json.dumps(out))
`

func TestBotocoreSSOOIDC(t *testing.T) {
	auto := testenv.New(t, testenv.Options{DevAutoApprove: true})
	manual := testenv.New(t, testenv.Options{})
	raw := awscredstest.Botocore(t, ssoOIDCPy, map[string]string{"SIGNET_AUTO": auto.URL, "SIGNET_MANUAL": manual.URL})
	var got map[string]any
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatalf("%v: %s", err, raw)
	}
	str := func(k string) string { s, _ := got[k].(string); return s }
	js := func(k string) string { b, _ := json.Marshal(got[k]); return string(b) }
	for k, want := range map[string]string{
		"registration":       `["authorizationEndpoint","clientId","clientIdIssuedAt","clientSecret","clientSecretExpiresAt","tokenEndpoint"]`,
		"device":             `{"expiresIn":600,"interval":5}`,
		"token":              `{"expiresIn":3600,"hasRefresh":true,"tokenType":"Bearer"}`,
		"refreshed":          `true`,
		"reused device code": `"InvalidGrantException 400 invalid_grant"`,
		"wrong secret":       `"InvalidClientException 401 invalid_client"`,
		"confidential":       `"InvalidClientMetadataException 400 invalid_client_metadata"`,
		"first poll":         `"AuthorizationPendingException 400 authorization_pending"`,
		"second poll":        `"AuthorizationPendingException 400 authorization_pending"`, // the CLI's double poll (AB-03)
		"third poll":         `"SlowDownException 400 slow_down"`,
	} {
		if js(k) != want {
			t.Errorf("%s: got %s, want %s", k, js(k), want)
		}
	}
	if !strings.HasPrefix(str("verificationUriComplete"), auto.URL+"/device?user_code=") || !strings.HasSuffix(str("verificationUriComplete"), str("userCode")) {
		t.Errorf("verificationUriComplete %q", str("verificationUriComplete"))
	}
	if v, _ := got["secretExpiresAt"].(float64); int64(v) <= auto.Clock.Now().Unix() {
		t.Errorf("clientSecretExpiresAt %v", got["secretExpiresAt"])
	}
}

// With --dev-auto-approve the hook approves right after
// StartDeviceAuthorization, so the first poll gets tokens.
func TestDevAutoApproveCompletesFirstPoll(t *testing.T) {
	e := testenv.New(t, testenv.Options{DevAutoApprove: true})
	c := register(t, e)
	ok(t, pollDevice(t, e, c, startDevice(t, e, c)))
}
