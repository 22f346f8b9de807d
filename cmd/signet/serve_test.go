package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/spf13/pflag"

	"github.com/signet-auth/signet/internal/config"
)

// sink is a standard stream shared with the server goroutine. It tells the
// test the server's address as soon as the "listening on" line appears.
type sink struct {
	mu        sync.Mutex
	buf       bytes.Buffer
	listening chan string
	once      sync.Once
}

func newSink() *sink { return &sink{listening: make(chan string, 1)} }

var listeningRe = regexp.MustCompile(`(?m)^listening on (\S+)\n`)

func (s *sink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.buf.Write(p)
	if m := listeningRe.FindSubmatch(s.buf.Bytes()); m != nil {
		s.once.Do(func() { s.listening <- string(m[1]) })
	}
	return len(p), nil
}

func (s *sink) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

// server is one in-process `signet serve`.
type server struct {
	base           string
	stdout, stderr *sink
	stop           func() int // cancels the context and returns the exit code
}

func startServe(t *testing.T, env map[string]string, args ...string) *server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &server{stdout: newSink(), stderr: newSink()}
	code := make(chan int, 1)
	go func() {
		code <- run(ctx, append([]string{"serve"}, args...), mapenv(env), strings.NewReader(""), s.stdout, s.stderr)
	}()
	var stopped bool
	s.stop = func() int {
		if stopped {
			return 0
		}
		stopped = true
		cancel()
		return <-code
	}
	t.Cleanup(func() { s.stop() })
	select {
	case s.base = <-s.stderr.listening:
	case c := <-code:
		stopped = true
		cancel()
		t.Fatalf("serve exited with %d before listening:\n%s", c, s.stderr)
	}
	return s
}

func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, string(b)
}

var devPasswordRe = regexp.MustCompile(`dev user: dev  password: (\S+)`)

func TestServeDev(t *testing.T) {
	dir := t.TempDir()
	s := startServe(t, nil, "--dev", "--addr", "127.0.0.1:0", "--data-dir", dir)

	for _, path := range []string{"/healthz", "/readyz"} {
		if status, body := httpGet(t, s.base+path); status != http.StatusOK || body != "ok\n" {
			t.Errorf("GET %s: %d %q", path, status, body)
		}
	}
	// The pages are mounted, with their security headers.
	for _, path := range []string{"/device", "/login"} {
		res, err := http.Get(s.base + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK || !strings.Contains(res.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
			t.Errorf("GET %s: %d, CSP %q", path, res.StatusCode, res.Header.Get("Content-Security-Policy"))
		}
	}
	status, body := httpGet(t, s.base+"/metrics")
	if status != http.StatusOK || !strings.Contains(body, `http_requests_total{method="GET",route="GET /healthz",status="200"} 1`) {
		t.Errorf("GET /metrics: %d, missing the /healthz count:\n%s", status, body)
	}

	if code := s.stop(); code != 0 {
		t.Fatalf("exit code %d after cancel:\n%s", code, s.stderr)
	}
	m := devPasswordRe.FindStringSubmatch(s.stdout.String())
	if m == nil {
		t.Fatalf("no dev password on stdout: %q", s.stdout)
	}
	// The password is for the person at the terminal, never for the log.
	if strings.Contains(s.stderr.String(), m[1]) {
		t.Fatalf("the dev password appears in the log:\n%s", s.stderr)
	}
	if !strings.Contains(s.stderr.String(), "generated one for development") {
		t.Errorf("no warning about the generated master key:\n%s", s.stderr)
	}

	// A restart on the same data directory keeps the user and its password.
	s2 := startServe(t, nil, "--dev", "--addr", "127.0.0.1:0", "--data-dir", dir)
	if code := s2.stop(); code != 0 {
		t.Fatalf("restart: exit code %d:\n%s", code, s2.stderr)
	}
	if out := s2.stdout.String(); !strings.Contains(out, "dev user: dev  password: unchanged") {
		t.Fatalf("restart: %q", out)
	}
	var out bytes.Buffer
	if code := run(context.Background(), []string{"admin", "user", "list", "--data-dir", dir}, mapenv(nil), nil, &out, io.Discard); code != 0 {
		t.Fatalf("admin user list: exit %d", code)
	}
	if !regexp.MustCompile(`(?m)^dev\s+\S+\s+false\s+000000000000/Developer$`).MatchString(out.String()) {
		t.Fatalf("admin user list after restart:\n%s", out.String())
	}
}

func TestServeDevPasswordFromFlag(t *testing.T) {
	s := startServe(t, map[string]string{"SIGNET_LOG_FORMAT": "json", "SIGNET_LOG_LEVEL": "debug"},
		"--dev", "--addr", "127.0.0.1:0", "--data-dir", t.TempDir(), "--dev-password", "correct-horse-battery")
	httpGet(t, s.base+"/healthz")
	if code := s.stop(); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if !strings.Contains(s.stdout.String(), "password: correct-horse-battery") {
		t.Fatalf("stdout %q", s.stdout)
	}
	logs := s.stderr.String()
	if strings.Contains(logs, "correct-horse-battery") {
		t.Fatalf("the dev password appears in the log:\n%s", logs)
	}
	if !strings.Contains(logs, `"request_id":`) {
		t.Fatalf("json access log without request ids:\n%s", logs)
	}
}

func TestServeRefusesBadConfig(t *testing.T) {
	var stderr bytes.Buffer
	code := run(context.Background(), []string{"serve", "--dev", "--addr", "0.0.0.0:8400", "--data-dir", t.TempDir()},
		mapenv(nil), nil, io.Discard, &stderr)
	if code == 0 || !strings.Contains(stderr.String(), "loopback") {
		t.Fatalf("exit %d, stderr %q", code, stderr.String())
	}
}

// cli runs one client command against s and decodes its JSON output.
func (s *server) cli(t *testing.T, args ...string) map[string]any {
	t.Helper()
	var stdout, stderr bytes.Buffer
	args = append(args, "--endpoint-url", s.base, "--region", "us-east-1", "--output", "json")
	if code := run(context.Background(), args, mapenv(nil), strings.NewReader(""), &stdout, &stderr); code != 0 {
		t.Fatalf("signet %s: exit %d: %s", strings.Join(args, " "), code, stderr.String())
	}
	var out map[string]any
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		t.Fatalf("signet %s: %v: %q", strings.Join(args, " "), err, stdout.String())
	}
	return out
}

// With --dev-auto-approve the SSO OIDC device flow completes without a
// person: the surfaces are mounted and wired to one engine, and the grant
// is counted.
func TestServeDevAutoApproveDeviceFlow(t *testing.T) {
	s := startServe(t, nil, "--dev", "--dev-auto-approve", "--addr", "127.0.0.1:0", "--data-dir", t.TempDir())
	reg := s.cli(t, "sso-oidc", "register-client", "--client-name", "test", "--client-type", "public")
	id, secret := reg["clientId"].(string), reg["clientSecret"].(string)
	dev := s.cli(t, "sso-oidc", "start-device-authorization", "--client-id", id, "--client-secret", secret,
		"--start-url", s.base+"/start")
	tok := s.cli(t, "sso-oidc", "create-token", "--client-id", id, "--client-secret", secret,
		"--grant-type", "urn:ietf:params:oauth:grant-type:device_code", "--device-code", dev["deviceCode"].(string))
	if at, _ := tok["accessToken"].(string); !strings.HasPrefix(at, "aoa") {
		t.Fatalf("create-token: %v", tok)
	}
	// The device poll read the client into the node's cache; the two
	// refreshes find it there.
	rt := tok["refreshToken"].(string)
	for range 2 {
		r := s.cli(t, "sso-oidc", "create-token", "--client-id", id, "--client-secret", secret,
			"--grant-type", "refresh_token", "--refresh-token", rt)
		rt, _ = r["refreshToken"].(string)
	}
	_, metrics := httpGet(t, s.base+"/metrics")
	if !strings.Contains(metrics, `signet_grants_issued_total{grant="urn:ietf:params:oauth:grant-type:device_code",protocol="sso-oidc"} 1`) {
		t.Errorf("the grant is not counted:\n%s", metrics)
	}
	for _, line := range []string{`signet_client_cache_total{result="miss"} 1`, `signet_client_cache_total{result="hit"} 2`} {
		if !strings.Contains(metrics, line) {
			t.Errorf("metrics lack %s:\n%s", line, metrics)
		}
	}
	if code := s.stop(); code != 0 {
		t.Fatalf("exit %d", code)
	}
	logs := s.stderr.String()
	for _, secretValue := range []string{secret, dev["deviceCode"].(string), tok["accessToken"].(string), tok["refreshToken"].(string)} {
		if strings.Contains(logs, secretValue) {
			t.Fatalf("a secret appears in the log:\n%s", logs)
		}
	}
}

// The token broker is mounted when the file names a provider, and only then.
func TestServeMountsTheBrokerWhenConfigured(t *testing.T) {
	file := writeFile(t, `
broker:
  providers:
    - name: figma
      kind: figma
      clients:
        - id: studio
          secret_env: FIGMA_SECRET
          redirect_uris: [https://studio.example.com/callback]
          allowed_principals: ["*"]
`)
	env := map[string]string{"FIGMA_SECRET": "figma-client-secret"}
	for _, tt := range []struct {
		name string
		args []string
		want int
	}{
		{"no providers", nil, http.StatusNotFound},
		// Mounted: the unsigned request gets SigV4's refusal, not a 404.
		{"figma configured", []string{"--config", file}, http.StatusForbidden},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := startServe(t, env, append([]string{"--dev", "--addr", "127.0.0.1:0", "--data-dir", t.TempDir()}, tt.args...)...)
			res, err := http.Post(s.base+"/tokens/figma", "application/json", strings.NewReader(`{}`))
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != tt.want {
				t.Fatalf("POST /tokens/figma: %d, want %d", res.StatusCode, tt.want)
			}
			if code := s.stop(); code != 0 {
				t.Fatalf("exit %d", code)
			}
			if strings.Contains(s.stderr.String(), "figma-client-secret") {
				t.Fatal("the provider's client secret appears in the log")
			}
		})
	}
}

// mapenv is a getenv over a fixed map, so tests never see the machine's
// SIGNET_* variables.
func mapenv(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func writeFile(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "signet.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// parseServe runs serve's configuration path: flags, then the environment
// and file, then validation.
func parseServe(t *testing.T, args []string, env map[string]string) (*config.Config, error) {
	t.Helper()
	var c config.Config
	fs := pflag.NewFlagSet("serve", pflag.ContinueOnError)
	config.ServeFlags(fs, &c)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if err := config.Load(fs, &c, mapenv(env)); err != nil {
		return &c, err
	}
	return &c, c.Validate()
}
