package signin_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/signet-auth/signet/internal/signintest"
)

// signetEndpointPlugin is the AWS CLI plugin the README shows: it sends the
// Sign-In control plane, which the CLI's endpoint rules route to AWS
// whatever --endpoint-url says, to SIGNET_ENDPOINT_URL.
const signetEndpointPlugin = `import os
from urllib.parse import urlsplit, urlunsplit

def _to_signet(request, **kwargs):
    target = os.environ.get("SIGNET_ENDPOINT_URL")
    if target:
        u, s = urlsplit(request.url), urlsplit(target)
        request.url = urlunsplit((s.scheme, s.netloc, u.path, u.query, u.fragment))

def awscli_initialize(cli):
    cli.register("before-sign.signin", _to_signet)
`

// The AWS CLI on the machine (v1, whose botocore predates the operations
// and so reads the v2 model through AWS_DATA_PATH) manages the policy with
// the plugin.
func TestAWSCLISigninControlPlane(t *testing.T) {
	awsPath, err := exec.LookPath("aws")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("aws CLI not on PATH")
		}
		t.Skip("aws CLI not on PATH")
	}
	e := signintest.New(t, signintest.Options{})
	id, secret := e.AccessKey(t, "arn:aws:iam::"+signintest.AccountID+":user/admin")
	dir := t.TempDir()
	data, err := filepath.Abs("testdata/botocore")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "signet_endpoint.py"), []byte(signetEndpointPlugin), 0o600); err != nil {
		t.Fatal(err)
	}
	// v1 imports plugins from the module path; v2 would read
	// cli_legacy_plugin_path from the same section.
	if err := os.WriteFile(filepath.Join(dir, "config"), []byte("[plugins]\nsignet = signet_endpoint\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{"HOME=" + dir, "PATH=" + os.Getenv("PATH"), "PYTHONPATH=" + dir, "AWS_CONFIG_FILE=" + filepath.Join(dir, "config"),
		"AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_DATA_PATH=" + data, "AWS_ACCESS_KEY_ID=" + id, "AWS_SECRET_ACCESS_KEY=" + secret,
		"AWS_DEFAULT_REGION=us-east-1", "AWS_PAGER=", "AWS_EC2_METADATA_DISABLED=true", "SIGNET_ENDPOINT_URL=" + e.URL}
	for _, k := range []string{"PYENV_ROOT", "PYENV_VERSION"} {
		if v := os.Getenv(k); v != "" {
			env = append(env, k+"="+v)
		}
	}
	run := func(args ...string) (map[string]any, string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, awsPath, append([]string{"signin"}, append(args, "--output", "json")...)...)
		cmd.Env = env
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			return nil, stderr.String()
		}
		var v map[string]any
		if len(strings.TrimSpace(string(out))) > 0 {
			if err := json.Unmarshal(out, &v); err != nil {
				t.Fatalf("aws %v: %v: %s", args, err, out)
			}
		}
		return v, ""
	}
	put, errOut := run("put-resource-permission-statement", "--source-ip", "10.0.0.0/8", "--client-token", "tok-1")
	if errOut != "" || !statementIDRE.MatchString(put["statementId"].(string)) {
		t.Fatalf("put: %v %s", put, errOut)
	}
	if _, errOut := run("put-resource-permission-statement", "--source-ip", "10.1.0.0/16", "--client-token", "tok-1"); !strings.Contains(errOut, "(ConflictException)") {
		t.Fatalf("put conflict: %s", errOut)
	}
	list, errOut := run("list-resource-permission-statements")
	if errOut != "" || len(list["permissionStatements"].([]any)) != 1 {
		t.Fatalf("list: %v %s", list, errOut)
	}
	pol, errOut := run("get-resource-policy")
	if errOut != "" || pol["signinResourceBasedPolicy"].(map[string]any)["version"] != "2012-10-17" {
		t.Fatalf("get-resource-policy: %v %s", pol, errOut)
	}
	on, errOut := run("put-console-authorization-configuration")
	if errOut != "" || on["consoleAuthorizationEnabled"] != true || on["targetId"] != signintest.AccountID {
		t.Fatalf("put-console-authorization-configuration: %v %s", on, errOut)
	}
	if _, errOut := run("delete-resource-permission-statement", "--statement-id", put["statementId"].(string)); errOut != "" {
		t.Fatalf("delete: %s", errOut)
	}
	if _, errOut := run("delete-resource-permission-statement", "--statement-id", put["statementId"].(string)); !strings.Contains(errOut, "(ResourceNotFoundException)") {
		t.Fatalf("delete again: %s", errOut)
	}
}
