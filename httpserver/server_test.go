package httpserver

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/signet-auth/signet/internal/testsupport"
)

type healthFunc func(context.Context) error

func (f healthFunc) Ready(ctx context.Context) error { return f(ctx) }

// testTable is a Mounter with a fixed table.
type testTable struct{ t Table }

func (t testTable) Routes() Table { return t.t }

// oneRoute is a Mounter of one "METHOD /path" route.
func oneRoute(pattern string, h http.HandlerFunc) Mounter {
	method, path, _ := strings.Cut(pattern, " ")
	return testTable{Table{Surface: "test", Routes: []Route{{Method: method, Path: path, Handler: h}}}}
}

// testRoutes are what the tests exercise behind the middleware.
var testRoutes = testTable{Table{Surface: "test", Routes: []Route{
	{Method: "POST", Path: "/echo", Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if BodyTooLarge(err) {
			http.Error(w, "too large", http.StatusRequestEntityTooLarge)
			return
		}
		fmt.Fprintf(w, "%d", len(b))
	})},
	{Method: "GET", Path: "/origin", Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%s %s", ClientIP(r), ExternalURL(r))
	})},
	{Method: "GET", Path: "/panic", Handler: http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic("detail that must not leak")
	})},
}}}

func newServer(t *testing.T, trusted ...string) (*Server, *testsupport.Logs) {
	t.Helper()
	reg := prometheus.NewRegistry()
	m, err := NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	prefixes, err := ParseTrustedProxies(trusted)
	if err != nil {
		t.Fatal(err)
	}
	logs := &testsupport.Logs{}
	s := &Server{
		Logger:   slog.New(LogHandler(slog.NewJSONHandler(logs, nil))),
		Metrics:  m,
		Gatherer: reg,
		Health:   healthFunc(func(context.Context) error { return nil }),
		Proxies:  Proxies{Trusted: prefixes},
		Mounts:   []Mounter{testRoutes},
		Rand:     rand.Reader,
	}
	return s, logs
}

// serve runs s.Serve on a loopback listener and returns its base URL; the
// server is shut down, and Serve's result checked, when the test ends.
func serve(t *testing.T, s *Server) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve after shutdown: %v", err)
		}
	})
	return "http://" + ln.Addr().String()
}

func get(t *testing.T, url string, hdr map[string]string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func TestIN01_BodyOverLimit(t *testing.T) {
	s, _ := newServer(t)
	base := serve(t, s)
	big := bytes.Repeat([]byte("a"), 1<<20)
	tests := []struct {
		name    string
		body    io.Reader
		length  int64 // -1: unknown, sent chunked
		want    int
		wantLen string
	}{
		{"small", bytes.NewReader([]byte("hello")), 5, http.StatusOK, "5"},
		{"exactly the limit", bytes.NewReader(big[:DefaultMaxBodyBytes]), DefaultMaxBodyBytes, http.StatusOK, "65536"},
		{"declared 1 MiB", bytes.NewReader(big), int64(len(big)), http.StatusRequestEntityTooLarge, ""},
		{"chunked 1 MiB", io.MultiReader(bytes.NewReader(big)), -1, http.StatusRequestEntityTooLarge, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodPost, base+"/echo", tt.body)
			if err != nil {
				t.Fatal(err)
			}
			req.ContentLength = tt.length
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			b, _ := io.ReadAll(res.Body)
			if res.StatusCode != tt.want {
				t.Fatalf("status %d, want %d", res.StatusCode, tt.want)
			}
			if tt.wantLen != "" && string(b) != tt.wantLen {
				t.Fatalf("handler read %q bytes, want %s", b, tt.wantLen)
			}
			// Over the cap, declared or not, the handler answers in its own
			// shape: the shell hands it a body that fails at the first read.
			if tt.want == http.StatusRequestEntityTooLarge && string(b) != "too large\n" {
				t.Fatalf("answered %q, want the handler's own refusal", b)
			}
		})
	}
}

func TestIN07_OversizedHeaderGets431(t *testing.T) {
	s, _ := newServer(t)
	base := serve(t, s)
	for _, name := range []string{"DPoP", "Cookie", "X-Padding"} {
		t.Run(name, func(t *testing.T) {
			status, _ := get(t, base+"/healthz", map[string]string{name: strings.Repeat("x", 64<<10)})
			if status != http.StatusRequestHeaderFieldsTooLarge {
				t.Fatalf("status %d, want 431", status)
			}
		})
	}
	if status, _ := get(t, base+"/healthz", map[string]string{"DPoP": strings.Repeat("x", 4<<10)}); status != http.StatusOK {
		t.Fatalf("a 4 KiB header: status %d, want 200", status)
	}
}

func TestIN08_ForwardedHeadersOnlyFromTrustedProxies(t *testing.T) {
	forwarded := map[string]string{
		"X-Forwarded-For":   "203.0.113.7",
		"X-Forwarded-Proto": "https",
		"X-Forwarded-Host":  "evil.example",
	}
	tests := []struct {
		name    string
		trusted []string
		want    string // "<client ip> <external url>", %s is the listener's host:port
	}{
		{"no proxies configured", nil, "127.0.0.1 http://%s"},
		{"peer not in the trusted list", []string{"10.0.0.0/8", "::1/128"}, "127.0.0.1 http://%s"},
		{"peer is a trusted proxy", []string{"127.0.0.1/32"}, "203.0.113.7 https://evil.example"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newServer(t, tt.trusted...)
			base := serve(t, s)
			_, body := get(t, base+"/origin", forwarded)
			want := tt.want
			if strings.Contains(want, "%s") {
				want = fmt.Sprintf(want, strings.TrimPrefix(base, "http://"))
			}
			if body != want {
				t.Fatalf("origin %q, want %q", body, want)
			}
		})
	}
}

func TestResolve(t *testing.T) {
	trusted, err := ParseTrustedProxies([]string{"10.0.0.0/8", "2001:db8:ffff::/48", "192.0.2.10"})
	if err != nil {
		t.Fatal(err)
	}
	p := Proxies{Trusted: trusted}
	tests := []struct {
		name   string
		remote string
		hdr    map[string][]string
		want   Origin
	}{
		{"direct IPv4", "198.51.100.1:1234", nil, Origin{netip.MustParseAddr("198.51.100.1"), "http", "signet.test"}},
		{"IPv4-mapped IPv6 peer folded", "[::ffff:198.51.100.1]:1234", nil, Origin{netip.MustParseAddr("198.51.100.1"), "http", "signet.test"}},
		{"untrusted peer's headers ignored", "198.51.100.1:1", map[string][]string{
			"X-Forwarded-For": {"1.2.3.4"}, "X-Forwarded-Host": {"a.example"}, "X-Forwarded-Proto": {"https"},
		}, Origin{netip.MustParseAddr("198.51.100.1"), "http", "signet.test"}},
		{"trusted peer, spoofed left entries skipped", "10.1.1.1:1", map[string][]string{
			"X-Forwarded-For": {"6.6.6.6, 203.0.113.9", "10.2.2.2"},
		}, Origin{netip.MustParseAddr("203.0.113.9"), "http", "signet.test"}},
		{"all hops trusted", "10.1.1.1:1", map[string][]string{"X-Forwarded-For": {"192.0.2.10"}},
			Origin{netip.MustParseAddr("192.0.2.10"), "http", "signet.test"}},
		{"garbage hop stops the walk", "10.1.1.1:1", map[string][]string{"X-Forwarded-For": {"1.1.1.1, nonsense"}},
			Origin{netip.MustParseAddr("10.1.1.1"), "http", "signet.test"}},
		{"mixed-case IPv6 client canonical", "[2001:db8:ffff::1]:1", map[string][]string{"X-Forwarded-For": {"2001:DB8:1::ABCD"}},
			Origin{netip.MustParseAddr("2001:db8:1::abcd"), "http", "signet.test"}},
		{"last proto and host win", "10.1.1.1:1", map[string][]string{
			"X-Forwarded-Proto": {"http, HTTPS"}, "X-Forwarded-Host": {"spoof.example", "signet.example:8443"},
		}, Origin{netip.MustParseAddr("10.1.1.1"), "https", "signet.example:8443"}},
		{"bad proto and host ignored", "10.1.1.1:1", map[string][]string{
			"X-Forwarded-Proto": {"javascript"}, "X-Forwarded-Host": {"a.example/path@b"},
		}, Origin{netip.MustParseAddr("10.1.1.1"), "http", "signet.test"}},
		{"bracketed IPv6 host", "10.1.1.1:1", map[string][]string{"X-Forwarded-Host": {"[2001:db8::1]:443"}},
			Origin{netip.MustParseAddr("10.1.1.1"), "http", "[2001:db8::1]:443"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "http://signet.test/", nil)
			r.RemoteAddr = tt.remote
			for k, vs := range tt.hdr {
				for _, v := range vs {
					r.Header.Add(k, v)
				}
			}
			if got := p.Resolve(r); got != tt.want {
				t.Fatalf("Resolve = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestParseTrustedProxies(t *testing.T) {
	tests := []struct {
		in      string
		want    string
		wantErr bool
	}{
		{"10.0.0.0/8", "10.0.0.0/8", false},
		{"10.1.2.3/8", "10.0.0.0/8", false},
		{"192.0.2.1", "192.0.2.1/32", false},
		{"::ffff:10.0.0.0/104", "10.0.0.0/8", false},
		{"fd00::/8", "fd00::/8", false},
		{"example.com", "", true},
		{"10.0.0.0/33", "", true},
	}
	for _, tt := range tests {
		got, err := ParseTrustedProxies([]string{tt.in})
		if (err != nil) != tt.wantErr {
			t.Fatalf("%q: err %v, wantErr %v", tt.in, err, tt.wantErr)
		}
		if err == nil && got[0].String() != tt.want {
			t.Errorf("%q: got %s, want %s", tt.in, got[0], tt.want)
		}
	}
}

func TestPanicIs500WithoutDetail(t *testing.T) {
	s, logs := newServer(t)
	base := serve(t, s)
	status, body := get(t, base+"/panic", nil)
	if status != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500", status)
	}
	if strings.Contains(body, "must not leak") || strings.Contains(body, "goroutine") {
		t.Fatalf("500 body leaks the panic: %q", body)
	}
	if !strings.Contains(logs.String(), "detail that must not leak") {
		t.Fatalf("the panic is not in the log")
	}
	if !strings.Contains(logs.String(), `"route":"GET /panic","status":500`) {
		t.Fatalf("the access log does not record the 500:\n%s", logs)
	}
	if status, _ := get(t, base+"/healthz", nil); status != http.StatusOK {
		t.Fatalf("server unusable after a panic: %d", status)
	}
}

func TestMetricsCountRequests(t *testing.T) {
	s, _ := newServer(t)
	base := serve(t, s)
	for range 3 {
		get(t, base+"/healthz", nil)
	}
	get(t, base+"/no/such/route", nil)
	s.Metrics.Observer.GrantIssued("sso-oidc", "refresh_token")
	_, body := get(t, base+"/metrics", nil)
	for _, want := range []string{
		`http_requests_total{method="GET",route="GET /healthz",status="200"} 3`,
		`http_requests_total{method="GET",route="unmatched",status="404"} 1`,
		`http_request_duration_seconds_count{route="GET /healthz"} 3`,
		`signet_grants_issued_total{grant="refresh_token",protocol="sso-oidc"} 1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

func TestReadyz(t *testing.T) {
	tests := []struct {
		name   string
		health func(context.Context) error
		want   int
	}{
		{"store ready", func(context.Context) error { return nil }, http.StatusOK},
		{"store down", func(context.Context) error { return errors.New("db: connection refused") }, http.StatusServiceUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newServer(t)
			s.Health = healthFunc(tt.health)
			rec := httptest.NewRecorder()
			s.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
			if rec.Code != tt.want {
				t.Fatalf("status %d, want %d", rec.Code, tt.want)
			}
			if strings.Contains(rec.Body.String(), "connection refused") {
				t.Fatalf("readyz leaks the cause: %q", rec.Body)
			}
		})
	}
}

func TestAccessLogKeepsSecretsOut(t *testing.T) {
	s, logs := newServer(t)
	req := httptest.NewRequest(http.MethodGet, "/healthz?code=sac_querysecret", nil)
	req.Header.Set("Authorization", "Bearer aoa_authsecret")
	req.Header.Set("Cookie", "sid=sbs_cookiesecret")
	req.Header.Set("DPoP", "eyJdpopsecret")
	req.Header.Set("X-Amz-Security-Token", "sessionsecret")
	req.Header.Set("X-Request-Id", "chosen-by-client")
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)

	out := logs.String()
	for _, secret := range []string{"querysecret", "authsecret", "cookiesecret", "dpopsecret", "sessionsecret"} {
		if strings.Contains(out, secret) {
			t.Errorf("log contains %q:\n%s", secret, out)
		}
	}
	id := rec.Header().Get("X-Request-Id")
	if id == "" || id == "chosen-by-client" {
		t.Fatalf("request id %q: want a fresh one (the peer is not a trusted proxy)", id)
	}
	if !strings.Contains(out, `"request_id":"`+id+`"`) {
		t.Fatalf("log line lacks the request id %s:\n%s", id, out)
	}
}

func TestRequestIDFromTrustedProxy(t *testing.T) {
	s, _ := newServer(t, "192.0.2.0/24")
	for _, tt := range []struct{ in, want string }{
		{"abc-123", "abc-123"},
		{"bad id with spaces", ""},
	} {
		req := httptest.NewRequest(http.MethodGet, "/healthz", nil) // RemoteAddr 192.0.2.1
		req.Header.Set("X-Request-Id", tt.in)
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, req)
		got := rec.Header().Get("X-Request-Id")
		if tt.want != "" && got != tt.want || tt.want == "" && (got == tt.in || got == "") {
			t.Errorf("X-Request-Id %q -> %q", tt.in, got)
		}
	}
}

func TestSecurityHeaders(t *testing.T) {
	h := http.Header{}
	SecureHTML(h)
	NoStore(h)
	for k, v := range map[string]string{
		"X-Frame-Options":        "DENY",
		"X-Content-Type-Options": "nosniff",
		"Referrer-Policy":        "no-referrer",
		"Cache-Control":          "no-store",
	} {
		if h.Get(k) != v {
			t.Errorf("%s = %q, want %q", k, h.Get(k), v)
		}
	}
	csp := h.Get("Content-Security-Policy")
	if !strings.Contains(csp, "default-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("CSP %q", csp)
	}
}

func FuzzResolve(f *testing.F) {
	f.Add("10.0.0.1:80", "1.2.3.4, 10.0.0.2", "https", "signet.example:443")
	f.Add("[::ffff:10.0.0.1]:80", "::1,,garbage", "HTTP", "[::1]")
	f.Add("10.0.0.1:80", "", "", "a/b@c")
	p := Proxies{Trusted: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}
	f.Fuzz(func(t *testing.T, remote, xff, proto, host string) {
		r := httptest.NewRequest(http.MethodGet, "http://signet.test/", nil)
		r.RemoteAddr = remote
		r.Header.Set("X-Forwarded-For", xff)
		r.Header.Set("X-Forwarded-Proto", proto)
		r.Header.Set("X-Forwarded-Host", host)
		o := p.Resolve(r)
		if o.Scheme != "http" && o.Scheme != "https" {
			t.Fatalf("scheme %q", o.Scheme)
		}
		if o.Host != "signet.test" && !validHost(o.Host) {
			t.Fatalf("host %q", o.Host)
		}
		if o.ClientIP.IsValid() && (o.ClientIP.Is4In6() || o.ClientIP.Zone() != "") {
			t.Fatalf("client ip not canonical: %s", o.ClientIP)
		}
	})
}

func TestWrapSeesRequestsBeforeTheMux(t *testing.T) {
	s, _ := newServer(t)
	s.Wrap = func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("X-Intercept") != "" {
				io.WriteString(w, "wrapped")
				return
			}
			next.ServeHTTP(w, r)
		})
	}
	for _, tt := range []struct{ intercept, want string }{{"yes", "wrapped"}, {"", "ok\n"}} {
		req := httptest.NewRequest(http.MethodGet, "/healthz", nil)
		if tt.intercept != "" {
			req.Header.Set("X-Intercept", tt.intercept)
		}
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, req)
		if rec.Body.String() != tt.want || rec.Header().Get("X-Request-Id") == "" {
			t.Errorf("intercept %q: body %q, request id %q", tt.intercept, rec.Body, rec.Header().Get("X-Request-Id"))
		}
	}
}
