package signin_test

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/signet-auth/signet/awscreds/awscredstest"
	"github.com/signet-auth/signet/internal/signintest"
)

// controlPlanePy drives botocore's signin client through every
// control-plane operation. The botocore on the machine predates them, so
// AWS_DATA_PATH gives it the AWS CLI v2's signin model (testdata/botocore);
// its endpoint rules send these operations to signin.<region>.api.aws
// whatever endpoint_url says, so a before-sign handler points them at
// signet, as the README shows.
const controlPlanePy = `
import json, os
from urllib.parse import urlsplit, urlunsplit
import boto3, botocore
from botocore.config import Config
url = os.environ["SIGNET_URL"]
def to_signet(request, **kwargs):
    u, s = urlsplit(request.url), urlsplit(url)
    request.url = urlunsplit((s.scheme, s.netloc, u.path, u.query, u.fragment))
def client(key, secret):
    c = boto3.client("signin", endpoint_url=url, region_name="us-east-1", aws_access_key_id=key, aws_secret_access_key=secret,
        config=Config(retries={"max_attempts": 1}))
    c.meta.events.register("before-sign.signin", to_signet)
    return c
def code(f):
    try:
        f()
        return "OK"
    except botocore.exceptions.ClientError as e:
        return e.response["Error"]["Code"] + " " + str(e.response["ResponseMetadata"]["HTTPStatusCode"]) + " " + e.response.get("error", "")
c = client(os.environ["SIGNET_KEY"], os.environ["SIGNET_SECRET"])
out = {}
out["resolved"] = boto3.client("signin", endpoint_url=url, region_name="us-east-1", aws_access_key_id="AKIAX", aws_secret_access_key="x")._ruleset_resolver.construct_endpoint(
    operation_model=c.meta.service_model.operation_model("GetResourcePolicy"), call_args={}, request_context={}).url
out["get none"] = code(lambda: c.get_resource_policy())
put = c.put_resource_permission_statement(sourceIp="10.0.0.0/8", clientToken="tok-1")
again = c.put_resource_permission_statement(sourceIp="10.0.0.0/8", clientToken="tok-1")
out["put idempotent"] = put["statementId"] == again["statementId"] and len(put["statementId"]) == 64
out["put conflict"] = code(lambda: c.put_resource_permission_statement(sourceIp="10.1.0.0/16", clientToken="tok-1"))
out["put invalid"] = code(lambda: c.put_resource_permission_statement(sourceVpc="vpc-0123abcd"))
lst = c.list_resource_permission_statements(maxResults=10)
out["list"] = [s["condition"] for s in lst["permissionStatements"]]
pol = c.get_resource_policy()["signinResourceBasedPolicy"]
out["policy"] = {"Version": pol["version"], "Effects": [s["effect"] for s in pol["statement"]], "Actions": pol["statement"][0]["action"]}
out["delete"] = code(lambda: c.delete_resource_permission_statement(statementId=put["statementId"]))
out["delete again"] = code(lambda: c.delete_resource_permission_statement(statementId=put["statementId"]))
out["console get"] = c.get_console_authorization_configuration()["consoleAuthorizationEnabled"]
p = c.put_console_authorization_configuration()
out["console put"] = [p["targetId"], p["scope"], p["consoleAuthorizationEnabled"]]
out["console delete"] = c.delete_console_authorization_configuration()["consoleAuthorizationEnabled"]
out["console org"] = code(lambda: c.get_console_authorization_configuration(targetId="o-abcdefghij"))
out["console other"] = code(lambda: c.put_console_authorization_configuration(targetId="999988887777"))
print(json.dumps(out))
`

func TestBotocoreSigninControlPlane(t *testing.T) {
	e := signintest.New(t, signintest.Options{})
	id, secret := e.AccessKey(t, "arn:aws:iam::"+signintest.AccountID+":user/admin")
	data, err := filepath.Abs("testdata/botocore")
	if err != nil {
		t.Fatal(err)
	}
	raw := awscredstest.Botocore(t, controlPlanePy, map[string]string{"SIGNET_URL": e.URL, "SIGNET_KEY": id, "SIGNET_SECRET": secret,
		"AWS_DATA_PATH": data})
	var got map[string]any
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatalf("%v: %s", err, raw)
	}
	js := func(k string) string { b, _ := json.Marshal(got[k]); return string(b) }
	for k, want := range map[string]string{
		"resolved":       `"https://signin.us-east-1.api.aws"`,
		"get none":       `"ResourceNotFoundException 404 RESOURCE_NOT_FOUND"`,
		"put idempotent": `true`,
		"put conflict":   `"ConflictException 409 CONFLICT"`,
		"put invalid":    `"ValidationException 400 INVALID_REQUEST"`,
		"list":           `[{"NotIpAddress":{"aws:SourceIp":["10.0.0.0/8"]}}]`,
		"policy":         `{"Actions":["signin:Authenticate","signin:AuthorizeOAuth2Access","signin:CreateOAuth2Token"],"Effects":["Deny"],"Version":"2012-10-17"}`,
		"delete":         `"OK"`,
		"delete again":   `"ResourceNotFoundException 404 RESOURCE_NOT_FOUND"`,
		"console get":    `false`,
		"console put":    `["` + signintest.AccountID + `","ACCOUNT",true]`,
		"console delete": `false`,
		"console org":    `"ResourceNotFoundException 404 RESOURCE_NOT_FOUND"`,
		"console other":  `"AccessDeniedException 403 INSUFFICIENT_PERMISSIONS"`,
	} {
		if js(k) != want {
			t.Errorf("%s: got %s, want %s", k, js(k), want)
		}
	}
}
