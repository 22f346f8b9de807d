package uibuilder_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/signet-auth/signet/awscreds/awscredstest"
	"github.com/signet-auth/signet/broker/brokertest"
)

// uibuilderPy calls boto3's amplifyuibuilder client for each case of
// SIGNET_CASES in one process (importing boto3 is the slow part). Retries
// are off so that each case is one request.
const uibuilderPy = `
import json, os
import boto3, botocore
from botocore.config import Config
c = boto3.client("amplifyuibuilder", endpoint_url=os.environ["SIGNET_ENDPOINT"], region_name="eu-west-1",
    aws_access_key_id=os.environ["AKID"], aws_secret_access_key=os.environ["SECRET"],
    aws_session_token=os.environ["TOKEN"], config=Config(retries={"total_max_attempts": 1}))
out = {}
for case in json.loads(os.environ["SIGNET_CASES"]):
    try:
        if case["op"] == "exchange":
            r = c.exchange_code_for_token(provider=case["provider"], request=case["request"])
        else:
            r = c.refresh_token(provider=case["provider"], refreshTokenBody=case["request"])
        r.pop("ResponseMetadata", None)
        out[case["name"]] = r
    except botocore.exceptions.ClientError as e:
        out[case["name"]] = {"Error": e.response["Error"]["Code"], "Message": e.response["Error"].get("Message", ""),
            "Status": e.response["ResponseMetadata"]["HTTPStatusCode"]}
print(json.dumps(out))
`

// boto3's amplifyuibuilder client, unmodified, against signet: success,
// the modeled error and the unmodeled ones it surfaces by x-amzn-ErrorType.
func TestBotocoreAmplifyUIBuilder(t *testing.T) {
	e := newEnv(t, 300*time.Millisecond)
	code := e.up.IssueCode(studioID, redirect)
	rt := e.up.IssueRefreshToken(studioID)
	e.up.Script(brokertest.Normal(), brokertest.Normal(), brokertest.Throttle(3), brokertest.Hang())
	type kase struct {
		Name     string            `json:"name"`
		Op       string            `json:"op"`
		Provider string            `json:"provider"`
		Request  map[string]string `json:"request"`
	}
	cases := []kase{
		{"exchange", "exchange", "figma", map[string]string{"code": code, "redirectUri": redirect, "clientId": studioID}},
		{"refresh", "refresh", "figma", map[string]string{"token": rt}},
		{"throttled", "exchange", "figma", map[string]string{"code": e.up.IssueCode(studioID, redirect), "redirectUri": redirect}},
		{"timeout", "refresh", "figma", map[string]string{"token": rt}},
		{"reused code", "exchange", "figma", map[string]string{"code": code, "redirectUri": redirect}},
		{"unknown provider", "exchange", "github", map[string]string{"code": "c0de0123456789", "redirectUri": redirect}},
		{"redirect not allowed", "exchange", "figma", map[string]string{"code": "c0de0123456789", "redirectUri": "https://evil.example/cb"}},
		{"unknown client", "refresh", "figma", map[string]string{"token": rt, "clientId": "evil"}},
	}
	in, _ := json.Marshal(cases)
	out := awscredstest.Botocore(t, uibuilderPy, map[string]string{
		"SIGNET_ENDPOINT": e.srv.URL, "SIGNET_CASES": string(in),
		"AKID": e.alice.AccessKeyID, "SECRET": e.alice.SecretAccessKey, "TOKEN": e.alice.SessionToken,
	})
	var got map[string]map[string]any
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	ex := got["exchange"]
	if at, _ := ex["accessToken"].(string); len(at) < 10 || ex["expiresIn"] != float64(brokertest.ExpiresIn) || ex["refreshToken"] == nil {
		t.Fatalf("exchange: %v", ex)
	}
	if rf := got["refresh"]; rf["accessToken"] == nil || rf["expiresIn"] != float64(brokertest.ExpiresIn) || rf["refreshToken"] != nil {
		t.Fatalf("refresh: %v", rf)
	}
	for name, want := range map[string][2]any{
		"throttled":            {"ThrottlingException", float64(429)},
		"timeout":              {"InternalServerException", float64(500)},
		"reused code":          {"InvalidParameterException", float64(400)},
		"unknown provider":     {"InvalidParameterException", float64(400)},
		"redirect not allowed": {"InvalidParameterException", float64(400)},
		"unknown client":       {"InvalidParameterException", float64(400)},
	} {
		if g := got[name]; g["Error"] != want[0] || g["Status"] != want[1] || g["Message"] == "" {
			t.Errorf("%s: %v, want %v", name, g, want)
		}
	}
	if n := e.up.Calls(""); n != 4 {
		t.Fatalf("%d upstream calls, want 4", n)
	}
}
