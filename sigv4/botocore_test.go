package sigv4

import (
	"crypto/rand"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/signet-auth/signet/awscreds/awscredstest"
	"github.com/signet-auth/signet/internal/testsupport"
)

// signedOpsPy calls, with botocore, each SigV4-signed operation signet
// serves that botocore models, and prints what the server said about the
// caller (or the error code).
const signedOpsPy = `
import json, os
import boto3, botocore
from botocore.config import Config
kw = dict(endpoint_url=os.environ["SIGNET_ENDPOINT"], region_name="eu-west-1",
    aws_access_key_id=os.environ["SIGNET_KEY_ID"], aws_secret_access_key=os.environ["SIGNET_SECRET"],
    aws_session_token=os.environ.get("SIGNET_TOKEN") or None, config=Config(retries={"max_attempts": 1}))
oidc = boto3.client("sso-oidc", **kw)
ui = boto3.client("amplifyuibuilder", **kw)
calls = {
    "CreateTokenWithIAM": lambda: oidc.create_token_with_iam(clientId="arn:aws:sso::123456789012:application/ssoins-1/apl-2",
        grantType="authorization_code", code="YXV0aC1jb2Rl", redirectUri="https://app.example.com/callback?a=b c"),
    "ExchangeCodeForToken": lambda: ui.exchange_code_for_token(provider="figma",
        request={"code": "abc123figmacode", "redirectUri": "https://studio.example.com/figma/callback", "clientId": "figma-client-id"}),
    "RefreshToken": lambda: ui.refresh_token(provider="figma", refreshTokenBody={"token": "r", "clientId": "figma-client-id"}),
}
out = {}
for name, call in calls.items():
    try:
        r = call()
        out[name] = r["ResponseMetadata"]["HTTPHeaders"].get("x-signet-caller", "")
    except botocore.exceptions.ClientError as e:
        out[name] = e.response["Error"]["Code"]
print(json.dumps(out))
`

// botocore signs the restJson1 operations (JSON bodies, a query on
// /token, a path label) and signet verifies them, each for its own
// signing name.
func TestBotocoreSignedOperations(t *testing.T) {
	// botocore signs with the wall clock.
	v, err := New(Options{Credentials: testCreds(), Clock: testsupport.NewClock(time.Now().UTC()), Rand: rand.Reader})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	caller := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, _ := PrincipalFrom(r.Context())
		io.Copy(io.Discard, r.Body)
		w.Header().Set("X-Signet-Caller", p.ARN)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, "{}")
	})
	mux.Handle("POST /token", v.Require("sso-oauth", jsonErrors)(caller))
	mux.Handle("POST /tokens/{provider}", v.Require("amplifyuibuilder", jsonErrors)(caller))
	mux.Handle("POST /tokens/{provider}/refresh", v.Require("amplifyuibuilder", jsonErrors)(caller))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	for _, c := range []struct {
		name, id, secret, token string
		want                    string
	}{
		{"temporary", temporary.AccessKeyID, temporary.SecretAccessKey, temporary.SessionToken, alice.ARN},
		{"long-term", longTerm.AccessKeyID, longTerm.SecretAccessKey, "", broker.ARN},
		{"wrong secret", longTerm.AccessKeyID, temporary.SecretAccessKey, "", "InvalidSignatureException"},
	} {
		t.Run(c.name, func(t *testing.T) {
			out := awscredstest.Botocore(t, signedOpsPy, map[string]string{
				"SIGNET_ENDPOINT": srv.URL, "SIGNET_KEY_ID": c.id, "SIGNET_SECRET": c.secret, "SIGNET_TOKEN": c.token,
			})
			var got map[string]string
			if err := json.Unmarshal(out, &got); err != nil {
				t.Fatalf("%v: %s", err, out)
			}
			for _, op := range []string{"CreateTokenWithIAM", "ExchangeCodeForToken", "RefreshToken"} {
				if got[op] != c.want {
					t.Errorf("%s: %q, want %q", op, got[op], c.want)
				}
			}
		})
	}
}
