package sts_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/signet-auth/signet/awscreds/awscredstest"
)

// getCallerIdentityPy runs GetCallerIdentity for each case of SIGNET_CASES
// (one process: importing boto3 is the slow part) and presigns one for the
// first case.
const getCallerIdentityPy = `
import json, os
import boto3, botocore
from botocore.config import Config
out = {}
for case in json.loads(os.environ["SIGNET_CASES"]):
    c = boto3.client("sts", endpoint_url=os.environ["SIGNET_ENDPOINT"], region_name="eu-central-1",
        aws_access_key_id=case["id"], aws_secret_access_key=case["secret"],
        aws_session_token=case["token"] or None, config=Config(retries={"max_attempts": 1}))
    if "presigned" not in out:
        out["presigned"] = c.generate_presigned_url("get_caller_identity", Params={}, ExpiresIn=60, HttpMethod="GET")
    try:
        r = c.get_caller_identity()
        out[case["name"]] = {"Arn": r["Arn"], "UserId": r["UserId"], "Account": r["Account"]}
    except botocore.exceptions.ClientError as e:
        out[case["name"]] = {"Error": e.response["Error"]["Code"], "Status": e.response["ResponseMetadata"]["HTTPStatusCode"]}
print(json.dumps(out))
`

// botocore/boto3, as found on the machine, signs GetCallerIdentity (header
// form, and presigned) and signet verifies it.
func TestBotocoreGetCallerIdentity(t *testing.T) {
	e := newEnv(t)
	tmp := e.mint(t, 15*time.Minute)
	bad := tmp
	bad.SecretAccessKey = strings.ToLower(bad.SecretAccessKey)
	cases := []struct {
		name  string
		creds aws.Credentials
		want  map[string]any
	}{
		{"temporary", tmp, map[string]any{"Arn": e.alice.ARN, "UserId": e.alice.UserID, "Account": "123456789012"}},
		{"long-term", e.accessKey(t, "arn:aws:iam::123456789012:root"), map[string]any{"Arn": "arn:aws:iam::123456789012:root", "UserId": "123456789012", "Account": "123456789012"}},
		{"wrong secret", bad, map[string]any{"Error": "SignatureDoesNotMatch", "Status": float64(403)}},
	}
	var in []map[string]string
	for _, c := range cases {
		in = append(in, map[string]string{"name": c.name, "id": c.creds.AccessKeyID, "secret": c.creds.SecretAccessKey, "token": c.creds.SessionToken})
	}
	js, _ := json.Marshal(in)
	out := awscredstest.Botocore(t, getCallerIdentityPy, map[string]string{"SIGNET_ENDPOINT": e.srv.URL, "SIGNET_CASES": string(js)})
	var got map[string]any
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	for _, c := range cases {
		g, _ := got[c.name].(map[string]any)
		for k, v := range c.want {
			if g[k] != v {
				t.Errorf("%s: got %v, want %v", c.name, g, c.want)
			}
		}
	}

	u, _ := got["presigned"].(string)
	if !strings.Contains(u, "X-Amz-Signature=") {
		t.Fatalf("presigned URL %q", u)
	}
	resp, err := e.srv.Client().Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), "<Arn>"+e.alice.ARN+"</Arn>") {
		t.Fatalf("presigned by botocore: %d %s", resp.StatusCode, b)
	}
}
