package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// runCLI runs signet with args and env and returns the exit code, stdout
// and stderr.
func runCLI(env map[string]string, args ...string) (int, string, string) {
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, mapenv(env), strings.NewReader(""), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// callerARN asks STS who signs with the key pair, through the AWS-CLI-style
// client.
func (s *server) callerARN(t *testing.T, keyID, secret string) (string, bool) {
	t.Helper()
	env := map[string]string{"AWS_ACCESS_KEY_ID": keyID, "AWS_SECRET_ACCESS_KEY": secret}
	code, out, _ := runCLI(env, "sts", "get-caller-identity", "--endpoint-url", s.base, "--region", "us-east-1", "--output", "json")
	if code != 0 {
		return "", false
	}
	var id struct{ Arn string }
	if err := json.Unmarshal([]byte(out), &id); err != nil {
		t.Fatalf("get-caller-identity: %v: %q", err, out)
	}
	return id.Arn, true
}

var (
	keyIDRe  = regexp.MustCompile(`(?m)^aws_access_key_id = (\S+)$`)
	secretRe = regexp.MustCompile(`(?m)^aws_secret_access_key = (\S+)$`)
)

// A long-term key made by `signet admin access-key create` verifies in
// serve at once, only with its secret, and stops when deleted.
func TestServeVerifiesLongTermAccessKeys(t *testing.T) {
	dir := t.TempDir()
	s := startServe(t, nil, "--dev", "--addr", "127.0.0.1:0", "--data-dir", dir)
	const principal = "arn:aws:iam::111122223333:user/ci"
	code, out, stderr := runCLI(nil, "admin", "access-key", "create", "--principal", principal, "--data-dir", dir)
	if code != 0 {
		t.Fatalf("access-key create: %d %s", code, stderr)
	}
	id, secret := keyIDRe.FindStringSubmatch(out)[1], secretRe.FindStringSubmatch(out)[1]
	if arn, ok := s.callerARN(t, id, secret); !ok || arn != principal {
		t.Fatalf("caller %q (%v), want %s", arn, ok, principal)
	}
	if arn, ok := s.callerARN(t, id, strings.Repeat("x", 40)); ok {
		t.Fatalf("a wrong secret verified as %s", arn)
	}
	if code, _, stderr := runCLI(nil, "admin", "access-key", "delete", id, "--data-dir", dir); code != 0 {
		t.Fatalf("delete: %s", stderr)
	}
	if arn, ok := s.callerARN(t, id, secret); ok {
		t.Fatalf("a deleted key verified as %s", arn)
	}
}

// --sigv4-emulation accepts any signature from a made-up key; without it
// the same request is refused.
func TestServeSigV4Emulation(t *testing.T) {
	const id, secret = "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	off := startServe(t, nil, "--dev", "--addr", "127.0.0.1:0", "--data-dir", t.TempDir())
	if arn, ok := off.callerARN(t, id, secret); ok {
		t.Fatalf("an unknown key verified as %s without emulation", arn)
	}
	on := startServe(t, nil, "--dev", "--addr", "127.0.0.1:0", "--data-dir", t.TempDir(), "--sigv4-emulation")
	if arn, ok := on.callerARN(t, id, secret); !ok || arn != "arn:aws:iam::000000000000:user/"+id {
		t.Fatalf("emulation: caller %q (%v)", arn, ok)
	}
	if !strings.Contains(on.stderr.String(), "SigV4 emulation") {
		t.Error("emulation mode is not logged")
	}
}

// A confidential client made by `signet admin client create` gets
// client_credentials tokens from the standard OAuth surface in serve.
func TestServeAdminClientCredentials(t *testing.T) {
	dir := t.TempDir()
	s := startServe(t, nil, "--dev", "--addr", "127.0.0.1:0", "--data-dir", dir)
	code, out, stderr := runCLI(nil, "admin", "client", "create", "--name", "Billing", "--grant-type", "client_credentials",
		"--scope", "read", "--data-dir", dir)
	if code != 0 {
		t.Fatalf("client create: %s", stderr)
	}
	id := regexp.MustCompile(`(?m)^client_id: (\S+)$`).FindStringSubmatch(out)[1]
	secret := regexp.MustCompile(`(?m)^client_secret: (\S+)$`).FindStringSubmatch(out)[1]
	req, _ := http.NewRequest("POST", s.base+"/oauth2/token", strings.NewReader(url.Values{"grant_type": {"client_credentials"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
		Scope       string `json:"scope"`
	}
	if err := json.NewDecoder(res.Body).Decode(&tok); err != nil || res.StatusCode != http.StatusOK || tok.AccessToken == "" || tok.Scope != "read" {
		t.Fatalf("token: %d %+v %v", res.StatusCode, tok, err)
	}
}
