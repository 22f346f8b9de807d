package ssooidc_test

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/signet-auth/signet/httpserver"
	"github.com/signet-auth/signet/internal/testenv"
)

// wire is one raw HTTP exchange with the server.
type wire struct {
	Status int
	Header http.Header
	Raw    []byte
	Body   map[string]any
}

func (w wire) str(k string) string { s, _ := w.Body[k].(string); return s }

// call sends body to path with the headers SDKs send and returns the raw
// response. hdr adds or (with an empty value) removes headers.
func call(t testing.TB, e *testenv.Env, method, path, body string, hdr ...string) wire {
	t.Helper()
	req, err := http.NewRequest(method, e.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i+1] == "" {
			req.Header.Del(hdr[i])
		} else {
			req.Header.Set(hdr[i], hdr[i+1])
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	w := wire{Status: resp.StatusCode, Header: resp.Header, Raw: raw}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &w.Body); err != nil {
			t.Fatalf("%s %s: body is not JSON (%v): %s", method, path, err, raw)
		}
	}
	return w
}

// overShellCap reports whether body is over the HTTP shell's cap, which
// the shell refuses with a plain 413 before any surface reads it.
func overShellCap(body string) bool { return len(body) > httpserver.DefaultMaxBodyBytes }

// wantTooLarge posts body over the server's cap, once with its length
// declared (the shell reads none of it) and once chunked (cut off at the
// cap): both are 413 in SSO OIDC's own shape, which an SDK decodes as
// InvalidRequestException (catalogue IN-01).
func wantTooLarge(t testing.TB, e *testenv.Env, path, body string) {
	t.Helper()
	for _, chunked := range []bool{false, true} {
		req, err := http.NewRequest(http.MethodPost, e.URL+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		if chunked {
			req.ContentLength = -1
			req.Body = io.NopCloser(strings.NewReader(body))
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var got struct{ Error string }
		derr := json.NewDecoder(resp.Body).Decode(&got)
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge || resp.Header.Get("X-Amzn-ErrorType") != "InvalidRequestException" ||
			derr != nil || got.Error != "invalid_request" {
			t.Fatalf("POST %s with %d bytes (chunked %v): %s %q %+v %v, want 413 InvalidRequestException",
				path, len(body), chunked, resp.Status, resp.Header.Get("X-Amzn-ErrorType"), got, derr)
		}
	}
}

func jsonBody(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// post calls an unsigned operation with a JSON body built from v.
func post(t testing.TB, e *testenv.Env, path string, v any) wire {
	t.Helper()
	return call(t, e, http.MethodPost, path, jsonBody(t, v))
}

// ok fails unless w is a 200.
func ok(t testing.TB, w wire) wire {
	t.Helper()
	if w.Status != http.StatusOK {
		t.Fatalf("status %d, want 200: %s", w.Status, w.Raw)
	}
	return w
}

// wantError checks the SSO OIDC error shape: status, X-Amzn-ErrorType,
// the body's error, a request id, no-store.
func wantError(t testing.TB, w wire, status int, shape, code string) {
	t.Helper()
	if w.Status != status || w.Header.Get("X-Amzn-ErrorType") != shape || w.str("error") != code {
		t.Fatalf("got %d %q %s, want %d %s (%s)", w.Status, w.Header.Get("X-Amzn-ErrorType"), w.Raw, status, shape, code)
	}
	if w.Header.Get("X-Amzn-Requestid") == "" || w.Header.Get("Cache-Control") != "no-store" || w.str("error_description") == "" {
		t.Fatalf("error framing: %v %s", w.Header, w.Raw)
	}
}

// client is a registered client's credentials.
type client struct{ ID, Secret string }

// register registers a device-flow client (what aws sso login
// --use-device-code does).
func register(t testing.TB, e *testenv.Env) client {
	t.Helper()
	w := ok(t, post(t, e, "/client/register", map[string]any{"clientName": "botocore-client-test", "clientType": "public"}))
	return client{w.str("clientId"), w.str("clientSecret")}
}

// redirectNoPort is what the AWS CLI registers for the PKCE flow.
const redirectNoPort = "http://127.0.0.1/oauth/callback"

// registerPKCE registers a client the way the CLI's PKCE flow does.
func registerPKCE(t testing.TB, e *testenv.Env) client {
	t.Helper()
	w := ok(t, post(t, e, "/client/register", map[string]any{
		"clientName": "botocore-client-my-sso", "clientType": "public", "scopes": []string{"sso:account:access"},
		"grantTypes": []string{"authorization_code", "refresh_token"}, "redirectUris": []string{redirectNoPort},
		"issuerUrl": "https://d-1234567890.awsapps.com/start",
	}))
	return client{w.str("clientId"), w.str("clientSecret")}
}

// device is a started device authorization.
type device struct{ DeviceCode, UserCode string }

func startDevice(t testing.TB, e *testenv.Env, c client) device {
	t.Helper()
	w := ok(t, post(t, e, "/device_authorization", map[string]any{"clientId": c.ID, "clientSecret": c.Secret, "startUrl": "https://d-1234567890.awsapps.com/start"}))
	return device{w.str("deviceCode"), w.str("userCode")}
}

func pollDevice(t testing.TB, e *testenv.Env, c client, d device) wire {
	t.Helper()
	return post(t, e, "/token", map[string]any{"clientId": c.ID, "clientSecret": c.Secret,
		"grantType": "urn:ietf:params:oauth:grant-type:device_code", "deviceCode": d.DeviceCode})
}

func refresh(t testing.TB, e *testenv.Env, c client, rt string) wire {
	t.Helper()
	return post(t, e, "/token", map[string]any{"clientId": c.ID, "clientSecret": c.Secret, "grantType": "refresh_token", "refreshToken": rt})
}

// tokens runs the device flow to its end and returns the token response.
func tokens(t testing.TB, e *testenv.Env, c client) wire {
	t.Helper()
	d := startDevice(t, e, c)
	if p := e.Browser(t).DecideDevice(d.UserCode, true); !strings.Contains(p.Body, "Device approved") {
		t.Fatalf("approval page: %d %s", p.Status, p.Body)
	}
	return ok(t, pollDevice(t, e, c, d))
}

// pkce is a verifier and its S256 challenge.
type pkce struct{ Verifier, Challenge string }

func newPKCE(t testing.TB) pkce {
	var b [48]byte
	rand.Read(b[:])
	v := base64.RawURLEncoding.EncodeToString(b[:]) // 64 characters, as the CLI sends
	sum := sha256.Sum256([]byte(v))
	return pkce{v, base64.RawURLEncoding.EncodeToString(sum[:])}
}

// authorize runs /authorize through the pages (sign-in, consent) as the
// CLI's browser step does and returns the code sent to redirectURI.
func authorize(t testing.TB, e *testenv.Env, c client, redirectURI string, p pkce) string {
	t.Helper()
	loc := e.Browser(t).Authorize(url.Values{
		"response_type": {"code"}, "client_id": {c.ID}, "redirect_uri": {redirectURI}, "state": {"st-1"},
		"code_challenge_method": {"S256"}, "scopes": {"sso:account:access"}, "code_challenge": {p.Challenge},
	})
	u, err := url.Parse(loc)
	if err != nil || !strings.HasPrefix(loc, redirectURI+"?") {
		t.Fatalf("redirect %q, want one to %s", loc, redirectURI)
	}
	if u.Query().Get("state") != "st-1" || u.Query().Get("code") == "" {
		t.Fatalf("redirect %q: no code or wrong state", loc)
	}
	return u.Query().Get("code")
}

// loopback is a redirect URI with the port the CLI's local server got.
const loopback = "http://127.0.0.1:53219/oauth/callback"

func redeem(t testing.TB, e *testenv.Env, c client, code, redirectURI, verifier string) wire {
	t.Helper()
	body := map[string]any{"clientId": c.ID, "clientSecret": c.Secret, "grantType": "authorization_code", "code": code, "redirectUri": redirectURI}
	if verifier != "" {
		body["codeVerifier"] = verifier
	}
	return post(t, e, "/token", body)
}

// portal calls GetRoleCredentials with an access token.
func portal(t testing.TB, e *testenv.Env, accessToken string) wire {
	t.Helper()
	return call(t, e, http.MethodGet, "/federation/credentials?role_name=Admin&account_id="+testenv.AccountID, "", "x-amz-sso_bearer_token", accessToken)
}

const devicePollWait = 30 * time.Second
