package ssooidc_test

import (
	"encoding/json"
	"testing"

	"github.com/signet-auth/signet/awscreds/awscredstest"
	"github.com/signet-auth/signet/internal/testenv"
)

// createTokenWithIAMPy is botocore's sso-oidc client calling
// CreateTokenWithIAM with the jwt-bearer grant, signed with SigV4
// credentials from the environment, and once more with the same
// assertion.
const createTokenWithIAMPy = `
import json, os
import boto3, botocore
from botocore.config import Config
c = boto3.client("sso-oidc", endpoint_url=os.environ["SIGNET_URL"], region_name="us-east-1", config=Config(retries={"max_attempts": 1}))
args = dict(clientId=os.environ["APP"], grantType="urn:ietf:params:oauth:grant-type:jwt-bearer", assertion=os.environ["ASSERTION"])
tok = c.create_token_with_iam(**args)
out = {k: tok.get(k) is not None for k in ("accessToken", "refreshToken", "idToken", "awsAdditionalDetails")}
out["scope"] = tok["scope"]
out["issuedTokenType"] = tok["issuedTokenType"]
out["identityContextIsClaim"] = tok["awsAdditionalDetails"]["identityContext"] != ""
try:
    c.create_token_with_iam(**args)
    out["replay"] = "OK"
except botocore.exceptions.ClientError as e:
    out["replay"] = e.response["Error"]["Code"] + " " + e.response.get("error", "")
print(json.dumps(out))
`

func TestBotocoreCreateTokenWithIAMJWTBearer(t *testing.T) {
	b := newBearerEnv(t)
	signer := b.e.Credentials(t, testenv.AccountID, "AppBackend")
	raw := awscredstest.Botocore(t, createTokenWithIAMPy, map[string]string{
		"SIGNET_URL": b.e.URL, "APP": bearerApp, "ASSERTION": b.assertion(t, b.claims(testenv.UserName, nil)),
		"AWS_ACCESS_KEY_ID": signer.AccessKeyID, "AWS_SECRET_ACCESS_KEY": signer.SecretAccessKey, "AWS_SESSION_TOKEN": signer.SessionToken,
	})
	var got struct {
		AccessToken, RefreshToken, IDToken bool
		Details                            bool     `json:"awsAdditionalDetails"`
		Scope                              []string `json:"scope"`
		IssuedTokenType                    string   `json:"issuedTokenType"`
		Replay                             string   `json:"replay"`
	}
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatalf("%v: %s", err, raw)
	}
	if !got.AccessToken || !got.RefreshToken || !got.IDToken || !got.Details || len(got.Scope) != 3 ||
		got.IssuedTokenType != "urn:ietf:params:oauth:token-type:refresh_token" || got.Replay != "InvalidGrantException invalid_grant" {
		t.Fatalf("botocore saw %s", raw)
	}
}
