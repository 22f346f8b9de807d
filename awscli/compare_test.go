package awscli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/awscli"
)

// These tests hold the skeletons and output formats to what the aws CLI on
// the machine prints for the same operation (aws v1 here; v1 has no
// yaml-input skeleton and no yaml output, which follow v2's documented
// format and are covered by the scripts). They run wherever "aws" is on
// PATH (not under -short), and must in CI (CI=true).

const modelsDir = "../docs/spec/aws/models"

func needAWS(t *testing.T) string {
	t.Helper()
	// The aws CLI takes seconds to start even batched (runAWSAll); -short
	// leaves the comparison to CI.
	if testing.Short() && os.Getenv("CI") != "true" {
		t.Skip("comparison with the aws CLI skipped in -short mode")
	}
	p, err := exec.LookPath("aws")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("aws CLI not found on PATH; CI must compare against it")
		}
		t.Skip("aws CLI not on PATH")
	}
	return p
}

func awsEnv(t *testing.T, extra ...string) []string {
	home := t.TempDir()
	env := []string{
		"HOME=" + home, "PATH=" + os.Getenv("PATH"), "AWS_CONFIG_FILE=" + home + "/config",
		"AWS_SHARED_CREDENTIALS_FILE=" + home + "/credentials", "AWS_DATA_PATH=" + modelsDir,
		"AWS_ACCESS_KEY_ID=AKIDCOMPARE", "AWS_SECRET_ACCESS_KEY=comparesecret", "AWS_REGION=us-east-1",
		"AWS_DEFAULT_REGION=us-east-1", "AWS_PAGER=",
	}
	for _, k := range []string{"PYENV_ROOT", "PYENV_VERSION"} {
		if v := os.Getenv(k); v != "" {
			env = append(env, k+"="+v)
		}
	}
	return append(env, extra...)
}

// awsRun is what one aws command line printed: stdout, or stdout and
// stderr when it failed (err not nil).
type awsRun struct {
	out string
	err error
}

func runAWS(env []string, args ...string) awsRun {
	cmd := exec.Command("aws", args...)
	cmd.Env = env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return awsRun{out.String() + errb.String(), err}
	}
	return awsRun{out: out.String()}
}

// awsBatch runs command lines through the aws CLI's own driver
// (awscli.clidriver, what the aws script calls), one fresh driver per
// command line, in one Python process: Python and the CLI start once
// instead of once per command line, which is most of each run's time.
// It reads a JSON list of argument lists on stdin and writes one result
// per list.
const awsBatch = `
import io, json, sys
from awscli.clidriver import create_clidriver
calls = json.load(sys.stdin)
real_out, real_err = sys.stdout, sys.stderr
results = []
for args in calls:
    out, err = io.StringIO(), io.StringIO()
    sys.stdout, sys.stderr = out, err
    try:
        rc = create_clidriver().main(args)
    except SystemExit as e:
        rc = e.code if isinstance(e.code, int) else 1
    finally:
        sys.stdout, sys.stderr = real_out, real_err
    results.append({"out": out.getvalue(), "err": err.getvalue(), "rc": rc})
json.dump(results, real_out)
`

// runAWSAll runs every command line with the aws CLI, in two Python
// processes at a time (the machine has two cores) when python3 can import
// the CLI's driver, else one aws process per command line, two at a time.
// SIGNET_AWS_EXEC=1 forces the latter.
func runAWSAll(t *testing.T, env []string, calls [][]string) []awsRun {
	t.Helper()
	runs := make([]awsRun, len(calls))
	const workers = 2
	var wg sync.WaitGroup
	if os.Getenv("SIGNET_AWS_EXEC") == "1" || exec.Command("python3", "-c", "import awscli.clidriver").Run() != nil {
		next := make(chan int)
		for range workers {
			wg.Go(func() {
				for i := range next {
					runs[i] = runAWS(env, calls[i]...)
				}
			})
		}
		for i := range calls {
			next <- i
		}
		close(next)
		wg.Wait()
		return runs
	}
	errs := make([]error, workers)
	for w := range workers {
		wg.Go(func() {
			var idx []int
			var batch [][]string
			for i := w; i < len(calls); i += workers {
				idx, batch = append(idx, i), append(batch, calls[i])
			}
			in, _ := json.Marshal(batch)
			cmd := exec.Command("python3", "-c", awsBatch)
			cmd.Env = env
			cmd.Stdin = bytes.NewReader(in)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil {
				errs[w] = fmt.Errorf("python3: %v\n%s", err, stderr.String())
				return
			}
			var res []struct {
				Out, Err string
				RC       int
			}
			if err := json.Unmarshal(out, &res); err != nil || len(res) != len(batch) {
				errs[w] = fmt.Errorf("python3: %d results for %d calls (%v)\n%s", len(res), len(batch), err, stderr.String())
				return
			}
			for j, r := range res {
				runs[idx[j]] = awsRun{out: r.Out}
				if r.RC != 0 {
					runs[idx[j]] = awsRun{r.Out + r.Err, fmt.Errorf("exit status %d", r.RC)}
				}
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	return runs
}

func runSignet(t *testing.T, env []string, args ...string) (string, error) {
	t.Helper()
	vars := map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		vars[k] = v
	}
	var out, errb bytes.Buffer
	e := awscli.Env{Getenv: func(k string) string { return vars[k] }, Stdout: &out, Stderr: &errb, Clock: signet.SystemClock{}}
	for _, c := range awscli.Commands(e) {
		if c.Name() != args[0] {
			continue
		}
		c.SetArgs(args[1:])
		c.SetOut(&out)
		c.SetErr(&errb)
		err := c.ExecuteContext(context.Background())
		if err != nil {
			return out.String() + errb.String(), err
		}
		return out.String(), nil
	}
	t.Fatalf("no service %s", args[0])
	return "", nil
}

type opCase struct {
	service, op string
	input       string // a --cli-input-json that passes validation
}

var allOps = []opCase{
	{"sso-oidc", "create-token", `{"clientId":"client-1","clientSecret":"secret-1","grantType":"refresh_token","refreshToken":"refresh-1"}`},
	{"sso-oidc", "create-token-with-iam", `{"clientId":"arn:aws:sso::123456789012:application/x/y","grantType":"authorization_code","code":"c"}`},
	{"sso-oidc", "register-client", `{"clientName":"n","clientType":"public","scopes":["a","b"]}`},
	{"sso-oidc", "start-device-authorization", `{"clientId":"client-1","clientSecret":"secret-1","startUrl":"https://d-0000000000.awsapps.com/start"}`},
	{"signin", "create-o-auth2-token", `{"tokenInput":{"clientId":"arn:aws:signin:::devtools/same-device","grantType":"refresh_token","refreshToken":"ASORexample"}}`},
	{"signin", "create-o-auth2-token-with-iam", `{"grantType":"client_credentials","resource":"aws-mcp.amazonaws.com"}`},
	{"signin", "introspect-o-auth2-token-with-iam", `{"token":"ASORexampleexampleexample"}`},
	{"signin", "revoke-o-auth2-token-with-iam", `{"token":"ASORexampleexampleexample"}`},
	{"amplifyuibuilder", "exchange-code-for-token", `{"provider":"figma","request":{"code":"c","redirectUri":"https://x.example/cb"}}`},
	{"amplifyuibuilder", "refresh-token", `{"provider":"figma","refreshTokenBody":{"token":"figma-refresh"}}`},
	{"sso", "get-role-credentials", `{"roleName":"Admin","accountId":"111111111111","accessToken":"access-1"}`},
	{"sso", "list-account-roles", `{"accessToken":"access-1","accountId":"111111111111"}`},
	{"sso", "list-accounts", `{"accessToken":"access-1"}`},
	{"sso", "logout", `{"accessToken":"access-1"}`},
	{"sts", "get-caller-identity", `{}`},
}

func TestSkeletonsMatchAWSCLI(t *testing.T) {
	needAWS(t)
	env := awsEnv(t)
	var names []string
	var calls [][]string
	for _, c := range allOps {
		for _, mode := range []string{"", "input", "output"} {
			args := []string{c.service, c.op, "--generate-cli-skeleton"}
			if mode != "" {
				args = append(args, mode)
			}
			if mode == "output" {
				args = append(args, "--cli-input-json", c.input)
			}
			names = append(names, c.service+"/"+c.op+"/"+mode)
			calls = append(calls, args)
		}
	}
	runs := runAWSAll(t, env, calls)
	for i, args := range calls {
		t.Run(names[i], func(t *testing.T) {
			want, err := runs[i].out, runs[i].err
			if err != nil {
				// aws v1 validates its own sample output against the
				// model and fails where a member has a minimum length
				// longer than its name (sts Arn); nothing to compare.
				if strings.Contains(want, "Invalid length for parameter") || strings.Contains(want, "valid min value") {
					t.Skipf("aws cannot print this skeleton: %s", strings.TrimSpace(want))
				}
				t.Fatalf("aws %v: %v\n%s", args, err, want)
			}
			got, err := runSignet(t, env, args...)
			if err != nil {
				t.Fatalf("signet %v: %v\n%s", args, err, got)
			}
			if got != want {
				t.Errorf("signet %v\n--- got\n%s--- aws\n%s", args, got, want)
			}
		})
	}
}

func TestOutputFormatsMatchAWSCLI(t *testing.T) {
	needAWS(t)
	f := newFakeServer()
	defer f.Close()
	env := awsEnv(t)
	queries := map[string]string{
		"sso/list-accounts":           "accountList[].accountId",
		"sso-oidc/register-client":    "{id: clientId, exp: clientSecretExpiresAt}",
		"signin/create-o-auth2-token": "tokenOutput.accessToken",
	}
	var calls [][]string
	for _, c := range allOps {
		for _, format := range []string{"json", "text", "table"} {
			args := []string{c.service, c.op, "--endpoint-url", f.URL, "--cli-input-json", c.input, "--output", format}
			calls = append(calls, args)
			if q, ok := queries[c.service+"/"+c.op]; ok {
				calls = append(calls, append(append([]string(nil), args...), "--query", q))
			}
		}
	}
	runs := runAWSAll(t, env, calls)
	for i, args := range calls {
		t.Run(strings.Join(args[:2], "/")+"/"+args[7]+"/"+strings.Join(args[8:], "_"), func(t *testing.T) {
			want, werr := runs[i].out, runs[i].err
			got, gerr := runSignet(t, env, args...)
			if (werr == nil) != (gerr == nil) {
				t.Fatalf("aws err %v, signet err %v\n--- got\n%s--- aws\n%s", werr, gerr, got, want)
			}
			if werr != nil {
				return // both failed: the error texts are compared by the scripts
			}
			if got != want {
				t.Errorf("signet %v\n--- got\n%s--- aws\n%s", args, got, want)
			}
		})
	}
}
