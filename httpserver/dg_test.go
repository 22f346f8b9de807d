package httpserver

import (
	"crypto/tls"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

// fetch is get with the response headers.
func fetch(t *testing.T, c *http.Client, url string, hdr map[string]string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, string(b)
}

// hstsMaxAge returns the max-age of a Strict-Transport-Security header, or
// -1 if there is none.
func hstsMaxAge(h http.Header) int {
	v := h.Get("Strict-Transport-Security")
	for _, d := range strings.Split(v, ";") {
		if n, ok := strings.CutPrefix(strings.TrimSpace(d), "max-age="); ok {
			if age, err := strconv.Atoi(n); err == nil {
				return age
			}
		}
	}
	return -1
}

func TestDG02_HSTSOnEveryHTTPSAnswer(t *testing.T) {
	paths := []string{"/healthz", "/origin", "/no/such/route", "/panic", "/metrics"}

	t.Run("served TLS", func(t *testing.T) {
		s, _ := newServer(t)
		certFile, keyFile, pool := selfSigned(t)
		s.TLSCertFile, s.TLSKeyFile = certFile, keyFile
		base := strings.Replace(serve(t, s), "http://", "https://", 1)
		c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
		for _, p := range paths {
			if _, h, _ := fetch(t, c, base+p, nil); hstsMaxAge(h) < 31536000 {
				t.Errorf("GET %s over TLS: Strict-Transport-Security %q, want max-age ≥ 31536000", p, h.Get("Strict-Transport-Security"))
			}
		}
	})

	t.Run("https issuer behind a trusted proxy", func(t *testing.T) {
		s, _ := newServer(t, "127.0.0.1")
		s.HTTPSIssuer = true
		base := serve(t, s)
		for _, p := range paths {
			for _, hdr := range []map[string]string{nil, {"X-Forwarded-Proto": "https"}} {
				if _, h, _ := fetch(t, http.DefaultClient, base+p, hdr); hstsMaxAge(h) < 31536000 {
					t.Errorf("GET %s via the proxy %v: Strict-Transport-Security %q", p, hdr, h.Get("Strict-Transport-Security"))
				}
			}
		}
		// The proxy says this one came over plain HTTP.
		if _, h, _ := fetch(t, http.DefaultClient, base+"/healthz", map[string]string{"X-Forwarded-Proto": "http"}); h.Get("Strict-Transport-Security") != "" {
			t.Errorf("plain HTTP through the proxy got Strict-Transport-Security %q", h.Get("Strict-Transport-Security"))
		}
	})

	t.Run("plain HTTP never", func(t *testing.T) {
		for _, https := range []bool{false, true} {
			s, _ := newServer(t) // no trusted proxy: the headers are the client's own
			s.HTTPSIssuer = https
			base := serve(t, s)
			for _, p := range paths {
				if _, h, _ := fetch(t, http.DefaultClient, base+p, map[string]string{"X-Forwarded-Proto": "https"}); h.Get("Strict-Transport-Security") != "" {
					t.Errorf("GET %s over plain HTTP (https issuer %v): Strict-Transport-Security %q", p, https, h.Get("Strict-Transport-Security"))
				}
			}
		}
	})
}

func TestDG03_MetricsNotPublic(t *testing.T) {
	s, _ := newServer(t, "127.0.0.1")
	base := serve(t, s)
	s.Metrics.Observer.GrantIssued("sso-oidc", "refresh_token")

	status, _, body := fetch(t, http.DefaultClient, base+"/metrics", map[string]string{"X-Forwarded-For": "203.0.113.9"})
	if status != http.StatusNotFound || strings.Contains(body, "signet_") || strings.Contains(body, "http_requests_total") {
		t.Errorf("internet client through the proxy: status %d, body %.200q; want 404 without metrics", status, body)
	}
	status, _, body = fetch(t, http.DefaultClient, base+"/metrics", nil)
	if status != http.StatusOK || !strings.Contains(body, "signet_grants_issued_total") {
		t.Errorf("loopback client: status %d; want the metrics", status)
	}

	t.Run("own listener", func(t *testing.T) {
		s, _ := newServer(t)
		s.MetricsElsewhere = true
		base := serve(t, s)
		if status, _, body := fetch(t, http.DefaultClient, base+"/metrics", nil); status != http.StatusNotFound || strings.Contains(body, "http_requests_total") {
			t.Errorf("public /metrics with its own listener: status %d", status)
		}
		rec := httptest.NewRecorder()
		s.MetricsHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
		if !strings.Contains(rec.Body.String(), "http_requests_total") {
			t.Errorf("MetricsHandler: %.200q", rec.Body.String())
		}
	})
}

func TestDG01_DevModeAnswersOnlyThisMachine(t *testing.T) {
	s, logs := newServer(t, "127.0.0.1")
	s.LoopbackOnly = "--dev"
	base := serve(t, s)
	for _, p := range []string{"/origin", "/healthz", "/no/such/route"} {
		status, _, body := fetch(t, http.DefaultClient, base+p, map[string]string{"X-Forwarded-For": "203.0.113.9"})
		if status != http.StatusForbidden || strings.Contains(body, "203.0.113.9") {
			t.Errorf("GET %s from 203.0.113.9 through the proxy: status %d %q; want 403", p, status, body)
		}
	}
	if status, _, _ := fetch(t, http.DefaultClient, base+"/origin", nil); status != http.StatusOK {
		t.Errorf("loopback client: status %d, want 200", status)
	}
	if !strings.Contains(logs.String(), "--dev") {
		t.Errorf("the refusal is not logged with the switch: %s", logs.String())
	}
}
