package awscli_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/awscli"
)

// export-credentials prints what a profile resolves to, as the JSON a
// credential_process line reads and as shell variables; a format it does
// not know and a profile that does not exist are errors that print
// nothing.
func TestExportCredentials(t *testing.T) {
	home := t.TempDir()
	config := filepath.Join(home, "config")
	creds := filepath.Join(home, "credentials")
	if err := os.WriteFile(config, []byte("[profile static]\nregion = us-east-1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(creds, []byte("[static]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = wJalrXUtnFEMI\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{"HOME": home, "AWS_CONFIG_FILE": config, "AWS_SHARED_CREDENTIALS_FILE": creds}
	run := func(args ...string) (string, error) {
		var out bytes.Buffer
		env := awscli.Env{Getenv: func(k string) string { return vars[k] }, Stdin: strings.NewReader(""), Stdout: &out, Stderr: &out,
			HTTPClient: http.DefaultClient, Clock: signet.SystemClock{}, Rand: rand.Reader}
		root := awscli.ConfigureCommands(env)[0]
		root.SetArgs(append([]string{"export-credentials"}, args...))
		err := root.ExecuteContext(context.Background())
		return out.String(), err
	}

	out, err := run("--profile", "static")
	if err != nil {
		t.Fatal(err)
	}
	var p map[string]any
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatalf("%q: %v", out, err)
	}
	if p["Version"] != 1.0 || p["AccessKeyId"] != "AKIDEXAMPLE" || p["SecretAccessKey"] != "wJalrXUtnFEMI" || len(p) != 3 {
		t.Fatalf("process format: %s", out)
	}
	if out, err := run("--profile", "static", "--format", "env"); err != nil ||
		out != "export AWS_ACCESS_KEY_ID=AKIDEXAMPLE\nexport AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI\n" {
		t.Fatalf("env format: %q %v", out, err)
	}
	if out, err := run("--profile", "static", "--format", "env-no-export"); err != nil ||
		out != "AWS_ACCESS_KEY_ID=AKIDEXAMPLE\nAWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI\n" {
		t.Fatalf("env-no-export format: %q %v", out, err)
	}
	for _, args := range [][]string{{"--profile", "static", "--format", "yaml"}, {"--profile", "nosuch"}} {
		if out, err := run(args...); err == nil || out != "" {
			t.Errorf("%v: printed %q, error %v", args, out, err)
		}
	}
}
