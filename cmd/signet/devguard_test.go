package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/signet-auth/signet/internal/config"
)

const testMasterKey = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

// TestDG01_DevSwitchesRefusedBehindAProxy: a loopback --addr is not enough
// for the development switches; the README's own reverse-proxy setup
// (loopback --addr, https --issuer, --trusted-proxy) must refuse them at
// start, naming the flag, unless the switch's -force is given.
func TestDG01_DevSwitchesRefusedBehindAProxy(t *testing.T) {
	base := []string{"--addr", "127.0.0.1:8400", "--data-dir", t.TempDir()}
	refused := []struct {
		args  []string
		flags []string
	}{
		{[]string{"--dev", "--trusted-proxy", "127.0.0.1"}, []string{"--dev"}},
		{[]string{"--dev", "--issuer", "https://signet.example"}, []string{"--dev"}},
		{[]string{"--dev", "--issuer", "http://localhost.example:8400"}, []string{"--dev"}},
		{[]string{"--dev", "--issuer", "https://127.0.0.1:8443"}, []string{"--dev"}}, // TLS served by someone else
		{[]string{"--dev", "--dev-auto-approve", "--issuer", "https://signet.example", "--trusted-proxy", "10.0.0.0/8"}, []string{"--dev", "--dev-auto-approve"}},
		{[]string{"--sigv4-emulation", "--issuer", "https://signet.example"}, []string{"--sigv4-emulation"}},
		{[]string{"--sigv4-emulation", "--trusted-proxy", "127.0.0.1"}, []string{"--sigv4-emulation"}},
	}
	for _, tc := range refused {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			_, err := parseServe(t, append(base, tc.args...), nil)
			if err == nil {
				t.Fatal("accepted")
			}
			for _, f := range tc.flags {
				if !strings.Contains(err.Error(), f+" is for a server only this machine reaches") {
					t.Errorf("error does not name %s: %v", f, err)
				}
			}
		})
	}
	accepted := [][]string{
		{"--dev"},
		{"--dev", "--dev-auto-approve", "--issuer", "http://127.0.0.1:8400"},
		{"--dev", "--issuer", "http://localhost:8400"},
		{"--dev", "--tls-cert", "c.pem", "--tls-key", "k.pem", "--issuer", "https://127.0.0.1:8400"},
		{"--sigv4-emulation", "--sigv4-emulation-force", "--issuer", "https://signet.example", "--trusted-proxy", "127.0.0.1"},
		{"--issuer", "https://signet.example", "--trusted-proxy", "127.0.0.1"},
	}
	for _, args := range accepted {
		if _, err := parseServe(t, append(base, args...), nil); err != nil {
			t.Errorf("%v refused: %v", args, err)
		}
	}

	t.Run("fail-points behind a proxy", func(t *testing.T) {
		var stderr bytes.Buffer
		code := run(context.Background(), append([]string{"serve", "--dev", "--trusted-proxy", "127.0.0.1"}, base...),
			mapenv(map[string]string{"SIGNET_FAILPOINTS": "grant-committed=kill"}), nil, io.Discard, &stderr)
		if code == 0 || !strings.Contains(stderr.String(), "--dev is for a server only this machine reaches") {
			t.Fatalf("exit %d, stderr %q", code, stderr.String())
		}
	})
}

// TestDG01_ForcedEmulationLogsAnError: the one override starts, says so at
// error level, and sets no loopback guard (the operator chose to serve
// others); without the override the guard is on.
func TestDG01_ForcedEmulationLogsAnError(t *testing.T) {
	s := startServe(t, map[string]string{"SIGNET_MASTER_KEY": testMasterKey},
		"--sigv4-emulation", "--sigv4-emulation-force", "--addr", "127.0.0.1:0", "--data-dir", t.TempDir(),
		"--issuer", "https://signet.example", "--trusted-proxy", "127.0.0.1")
	s.stop()
	if !regexp.MustCompile(`level=ERROR msg="SigV4 emulation`).MatchString(s.stderr.String()) {
		t.Errorf("no error-level warning for the forced emulation:\n%s", s.stderr)
	}
	for _, tc := range []struct {
		c    config.Config
		want string
	}{
		{config.Config{Dev: true}, "--dev"},
		{config.Config{Dev: true, SigV4Emulation: true, SigV4EmulationForce: true}, "--dev"},
		{config.Config{SigV4Emulation: true}, "--sigv4-emulation"},
		{config.Config{SigV4Emulation: true, SigV4EmulationForce: true}, ""},
		{config.Config{}, ""},
	} {
		if got := tc.c.LoopbackOnlySwitch(); got != tc.want {
			t.Errorf("%+v: loopback guard %q, want %q", tc.c, got, tc.want)
		}
	}
}

var metricsAddrRe = regexp.MustCompile(`msg=metrics addr=(http://\S+/metrics)`)

// TestDG03_MetricsOffThePublicListener: behind the README's proxy setup,
// an internet client does not get /metrics; with --metrics-addr the public
// listener has none at all and the metrics listener has them.
func TestDG03_MetricsOffThePublicListener(t *testing.T) {
	s := startServe(t, map[string]string{"SIGNET_MASTER_KEY": testMasterKey},
		"--addr", "127.0.0.1:0", "--data-dir", t.TempDir(), "--issuer", "https://signet.example", "--trusted-proxy", "127.0.0.1")
	req, _ := http.NewRequest(http.MethodGet, s.base+"/metrics", nil)
	req.Header.Set("X-Forwarded-For", "203.0.113.9")
	req.Header.Set("X-Forwarded-Proto", "https")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusNotFound || strings.Contains(string(b), "signet_") {
		t.Errorf("internet client: %d %.200q; want 404", res.StatusCode, b)
	}
	// DG-02 on the way: the https issuer behind the trusted proxy.
	if res.Header.Get("Strict-Transport-Security") == "" {
		t.Errorf("no Strict-Transport-Security behind the proxy for an https issuer")
	}
	s.stop()

	s = startServe(t, nil, "--dev", "--addr", "127.0.0.1:0", "--data-dir", t.TempDir(), "--metrics-addr", "127.0.0.1:0")
	httpGet(t, s.base+"/healthz")
	if status, _ := httpGet(t, s.base+"/metrics"); status != http.StatusNotFound {
		t.Errorf("public /metrics with --metrics-addr: %d, want 404", status)
	}
	m := metricsAddrRe.FindStringSubmatch(s.stderr.String())
	if m == nil {
		t.Fatalf("no metrics listener in the log:\n%s", s.stderr)
	}
	if status, body := httpGet(t, m[1]); status != http.StatusOK || !strings.Contains(body, `route="GET /healthz"`) {
		t.Errorf("GET %s: %d %.300q", m[1], status, body)
	}
	if _, err := parseServe(t, []string{"--metrics-addr", "nonsense"}, nil); err == nil || !strings.Contains(err.Error(), "--metrics-addr") {
		t.Errorf("bad --metrics-addr: %v", err)
	}
}
