package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/signet-auth/signet/internal/config"
)

// healthcheck runs `signet healthcheck args...` with env and returns the
// exit code and standard error.
func healthcheck(t *testing.T, env map[string]string, args ...string) (int, string) {
	t.Helper()
	var stderr strings.Builder
	code := run(t.Context(), append([]string{"healthcheck"}, args...), mapenv(env), strings.NewReader(""), &stderr, &stderr)
	return code, stderr.String()
}

// A running server is healthy, found through SIGNET_ADDR as the image sets
// it; once it has stopped, the check fails.
func TestHealthcheckAgainstTheServer(t *testing.T) {
	s := startServe(t, nil, "--dev", "--addr", "127.0.0.1:0", "--data-dir", t.TempDir())
	addr := strings.TrimPrefix(s.base, "http://")
	if code, out := healthcheck(t, map[string]string{"SIGNET_ADDR": addr}); code != 0 {
		t.Fatalf("healthy server: exit %d: %s", code, out)
	}
	if code, out := healthcheck(t, nil, "--url", s.base+"/readyz"); code != 0 {
		t.Fatalf("--url: exit %d: %s", code, out)
	}
	if code := s.stop(); code != 0 {
		t.Fatalf("serve exit %d", code)
	}
	if code, _ := healthcheck(t, map[string]string{"SIGNET_ADDR": addr}); code == 0 {
		t.Fatal("a stopped server passed the check")
	}
}

// Anything but 200 fails, a redirect included; an answer that never comes
// fails within --timeout.
func TestHealthcheckFailures(t *testing.T) {
	for _, status := range []int{http.StatusServiceUnavailable, http.StatusFound, http.StatusNotFound} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if status == http.StatusFound {
				http.Redirect(w, r, "/ok", status)
				return
			}
			http.Error(w, "not ready", status)
		}))
		code, out := healthcheck(t, nil, "--url", srv.URL+"/readyz")
		srv.Close()
		if code != 1 || !strings.Contains(out, http.StatusText(status)) {
			t.Errorf("status %d: exit %d: %s", status, code, out)
		}
	}

	release := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { <-release }))
	defer hang.Close()
	defer close(release)
	start := time.Now()
	code, out := healthcheck(t, nil, "--url", hang.URL+"/readyz", "--timeout", "300ms")
	if code != 1 || !strings.Contains(out, "no answer within 300ms") {
		t.Errorf("hanging server: exit %d: %s", code, out)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the check took %s", d)
	}
}

func TestReadyzURL(t *testing.T) {
	for addr, want := range map[string]string{
		"":               "http://" + config.DefaultAddr + "/readyz",
		"0.0.0.0:8400":   "http://127.0.0.1:8400/readyz",
		":9000":          "http://127.0.0.1:9000/readyz",
		"[::]:8400":      "http://[::1]:8400/readyz",
		"10.0.0.5:8400":  "http://10.0.0.5:8400/readyz",
		"localhost:8401": "http://localhost:8401/readyz",
	} {
		if got, err := readyzURL(addr); err != nil || got != want {
			t.Errorf("readyzURL(%q) = %q, %v; want %q", addr, got, err, want)
		}
	}
	if _, err := readyzURL("no-port"); err == nil {
		t.Error("an address without a port was accepted")
	}
}
