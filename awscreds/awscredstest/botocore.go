package awscredstest

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// Botocore runs a Python script that uses boto3/botocore and returns its
// standard output. The script gets env on top of the process environment,
// with every AWS_* variable removed and the shared config and credentials
// files pointed at /dev/null, so nothing on the machine leaks in. Without
// python3 or boto3 the test is skipped, except under CI=true, where it
// fails: CI must exercise the real signer.
func Botocore(t testing.TB, script string, env map[string]string) []byte {
	t.Helper()
	missing := func(why string) {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true and %s", why)
		}
		t.Skip(why)
	}
	py, err := exec.LookPath("python3")
	if err != nil {
		missing("python3 is not on PATH")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var environ []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			environ = append(environ, kv)
		}
	}
	environ = append(environ, "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_EC2_METADATA_DISABLED=true")
	if err := exec.CommandContext(ctx, py, "-c", "import boto3, botocore").Run(); err != nil {
		missing("boto3/botocore cannot be imported by python3: " + err.Error())
	}
	for k, v := range env {
		environ = append(environ, k+"="+v)
	}
	cmd := exec.CommandContext(ctx, py, "-c", script)
	cmd.Env = environ
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python3: %v\n%s", err, stderr.String())
	}
	return out
}
