package broker_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/broker"
	"github.com/signet-auth/signet/broker/brokertest"
)

// The documented Figma flow: a code exchanged once with Basic client
// authentication and a form body, then a refresh.
func TestFigmaExchangeAndRefresh(t *testing.T) {
	e := newEnv(t, nil)
	code := e.up.IssueCode(studioID, redirect)
	tok, err := e.exchange(code, redirect, "")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(tok.AccessToken, "figu_") || !strings.HasPrefix(tok.RefreshToken, "figur_") || tok.ExpiresIn != brokertest.ExpiresIn {
		t.Fatalf("tokens %+v", tok)
	}
	r, form := e.up.Last(brokertest.FigmaTokenPath)
	if id, sec, ok := r.BasicAuth(); !ok || id != studioID || sec != studioSecret {
		t.Fatalf("client authentication: basic %v %q", ok, id)
	}
	if form.Has("client_secret") || form.Has("client_id") || form.Get("grant_type") != "authorization_code" || form.Get("redirect_uri") != redirect || form.Get("code") != code {
		t.Fatalf("token request form %v", form)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
		t.Fatalf("Content-Type %q", ct)
	}

	ref, err := e.refresh(tok.RefreshToken, "")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(ref.AccessToken, "figu_") || ref.AccessToken == tok.AccessToken || ref.RefreshToken != "" || ref.ExpiresIn != brokertest.ExpiresIn {
		t.Fatalf("refreshed %+v", ref)
	}
	_, form = e.up.Last(brokertest.FigmaRefreshPath)
	if len(form) != 1 || form.Get("refresh_token") != tok.RefreshToken {
		t.Fatalf("refresh form %v", form)
	}
	want := []string{"figma ExchangeCodeForToken success", "figma RefreshToken success"}
	if got := e.obs.all(); !slices.Equal(got, want) {
		t.Fatalf("observations %v", got)
	}
}

// A generic RFC 6749 provider with either client authentication method;
// Basic encodes id and secret per §2.3.1 first.
func TestOAuth2Provider(t *testing.T) {
	const id, sec = "app:1 é", "s+/=&%secret"
	for _, method := range []broker.AuthMethod{broker.AuthBasic, broker.AuthPost} {
		t.Run(string(method), func(t *testing.T) {
			up := brokertest.NewUpstream(t, map[string]string{id: sec})
			b, err := broker.New(broker.Config{
				Upstream: broker.UpstreamConfig{AllowPrivateNetworks: true},
				Providers: []broker.ProviderConfig{{Name: "corp-sso", Kind: broker.KindOAuth2, TokenURL: up.URL() + brokertest.OAuth2TokenPath, AuthMethod: method,
					Clients: []broker.ClientConfig{{ID: id, Secret: sec, RedirectURIs: []string{redirect}, AllowedPrincipals: []string{"*"}}}}},
			}, broker.Options{Clock: signet.SystemClock{}, RootCAs: up.RootCAs()})
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			tok, err := b.Exchange(context.Background(), broker.ExchangeRequest{Provider: "corp-sso", Code: up.IssueCode(id, redirect), RedirectURI: redirect, Principal: mallory})
			if err != nil {
				t.Fatal(err)
			}
			r, form := up.Last(brokertest.OAuth2TokenPath)
			if _, _, basic := r.BasicAuth(); basic != (method == broker.AuthBasic) || form.Has("client_secret") == basic {
				t.Fatalf("%s: basic %v, form %v", method, basic, form.Has("client_secret"))
			}
			if _, err := b.Refresh(context.Background(), broker.RefreshRequest{Provider: "corp-sso", RefreshToken: tok.RefreshToken, Principal: mallory}); err != nil {
				t.Fatal(err)
			}
			if _, form = up.Last(brokertest.OAuth2TokenPath); form.Get("grant_type") != "refresh_token" {
				t.Fatalf("refresh form %v", form)
			}
		})
	}
}

func TestBR01_UnknownProviderRefusedWithoutUpstreamCall(t *testing.T) {
	e := newEnv(t, nil)
	code := e.up.IssueCode(studioID, redirect)
	for _, name := range []string{"github", "Figma", "FIGMA", "figma/..", "figma%2f..", "figma ", "", strings.Repeat("f", 1024), "unknown"} {
		_, err := e.b.Exchange(context.Background(), broker.ExchangeRequest{Provider: name, Code: code, RedirectURI: redirect, Principal: alice})
		ex := wantCode(t, err, signet.CodeInvalidRequest)
		_, err = e.b.Refresh(context.Background(), broker.RefreshRequest{Provider: name, RefreshToken: "figur_x", Principal: alice})
		wantCode(t, err, signet.CodeInvalidRequest)
		if name != "" && strings.Contains(ex.Message, name) {
			t.Fatalf("message echoes the provider: %q", ex.Message)
		}
	}
	if n := e.up.Calls(""); n != 0 {
		t.Fatalf("%d upstream calls", n)
	}
	for _, o := range e.obs.all() {
		if !strings.HasPrefix(o, "unknown ") {
			t.Fatalf("metric label carries caller input: %q", o)
		}
	}
}

func TestBR02_RedirectURINotAllowlisted(t *testing.T) {
	e := newEnv(t, nil)
	for _, uri := range []string{
		"http://169.254.169.254/latest/meta-data/", "file:///etc/passwd", "https://attacker.example/cb",
		redirect + "/", strings.ToUpper(redirect), redirect + "?x=1", redirect + "#f", "", strings.Repeat("a", 4096),
	} {
		code := e.up.IssueCode(studioID, uri)
		_, err := e.exchange(code, uri, "")
		wantCode(t, err, signet.CodeInvalidRequest)
	}
	// The partner client lists only the first URI.
	_, err := e.b.Exchange(context.Background(), broker.ExchangeRequest{Provider: "figma", Code: "c0de-partner", RedirectURI: redirect2, ClientID: partnerID, Principal: mallory})
	wantCode(t, err, signet.CodeInvalidRequest)
	if n := e.up.Calls(""); n != 0 {
		t.Fatalf("%d upstream calls", n)
	}
}

func TestBR03_RedirectsNotFollowed(t *testing.T) {
	var internalHits atomic.Int32
	internal := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { internalHits.Add(1) }))
	defer internal.Close()
	e := newEnv(t, nil)
	e.up.Script(brokertest.Redirect(internal.URL+"/latest/meta-data/"), brokertest.Redirect("http://169.254.169.254/"))
	_, err := e.exchange(e.up.IssueCode(studioID, redirect), redirect, "")
	wantCode(t, err, signet.CodeUnavailable)
	_, err = e.refresh(e.up.IssueRefreshToken(studioID), "")
	wantCode(t, err, signet.CodeUnavailable)
	if internalHits.Load() != 0 {
		t.Fatal("the redirect was followed")
	}
}

func TestBR03_InternalAddressesRefusedAfterResolution(t *testing.T) {
	up := brokertest.NewUpstream(t, map[string]string{studioID: studioSecret})
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(up.URL(), "https://"))
	for _, host := range []string{
		"127.0.0.1:" + port, // the fake itself: reachable, but loopback
		"localhost:" + port, // a name that resolves to loopback
		"10.0.0.1:443", "172.16.0.1:443", "192.168.1.1:443", "100.64.0.1:443",
		"169.254.169.254:443", "[fd00::1]:443", "[::1]:" + port, "[::ffff:127.0.0.1]:" + port, "0.0.0.0:" + port,
	} {
		t.Run(host, func(t *testing.T) {
			cfg := figmaConfig(up)
			cfg.Upstream.AllowPrivateNetworks = false
			cfg.Providers[0].TokenURL = "https://" + host + brokertest.FigmaTokenPath
			cfg.Providers[0].RefreshURL = "https://" + host + brokertest.FigmaRefreshPath
			b, err := broker.New(cfg, broker.Options{Clock: signet.SystemClock{}, RootCAs: up.RootCAs(), Secrets: broker.SecretSource{Getenv: func(string) string { return partnerSecret }}})
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			_, err = b.Exchange(context.Background(), broker.ExchangeRequest{Provider: "figma", Code: up.IssueCode(studioID, redirect), RedirectURI: redirect, Principal: alice})
			wantCode(t, err, signet.CodeUnavailable)
			_, err = b.Refresh(context.Background(), broker.RefreshRequest{Provider: "figma", RefreshToken: "figur_x", Principal: alice})
			wantCode(t, err, signet.CodeUnavailable)
		})
	}
	if n := up.Calls(""); n != 0 {
		t.Fatalf("%d calls reached the loopback upstream", n)
	}
}

// Plain http, user info and non-http schemes are refused in configuration;
// http only to loopback with the private-network switch.
func TestBR03_UpstreamURLFromConfigOnly(t *testing.T) {
	for _, c := range []struct {
		url          string
		allowPrivate bool
		ok           bool
	}{
		{"https://api.figma.com/v1/oauth/token", false, true},
		{"http://api.figma.com/v1/oauth/token", false, false},
		{"http://127.0.0.1:8080/token", false, false},
		{"http://127.0.0.1:8080/token", true, true},
		{"http://localhost:8080/token", true, true},
		{"http://10.0.0.5/token", true, false},
		{"https://user:pass@api.figma.com/token", false, false},
		{"https://api.figma.com/token#frag", false, false},
		{"file:///etc/passwd", true, false},
		{"gopher://api.figma.com/", false, false},
		{"/relative", false, false},
	} {
		cfg := broker.Config{Upstream: broker.UpstreamConfig{AllowPrivateNetworks: c.allowPrivate},
			Providers: []broker.ProviderConfig{{Name: "p", Kind: broker.KindOAuth2, TokenURL: c.url,
				Clients: []broker.ClientConfig{{ID: "c", Secret: "s", RedirectURIs: []string{redirect}, AllowedPrincipals: []string{"*"}}}}}}
		if err := cfg.Validate(); (err == nil) != c.ok {
			t.Errorf("%s (private %v): err = %v", c.url, c.allowPrivate, err)
		}
	}
}

// A certificate the broker does not trust ends the call at the handshake.
func TestBR03_TLSVerified(t *testing.T) {
	e := newEnv(t, nil)
	b, err := broker.New(e.cfg, broker.Options{Clock: e.clock, Secrets: broker.SecretSource{Getenv: func(string) string { return partnerSecret }}}) // system roots only
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	_, err = b.Exchange(context.Background(), broker.ExchangeRequest{Provider: "figma", Code: e.up.IssueCode(studioID, redirect), RedirectURI: redirect, Principal: alice})
	wantCode(t, err, signet.CodeUnavailable)
	if n := e.up.Calls(""); n != 0 {
		t.Fatalf("%d requests reached the upstream over unverified TLS", n)
	}
}

func short(c *broker.Config) {
	c.Upstream.ConnectTimeout = 300 * time.Millisecond
	c.Upstream.Timeout = 300 * time.Millisecond
}

func TestBR04_UpstreamNeverAnswers(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	for _, c := range []struct {
		name string
		b    brokertest.Behavior
	}{
		{"no answer", brokertest.Hang()},
		{"dripped body", brokertest.Drip(20 * time.Millisecond)},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, short)
			e.up.Script(c.b, c.b)
			_, err := e.exchange(e.up.IssueCode(studioID, redirect), redirect, "")
			wantCode(t, err, signet.CodeUnavailable)
			_, err = e.refresh(e.up.IssueRefreshToken(studioID), "")
			wantCode(t, err, signet.CodeUnavailable)
			// The upstream saw both calls end: timeouts cancel the request.
			eventually(t, func() bool { return e.up.Cancelled() == 2 })
			if n := e.up.Calls(""); n != 2 {
				t.Fatalf("%d upstream calls: a timed-out call was retried", n)
			}
			if got := e.obs.all(); !slices.Equal(got, []string{"figma ExchangeCodeForToken timeout", "figma RefreshToken timeout"}) {
				t.Fatalf("observations %v\n%s", got, e.logs.String())
			}
			e.b.Close()
			e.up.Close()
		})
	}
}

// A peer that accepts TCP and never speaks TLS.
func TestBR04_TLSHandshakeHangs(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns []net.Conn
	accepted := make(chan struct{})
	go func() {
		defer close(accepted)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
		}
	}()
	e := newEnv(t, func(c *broker.Config) {
		short(c)
		c.Providers[0].TokenURL = "https://" + ln.Addr().String() + "/v1/oauth/token"
	})
	_, err = e.exchange("figcode_whatever", redirect, "")
	wantCode(t, err, signet.CodeUnavailable)
	ln.Close()
	<-accepted
	for _, c := range conns {
		c.Close()
	}
	e.b.Close()
	e.up.Close()
}

// The caller's cancellation reaches the upstream request.
func TestBR04_CallerDisconnectCancelsUpstream(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	e := newEnv(t, nil)
	entered := make(chan struct{}, 2)
	hangEntered := func(u *brokertest.Upstream, w http.ResponseWriter, r *http.Request) {
		entered <- struct{}{}
		brokertest.Hang()(u, w, r)
	}
	e.up.Script(hangEntered, hangEntered)
	for i, call := range []func(ctx context.Context) error{
		func(ctx context.Context) error {
			_, err := e.b.Exchange(ctx, broker.ExchangeRequest{Provider: "figma", Code: e.up.IssueCode(studioID, redirect), RedirectURI: redirect, Principal: alice})
			return err
		},
		func(ctx context.Context) error {
			_, err := e.b.Refresh(ctx, broker.RefreshRequest{Provider: "figma", RefreshToken: e.up.IssueRefreshToken(studioID), Principal: alice})
			return err
		},
	} {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error)
		go func() { done <- call(ctx) }()
		<-entered
		cancel()
		if err := <-done; err == nil {
			t.Fatal("a cancelled call succeeded")
		}
		eventually(t, func() bool { return e.up.Cancelled() == i+1 })
	}
	if got := e.obs.all(); !slices.Equal(got, []string{"figma ExchangeCodeForToken canceled", "figma RefreshToken canceled"}) {
		t.Fatalf("observations %v", got)
	}
	e.b.Close()
	e.up.Close()
}

// A slow answer inside the bound is a success.
func TestSlowUpstreamWithinBound(t *testing.T) {
	e := newEnv(t, nil)
	e.up.Script(brokertest.Delay(100 * time.Millisecond))
	if _, err := e.exchange(e.up.IssueCode(studioID, redirect), redirect, ""); err != nil {
		t.Fatal(err)
	}
}

func TestBR04_TimeoutsBounded(t *testing.T) {
	for _, u := range []broker.UpstreamConfig{{ConnectTimeout: 6 * time.Second}, {Timeout: 11 * time.Second}, {Timeout: -1}} {
		cfg := broker.Config{Upstream: u}
		if err := cfg.Validate(); err == nil {
			t.Errorf("%+v accepted", u)
		}
	}
}

func TestBR05_UpstreamRejectionNotEchoedNorRetried(t *testing.T) {
	e := newEnv(t, nil)
	// Unknown code, a code issued for the other allowed redirect URI, and a
	// code already spent at the provider through another path.
	spent := e.up.IssueCode(studioID, redirect)
	e.up.Script(func(u *brokertest.Upstream, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"error":"invalid_grant","error_description":"code %s was used <script>"}`, spent)
	})
	for i, c := range []struct{ code, uri string }{
		{spent, redirect},
		{"figcode_unknown0123456789", redirect},
		{e.up.IssueCode(studioID, redirect), redirect2},
	} {
		_, err := e.exchange(c.code, c.uri, "")
		ex := wantCode(t, err, signet.CodeInvalidGrant)
		if strings.Contains(ex.Message, "Invalid code") || strings.Contains(ex.Message, "<script>") || strings.Contains(ex.Message, c.code) {
			t.Fatalf("upstream text echoed: %q", ex.Message)
		}
		if n := e.up.Calls(brokertest.FigmaTokenPath); n != i+1 {
			t.Fatalf("%d upstream calls after %d exchanges", n, i+1)
		}
	}
	_, err := e.refresh("figur_unknown0123456789", "")
	wantCode(t, err, signet.CodeInvalidGrant)
}

func TestBR06_BrokenUpstreamAnswers(t *testing.T) {
	const okBody = `"access_token":"figu_abc","token_type":"bearer","refresh_token":"figur_abc"`
	for _, c := range []struct {
		name string
		b    brokertest.Behavior
		code signet.ErrorCode
	}{
		{"500", brokertest.Respond(500, "application/json", `{"error":true,"status":500}`), signet.CodeUnavailable},
		{"502 html", brokertest.Respond(502, "text/html", "<html>Bad gateway</html>"), signet.CodeUnavailable},
		{"503", brokertest.Respond(503, "", ""), signet.CodeUnavailable},
		{"404", brokertest.Respond(404, "application/json", `{"error":true,"status":404}`), signet.CodeUnavailable},
		{"200 html", brokertest.Respond(200, "text/html", "<html>login</html>"), signet.CodeUnavailable},
		{"200 truncated", brokertest.Respond(200, "application/json", `{`+okBody+`,"expires_in":`), signet.CodeUnavailable},
		{"200 trailing data", brokertest.Respond(200, "application/json", `{`+okBody+`,"expires_in":60}{}`), signet.CodeUnavailable},
		{"200 oversized", brokertest.Oversized(64 << 10), signet.CodeUnavailable},
		{"no access_token", brokertest.Respond(200, "application/json", `{"token_type":"bearer","expires_in":60,"refresh_token":"figur_abc"}`), signet.CodeUnavailable},
		{"no refresh_token", brokertest.Respond(200, "application/json", `{"access_token":"figu_abc","expires_in":60}`), signet.CodeUnavailable},
		{"no expires_in", brokertest.Respond(200, "application/json", `{`+okBody+`}`), signet.CodeUnavailable},
		{"expires_in 0", brokertest.Respond(200, "application/json", `{`+okBody+`,"expires_in":0}`), signet.CodeUnavailable},
		{"expires_in negative", brokertest.Respond(200, "application/json", `{`+okBody+`,"expires_in":-5}`), signet.CodeUnavailable},
		{"expires_in absurd", brokertest.Respond(200, "application/json", `{`+okBody+`,"expires_in":99999999999}`), signet.CodeUnavailable},
		{"expires_in fraction", brokertest.Respond(200, "application/json", `{`+okBody+`,"expires_in":1.5}`), signet.CodeUnavailable},
		{"error member in 200", brokertest.Respond(200, "application/json", `{`+okBody+`,"expires_in":60,"error":true}`), signet.CodeUnavailable},
		{"token_type mac", brokertest.Respond(200, "application/json", `{"access_token":"a","token_type":"mac","expires_in":60,"refresh_token":"r"}`), signet.CodeUnavailable},
		{"bad client credentials", brokertest.Respond(401, "application/json", `{"error":true,"status":401}`), signet.CodeInternal},
		{"invalid_client as 400", brokertest.Respond(400, "application/json", `{"error":"invalid_client"}`), signet.CodeInternal},
		{"429", brokertest.Throttle(7), signet.CodeTooManyRequests},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, nil)
			e.up.Script(c.b)
			tok, err := e.exchange(e.up.IssueCode(studioID, redirect), redirect, "")
			ex := wantCode(t, err, c.code)
			if tok != (broker.Tokens{}) {
				t.Fatalf("partial reply %+v", tok)
			}
			if c.code == signet.CodeTooManyRequests && ex.RetryAfter != 7*time.Second {
				t.Fatalf("RetryAfter %v", ex.RetryAfter)
			}
			// Nothing cached: the next exchange goes upstream and succeeds.
			if _, err := e.exchange(e.up.IssueCode(studioID, redirect), redirect, ""); err != nil {
				t.Fatalf("after the failure: %v", err)
			}
			if n := e.up.Calls(""); n != 2 {
				t.Fatalf("%d upstream calls", n)
			}
		})
	}
	// A string of digits is accepted for expires_in; a refresh has no
	// refresh_token.
	e := newEnv(t, nil)
	e.up.Script(brokertest.Respond(200, "application/json", `{"access_token":"figu_abc","expires_in":"3600"}`))
	if tok, err := e.refresh(e.up.IssueRefreshToken(studioID), ""); err != nil || tok.ExpiresIn != 3600 {
		t.Fatalf("%+v %v", tok, err)
	}
	// A failed refresh is not cached either.
	rt := e.up.IssueRefreshToken(studioID)
	e.up.Script(brokertest.Respond(500, "", ""))
	_, err := e.refresh(rt, "")
	wantCode(t, err, signet.CodeUnavailable)
	if _, err := e.refresh(rt, ""); err != nil {
		t.Fatal(err)
	}
}

// A refresh is retried once when the connection fails; a code exchange
// never is.
func TestRetryOnConnectionError(t *testing.T) {
	e := newEnv(t, nil)
	reset := func(_ *brokertest.Upstream, w http.ResponseWriter, _ *http.Request) {
		c, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			c.Close()
		}
	}
	e.up.Script(reset)
	if _, err := e.refresh(e.up.IssueRefreshToken(studioID), ""); err != nil {
		t.Fatalf("refresh after one reset: %v", err)
	}
	if n := e.up.Calls(brokertest.FigmaRefreshPath); n != 2 {
		t.Fatalf("%d refresh calls, want 2", n)
	}
	e.up.Script(reset, reset)
	_, err := e.refresh(e.up.IssueRefreshToken(studioID), "")
	wantCode(t, err, signet.CodeUnavailable)
	if n := e.up.Calls(brokertest.FigmaRefreshPath); n != 4 {
		t.Fatalf("%d refresh calls, want 4 (one retry only)", n)
	}
	e.up.Script(reset)
	code := e.up.IssueCode(studioID, redirect)
	_, err = e.exchange(code, redirect, "")
	wantCode(t, err, signet.CodeUnavailable)
	if n := e.up.Calls(brokertest.FigmaTokenPath); n != 1 {
		t.Fatalf("%d exchange calls: a code exchange was retried", n)
	}
	// The code reached the provider (the connection broke afterwards), so
	// it is spent.
	_, err = e.exchange(code, redirect, "")
	wantCode(t, err, signet.CodeInvalidGrant)
}

func TestBR07_CallerClientIDMustBeConfigured(t *testing.T) {
	e := newEnv(t, func(c *broker.Config) {
		c.Providers = append(c.Providers, broker.ProviderConfig{Name: "other", Kind: broker.KindOAuth2, TokenURL: "https://idp.example/token",
			Clients: []broker.ClientConfig{{ID: "other-client", Secret: "other-secret-0123456789", RedirectURIs: []string{redirect}, AllowedPrincipals: []string{"*"}}}})
	})
	code := e.up.IssueCode("attacker-client", redirect)
	for _, c := range []struct {
		name, clientID string
	}{
		{"unknown client", "attacker-client"},
		{"another provider's client", "other-client"},
		{"case variant", strings.ToUpper(studioID)},
		{"a client alice may not use", partnerID},
		{"very long", strings.Repeat("c", 4096)},
	} {
		_, err := e.exchange(code, redirect, c.clientID)
		ex := wantCode(t, err, signet.CodeInvalidRequest)
		if ex.Message != "The clientId is not a client of this provider that you may use." {
			t.Fatalf("%s: message %q", c.name, ex.Message)
		}
		_, err = e.refresh("figur_x0123456789", c.clientID)
		wantCode(t, err, signet.CodeInvalidRequest)
	}
	if n := e.up.Calls(""); n != 0 {
		t.Fatalf("%d upstream calls", n)
	}
	// A configured client the caller may use: its own secret goes with it.
	code = e.up.IssueCode(partnerID, redirect)
	if _, err := e.b.Exchange(context.Background(), broker.ExchangeRequest{Provider: "figma", Code: code, RedirectURI: redirect, ClientID: partnerID, Principal: mallory}); err != nil {
		t.Fatal(err)
	}
	if r, _ := e.up.Last(brokertest.FigmaTokenPath); r.Header.Get("Authorization") != "Basic "+base64.StdEncoding.EncodeToString([]byte(partnerID+":"+partnerSecret)) {
		t.Fatal("the partner client was not authenticated with its own secret")
	}
	// mallory's account has no use of the default client.
	_, err := e.b.Exchange(context.Background(), broker.ExchangeRequest{Provider: "figma", Code: e.up.IssueCode(studioID, redirect), RedirectURI: redirect, Principal: mallory})
	wantCode(t, err, signet.CodeAccessDenied)
}

func TestBR09_ParallelExchangesOfOneCode(t *testing.T) {
	e := newEnv(t, nil)
	code := e.up.IssueCode(studioID, redirect)
	entered, release := make(chan struct{}, 1), make(chan struct{})
	e.up.Script(brokertest.Gate(entered, release))
	first := make(chan error)
	go func() { _, err := e.exchange(code, redirect, ""); first <- err }()
	<-entered
	// While the first exchange is at the provider, the same code is
	// refused here without a second upstream call.
	for range 5 {
		_, err := e.exchange(code, redirect, "")
		wantCode(t, err, signet.CodeInvalidGrant)
	}
	close(release)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	// And after it, too.
	_, err := e.exchange(code, redirect, "")
	wantCode(t, err, signet.CodeInvalidGrant)
	if n := e.up.Calls(""); n != 1 {
		t.Fatalf("%d upstream calls for one code", n)
	}
	// Another client's exchange of the same string is another key.
	if got := e.obs.all(); !slices.Contains(got, "figma ExchangeCodeForToken code_reused") {
		t.Fatalf("observations %v", got)
	}
}

func TestBR09_ParallelIdenticalExchangesRace(t *testing.T) {
	e := newEnv(t, nil)
	code := e.up.IssueCode(studioID, redirect)
	const n = 20
	start := make(chan struct{})
	results := make(chan error, n)
	for range n {
		go func() {
			<-start
			_, err := e.exchange(code, redirect, "")
			results <- err
		}()
	}
	close(start)
	ok := 0
	for range n {
		if err := <-results; err == nil {
			ok++
		} else {
			wantCode(t, err, signet.CodeInvalidGrant)
		}
	}
	if ok != 1 || e.up.Calls("") != 1 {
		t.Fatalf("%d successes, %d upstream calls", ok, e.up.Calls(""))
	}
}
