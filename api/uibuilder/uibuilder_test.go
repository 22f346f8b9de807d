package uibuilder_test

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/api/uibuilder"
	"github.com/signet-auth/signet/audit"
	"github.com/signet-auth/signet/awscreds"
	"github.com/signet-auth/signet/awscreds/awscredstest"
	"github.com/signet-auth/signet/broker"
	"github.com/signet-auth/signet/broker/brokertest"
	"github.com/signet-auth/signet/internal/testsupport"
	"github.com/signet-auth/signet/sigv4"
	"github.com/signet-auth/signet/sqlite"
)

const (
	redirect     = "https://studio.example.com/figma/callback"
	studioID     = "studio-client"
	studioSecret = "studio-secret-0123456789abcdef"
	otherID      = "other-client"
	otherSecret  = "other-secret-0123456789abcdef"
)

type env struct {
	srv   *httptest.Server
	up    *brokertest.Upstream
	logs  *testsupport.Logs
	auth  *awscreds.Authority
	clock *testsupport.Clock
	audit signet.AuditStore // the records the handler wrote
	alice aws.Credentials   // may use the studio client (account 123456789012)
	eve   aws.Credentials   // a principal of another account: no client
}

func newEnv(t *testing.T, timeout time.Duration) *env {
	t.Helper()
	e := &env{
		up:    brokertest.NewUpstream(t, map[string]string{studioID: studioSecret, otherID: otherSecret}),
		logs:  &testsupport.Logs{},
		clock: testsupport.NewClock(time.Now().UTC()),
	}
	log := e.logs.Logger()
	e.auth = awscredstest.NewAuthority(t, e.clock, &awscredstest.Sessions{}, awscredstest.NewAccessKeys())
	v, err := sigv4.New(sigv4.Options{Credentials: e.auth, Clock: e.clock, Rand: rand.Reader, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	b, err := broker.New(broker.Config{
		Upstream: broker.UpstreamConfig{AllowPrivateNetworks: true, ConnectTimeout: timeout, Timeout: timeout},
		Providers: []broker.ProviderConfig{{
			Name: "figma", Kind: broker.KindFigma, DefaultClient: studioID,
			TokenURL: e.up.URL() + brokertest.FigmaTokenPath, RefreshURL: e.up.URL() + brokertest.FigmaRefreshPath,
			Clients: []broker.ClientConfig{
				{ID: studioID, Secret: studioSecret, RedirectURIs: []string{redirect}, AllowedPrincipals: []string{"123456789012"}},
				{ID: otherID, Secret: otherSecret, RedirectURIs: []string{redirect}, AllowedPrincipals: []string{"arn:aws:iam::123456789012:user/ci"}},
			},
		}},
	}, broker.Options{Clock: e.clock, Logger: log, RootCAs: e.up.RootCAs()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "signet.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	e.audit = db
	mux := http.NewServeMux()
	(&uibuilder.Handler{Broker: b, Verifier: v, Logger: log, Audit: audit.New(db, e.clock, log, nil)}).Mount(mux)
	e.srv = httptest.NewServer(mux)
	t.Cleanup(e.srv.Close)
	e.alice = e.mint(t, signet.Assignment{AccountID: "123456789012", RoleName: "Studio"}, "alice")
	e.eve = e.mint(t, signet.Assignment{AccountID: "210987654321", RoleName: "Studio"}, "eve")
	return e
}

func (e *env) mint(t *testing.T, a signet.Assignment, user string) aws.Credentials {
	t.Helper()
	p, err := awscreds.AssumedRole(a, user, "sess-"+user)
	if err != nil {
		t.Fatal(err)
	}
	c, err := e.auth.Mint(p, e.clock.Now().Add(15*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	return aws.Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken}
}

type response struct {
	status int
	header http.Header
	body   string
}

func (r response) errorType() string { return r.header.Get("X-Amzn-Errortype") }

func (r response) message() string {
	var m struct {
		Message *string `json:"message"`
	}
	if json.Unmarshal([]byte(r.body), &m) != nil || m.Message == nil {
		return "(no message)"
	}
	return *m.Message
}

// send POSTs body to rawPath signed for service with aws-sdk-go-v2's
// signer (creds nil: unsigned).
func (e *env) send(t *testing.T, ctx context.Context, creds *aws.Credentials, service, rawPath, body string) response {
	t.Helper()
	r, err := http.NewRequestWithContext(ctx, http.MethodPost, e.srv.URL+rawPath, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/json")
	if creds != nil {
		h := sha256.Sum256([]byte(body))
		if err := v4.NewSigner().SignHTTP(ctx, *creds, r, hex.EncodeToString(h[:]), service, "us-east-1", time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := e.srv.Client().Do(r)
	if err != nil {
		if ctx.Err() != nil {
			return response{}
		}
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{resp.StatusCode, resp.Header, string(b)}
}

func (e *env) post(t *testing.T, creds aws.Credentials, rawPath, body string) response {
	t.Helper()
	return e.send(t, context.Background(), &creds, uibuilder.SigningName, rawPath, body)
}

func js(v any) string { b, _ := json.Marshal(v); return string(b) }

func TestExchangeAndRefresh(t *testing.T) {
	e := newEnv(t, 5*time.Second)
	code := e.up.IssueCode(studioID, redirect)
	r := e.post(t, e.alice, "/tokens/figma", js(map[string]string{"code": code, "redirectUri": redirect, "clientId": studioID}))
	if r.status != 200 || r.header.Get("Content-Type") != "application/json" || r.header.Get("Cache-Control") != "no-store" || r.header.Get("X-Amzn-Requestid") == "" {
		t.Fatalf("%d %v %s", r.status, r.header, r.body)
	}
	var out map[string]any
	if err := json.Unmarshal([]byte(r.body), &out); err != nil {
		t.Fatal(err)
	}
	at, _ := out["accessToken"].(string)
	rt, _ := out["refreshToken"].(string)
	if len(out) != 3 || !strings.HasPrefix(at, "figu_") || !strings.HasPrefix(rt, "figur_") || out["expiresIn"] != float64(brokertest.ExpiresIn) {
		t.Fatalf("body %s", r.body)
	}
	// clientId is optional: the provider's default client.
	r = e.post(t, e.alice, "/tokens/figma/refresh", js(map[string]string{"token": rt}))
	out = nil
	if err := json.Unmarshal([]byte(r.body), &out); err != nil || r.status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	if len(out) != 2 || out["accessToken"] == at || out["expiresIn"] != float64(brokertest.ExpiresIn) {
		t.Fatalf("body %s", r.body)
	}

	// Both answers are in the audit trail (AU-01), with who asked and for
	// which client, and never a token.
	var recs []signet.AuditRecord
	if err := e.audit.ScanAudit(context.Background(), signet.AuditFilter{}, func(r signet.AuditRecord) error {
		recs = append(recs, r)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 {
		t.Fatalf("%d audit records, want 2: %+v", len(recs), recs)
	}
	for i, want := range []struct{ client, detail string }{
		{studioID, "provider=figma op=exchange"},
		{"", "provider=figma op=refresh client=default"},
	} {
		r := recs[i]
		if r.Event != signet.AuditBrokerTokens || r.ClientID != want.client || r.AccountID != "123456789012" ||
			!strings.HasPrefix(r.Actor, "principal:arn:aws:sts::123456789012:assumed-role/Studio/alice") ||
			r.Detail != want.detail {
			t.Errorf("record %d: %+v", i, r)
		}
		for _, tok := range []string{at, rt, code, studioSecret} {
			if strings.Contains(fmt.Sprintf("%+v", r), tok) {
				t.Errorf("record %d holds a token or secret", i)
			}
		}
	}
}

func TestWireErrors(t *testing.T) {
	e := newEnv(t, 300*time.Millisecond)
	good := func() string {
		return js(map[string]string{"code": e.up.IssueCode(studioID, redirect), "redirectUri": redirect})
	}
	type tc struct {
		name      string
		path      string
		body      func() string
		creds     *aws.Credentials
		service   string
		script    brokertest.Behavior
		status    int
		errorType string
		upstream  int // upstream calls the case makes
	}
	alice := &e.alice
	cases := []tc{
		{name: "BR-01 github", path: "/tokens/github", body: good, status: 400, errorType: "InvalidParameterException"},
		{name: "BR-01 Figma", path: "/tokens/Figma", body: good, status: 400, errorType: "InvalidParameterException"},
		{name: "BR-01 escaped slash", path: "/tokens/figma%2f..", body: good, status: 400, errorType: "InvalidParameterException"},
		{name: "BR-01 escaped slash refresh", path: "/tokens/figma%2f../refresh", body: func() string { return `{"token":"figur_x"}` }, status: 400, errorType: "InvalidParameterException"},
		{name: "BR-01 empty", path: "/tokens/", body: good, status: 400, errorType: "InvalidParameterException"},
		{name: "BR-01 1 KB", path: "/tokens/" + strings.Repeat("f", 1024), body: good, status: 400, errorType: "InvalidParameterException"},
		{name: "BR-01 extra segments", path: "/tokens/figma/x/y", body: good, status: 400, errorType: "InvalidParameterException"},
		{name: "BR-02 metadata redirect", path: "/tokens/figma", body: func() string {
			return js(map[string]string{"code": e.up.IssueCode(studioID, redirect), "redirectUri": "http://169.254.169.254/"})
		}, status: 400, errorType: "InvalidParameterException"},
		{name: "BR-02 file redirect", path: "/tokens/figma", body: func() string { return `{"code":"c0de0123456789","redirectUri":"file:///etc/passwd"}` }, status: 400, errorType: "InvalidParameterException"},
		{name: "BR-07 unknown clientId", path: "/tokens/figma", body: func() string {
			return js(map[string]string{"code": e.up.IssueCode("evil", redirect), "redirectUri": redirect, "clientId": "evil"})
		}, status: 400, errorType: "InvalidParameterException"},
		{name: "BR-07 client alice may not use", path: "/tokens/figma/refresh", body: func() string { return js(map[string]string{"token": "figur_x", "clientId": otherID}) }, status: 400, errorType: "InvalidParameterException"},
		{name: "principal without a client", path: "/tokens/figma", body: good, creds: &e.eve, status: 403, errorType: "AccessDeniedException"},
		{name: "missing code", path: "/tokens/figma", body: func() string { return `{"redirectUri":"` + redirect + `"}` }, status: 400, errorType: "InvalidParameterException"},
		{name: "missing token", path: "/tokens/figma/refresh", body: func() string { return `{}` }, status: 400, errorType: "InvalidParameterException"},
		{name: "wrapped body", path: "/tokens/figma", body: func() string { return `{"request":` + good() + `}` }, status: 400, errorType: "InvalidParameterException"},
		{name: "not JSON", path: "/tokens/figma", body: func() string { return `code=x` }, status: 400, errorType: "InvalidParameterException"},
		{name: "duplicate member", path: "/tokens/figma", body: func() string { return `{"code":"a","code":"b","redirectUri":"` + redirect + `"}` }, status: 400, errorType: "InvalidParameterException"},
		{name: "IN-02 nested 10 000 deep", path: "/tokens/figma", body: func() string {
			return `{"code":` + strings.Repeat("[", 10000) + strings.Repeat("]", 10000) + `,"redirectUri":"` + redirect + `"}`
		}, status: 400, errorType: "InvalidParameterException"},
		// A 1 MB string is over the body cap, which the SigV4 layer answers
		// before the JSON is read: IN-01's 413.
		{name: "IN-02 1 MB string", path: "/tokens/figma/refresh", body: func() string { return `{"token":"` + strings.Repeat("t", 1<<20) + `"}` }, status: 413, errorType: "RequestEntityTooLargeException"},
		{name: "wrong type", path: "/tokens/figma", body: func() string { return `{"code":1,"redirectUri":"` + redirect + `"}` }, status: 400, errorType: "InvalidParameterException"},
		{name: "unsigned", path: "/tokens/figma", body: good, creds: &aws.Credentials{}, status: 403, errorType: "MissingAuthenticationTokenException"},
		{name: "signed for another service", path: "/tokens/figma", body: good, service: "sso-oauth", status: 403, errorType: "InvalidSignatureException"},
		{name: "BR-05 upstream invalid code", path: "/tokens/figma", body: func() string { return `{"code":"figcode_bogus0123456789","redirectUri":"` + redirect + `"}` }, status: 400, errorType: "InvalidParameterException", upstream: 1},
		{name: "BR-05 refresh rejected", path: "/tokens/figma/refresh", body: func() string { return `{"token":"figur_bogus0123456789"}` }, status: 400, errorType: "InvalidParameterException", upstream: 1},
		{name: "BR-06 upstream 500", path: "/tokens/figma", body: good, script: brokertest.Respond(500, "text/html", "<html>"), status: 500, errorType: "InternalServerException", upstream: 1},
		{name: "BR-06 oversized", path: "/tokens/figma", body: good, script: brokertest.Oversized(65 << 10), status: 500, errorType: "InternalServerException", upstream: 1},
		{name: "BR-06 upstream 429", path: "/tokens/figma", body: good, script: brokertest.Throttle(7), status: 429, errorType: "ThrottlingException", upstream: 1},
		{name: "BR-04 timeout", path: "/tokens/figma", body: good, script: brokertest.Hang(), status: 500, errorType: "InternalServerException", upstream: 1},
		{name: "wrong secret upstream", path: "/tokens/figma", body: good, script: brokertest.Respond(401, "application/json", `{"error":true,"status":401}`), status: 500, errorType: "InternalServerException", upstream: 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := e.up.Calls("")
			if c.script != nil {
				e.up.Script(c.script)
			}
			creds := c.creds
			if creds == nil {
				creds = alice
			}
			if creds.AccessKeyID == "" {
				creds = nil
			}
			service := c.service
			if service == "" {
				service = uibuilder.SigningName
			}
			r := e.send(t, context.Background(), creds, service, c.path, c.body())
			if r.status != c.status || r.errorType() != c.errorType {
				t.Fatalf("%d %q %s, want %d %s", r.status, r.errorType(), r.body, c.status, c.errorType)
			}
			if r.message() == "(no message)" || r.header.Get("Content-Type") != "application/json" {
				t.Fatalf("body %s headers %v", r.body, r.header)
			}
			if c.status == 429 && r.header.Get("Retry-After") != "7" {
				t.Fatalf("Retry-After %q", r.header.Get("Retry-After"))
			}
			if n := e.up.Calls("") - before; n != c.upstream {
				t.Fatalf("%d upstream calls, want %d", n, c.upstream)
			}
			for _, bad := range []string{"<html>", "Invalid code", "figcode_", "figur_"} {
				if strings.Contains(r.body, bad) {
					t.Fatalf("body echoes %q: %s", bad, r.body)
				}
			}
		})
	}
	// The documented error body, byte for byte (plus the __type awsjson
	// adds for the SDKs that read it).
	r := e.post(t, e.alice, "/tokens/github", good())
	if r.body != `{"__type":"InvalidParameterException","message":"Unsupported provider."}` {
		t.Fatalf("body %s", r.body)
	}
}

// BR-04 over the wire: the caller hanging up cancels the upstream call.
func TestBR04_CallerDisconnectCancelsUpstream(t *testing.T) {
	e := newEnv(t, 5*time.Second)
	entered := make(chan struct{}, 1)
	e.up.Script(func(u *brokertest.Upstream, w http.ResponseWriter, r *http.Request) {
		entered <- struct{}{}
		brokertest.Hang()(u, w, r)
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.send(t, ctx, &e.alice, uibuilder.SigningName, "/tokens/figma", js(map[string]string{"code": e.up.IssueCode(studioID, redirect), "redirectUri": redirect}))
	}()
	<-entered
	cancel()
	<-done
	for e.up.Cancelled() != 1 {
		time.Sleep(5 * time.Millisecond)
	}
}

// BR-08 over the wire: after successes and failures, nothing secret in the
// logs of the SigV4 layer, the handler and the broker.
func TestBR08_NoSecretsInLogs(t *testing.T) {
	e := newEnv(t, 300*time.Millisecond)
	var secrets []string
	for _, script := range []brokertest.Behavior{nil, brokertest.Hang(), brokertest.Respond(500, "", ""), brokertest.Throttle(1), brokertest.Respond(200, "application/json", "{")} {
		if script != nil {
			e.up.Script(script)
		}
		code := e.up.IssueCode(studioID, redirect)
		r := e.post(t, e.alice, "/tokens/figma", js(map[string]string{"code": code, "redirectUri": redirect}))
		var out struct{ AccessToken, RefreshToken string }
		_ = json.Unmarshal([]byte(r.body), &out)
		secrets = append(secrets, code, out.AccessToken, out.RefreshToken)
		if out.RefreshToken != "" {
			e.post(t, e.alice, "/tokens/figma/refresh", js(map[string]string{"token": out.RefreshToken}))
			e.up.Script(brokertest.Hang())
			e.post(t, e.alice, "/tokens/figma/refresh", js(map[string]string{"token": out.RefreshToken}))
		}
	}
	e.post(t, e.alice, "/tokens/figma", `{"code":"figcode_garbled0123456789",`)
	bad := e.alice
	bad.SecretAccessKey = strings.ToLower(bad.SecretAccessKey)
	e.post(t, bad, "/tokens/figma", `{"code":"figcode_badsig0123456789","redirectUri":"`+redirect+`"}`)
	secrets = append(secrets, e.up.Issued()...)
	secrets = append(secrets, "figcode_garbled0123456789", "figcode_badsig0123456789", e.alice.SecretAccessKey, e.alice.SessionToken, studioSecret, otherSecret)
	logs := e.logs.String()
	if !strings.Contains(logs, `"outcome":"success"`) || !strings.Contains(logs, `"outcome":"timeout"`) || !strings.Contains(logs, "sigv4: request refused") {
		t.Fatalf("the log lacks what it should record:\n%s", logs)
	}
	if leaks := brokertest.Leaks(logs, secrets...); len(leaks) > 0 {
		t.Fatalf("leaked %q\n%s", leaks, logs)
	}
}

// panicky is a broker that panics with the caller's code in the value.
type panicky struct{}

func (panicky) Exchange(_ context.Context, r broker.ExchangeRequest) (broker.Tokens, error) {
	panic("exchanging " + r.Code)
}

func (panicky) Refresh(_ context.Context, r broker.RefreshRequest) (broker.Tokens, error) {
	panic(fmt.Errorf("refreshing %s", r.RefreshToken))
}

// BR-08: a panic becomes a 500 and its value, which may hold request
// data, is not logged.
func TestBR08_PanicNotLogged(t *testing.T) {
	e := newEnv(t, time.Second)
	v, err := sigv4.New(sigv4.Options{Credentials: e.auth, Clock: e.clock, Rand: rand.Reader})
	if err != nil {
		t.Fatal(err)
	}
	logs := &testsupport.Logs{}
	mux := http.NewServeMux()
	(&uibuilder.Handler{Broker: panicky{}, Verifier: v, Logger: logs.Logger()}).Mount(mux)
	e.srv = httptest.NewServer(mux)
	defer e.srv.Close()
	for _, c := range []struct{ path, body, secret string }{
		{"/tokens/figma", `{"code":"figcode_panic0123456789","redirectUri":"` + redirect + `"}`, "figcode_panic0123456789"},
		{"/tokens/figma/refresh", `{"token":"figur_panic0123456789"}`, "figur_panic0123456789"},
	} {
		r := e.post(t, e.alice, c.path, c.body)
		if r.status != 500 || r.errorType() != "InternalServerException" || strings.Contains(r.body, c.secret) {
			t.Fatalf("%d %s %s", r.status, r.errorType(), r.body)
		}
		if leaks := brokertest.Leaks(logs.String(), c.secret); len(leaks) > 0 || !strings.Contains(logs.String(), "panicked") {
			t.Fatalf("log %s", logs.String())
		}
	}
}
