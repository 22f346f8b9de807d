package testenv_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/signet-auth/signet/internal/testenv"
	"github.com/signet-auth/signet/internal/testsupport"
)

// se06Flow records every secret a flow produced and every error body it saw.
type se06Flow struct {
	t       *testing.T
	e       *testenv.Env
	secrets map[string]string // value → what it is
	errors  []string          // bodies of non-2xx answers
}

func (f *se06Flow) secret(what, v string) {
	f.t.Helper()
	if len(v) < 8 {
		f.t.Fatalf("%s %q: too short to be a secret; the flow went wrong", what, v)
	}
	f.secrets[v] = what
}

// call sends one request and decodes the JSON answer; non-2xx bodies are
// kept for the leak check.
func (f *se06Flow) call(method, path string, body any, hdr map[string]string) (int, map[string]any) {
	f.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			f.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, f.e.URL+path, rd)
	if err != nil {
		f.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		f.t.Fatal(err)
	}
	if res.StatusCode/100 != 2 {
		f.errors = append(f.errors, res.Header.Get("X-Amzn-ErrorType")+" "+string(raw))
	}
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return res.StatusCode, out
}

func str(m map[string]any, k string) string {
	s, _ := m[k].(string)
	return s
}

// TestSE06_NoSecretInLogsOrErrorBodies runs the SSO OIDC device flow over
// HTTP (registration, device authorization, approval in the browser pages,
// token, refresh, a replay of the rotated-out refresh token, a call with a
// wrong secret) and the portal's role credentials, with every component
// logging at debug level. No client secret, device code, user code, access
// or refresh token, SigV4 secret or session token, nor the user's password
// may appear in the logs or in any error body: they carry digests only
// (RFC 6819 §4.6.7).
func TestSE06_NoSecretInLogsOrErrorBodies(t *testing.T) {
	logs := &testsupport.Logs{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e := testenv.New(t, testenv.Options{Log: log})
	f := &se06Flow{t: t, e: e, secrets: map[string]string{testenv.UserPassword: "user password"}}

	status, reg := f.call("POST", "/client/register", map[string]any{
		"clientName": "se06", "clientType": "public", "scopes": []string{"sso:account:access"},
	}, nil)
	if status != 200 {
		t.Fatalf("register: %d %v", status, reg)
	}
	clientID, clientSecret := str(reg, "clientId"), str(reg, "clientSecret")
	f.secret("client secret", clientSecret)

	status, dev := f.call("POST", "/device_authorization", map[string]any{
		"clientId": clientID, "clientSecret": clientSecret, "startUrl": e.URL + "/start",
	}, nil)
	if status != 200 {
		t.Fatalf("device authorization: %d %v", status, dev)
	}
	deviceCode, userCode := str(dev, "deviceCode"), str(dev, "userCode")
	f.secret("device code", deviceCode)
	f.secrets[userCode] = "user code"

	// Polling before approval is answered, and logged, without the code.
	if status, _ := f.call("POST", "/token", map[string]any{
		"clientId": clientID, "clientSecret": clientSecret,
		"grantType": "urn:ietf:params:oauth:grant-type:device_code", "deviceCode": deviceCode,
	}, nil); status != 400 {
		t.Fatalf("poll before approval: %d", status)
	}
	if p := e.Browser(t).DecideDevice(userCode, true); p.Status/100 != 2 && p.Status != http.StatusSeeOther {
		t.Fatalf("approval: %d %s", p.Status, p.Body)
	}
	e.Clock.Add(10 * time.Second) // past the polling interval
	status, tok := f.call("POST", "/token", map[string]any{
		"clientId": clientID, "clientSecret": clientSecret,
		"grantType": "urn:ietf:params:oauth:grant-type:device_code", "deviceCode": deviceCode,
	}, nil)
	if status != 200 {
		t.Fatalf("device token: %d %v", status, tok)
	}
	f.secret("access token", str(tok, "accessToken"))
	f.secret("refresh token", str(tok, "refreshToken"))

	status, ref := f.call("POST", "/token", map[string]any{
		"clientId": clientID, "clientSecret": clientSecret,
		"grantType": "refresh_token", "refreshToken": str(tok, "refreshToken"),
	}, nil)
	if status != 200 {
		t.Fatalf("refresh: %d %v", status, ref)
	}
	f.secret("rotated access token", str(ref, "accessToken"))
	f.secret("rotated refresh token", str(ref, "refreshToken"))

	status, rc := f.call("GET", "/federation/credentials?role_name=Admin&account_id="+testenv.AccountID, nil,
		map[string]string{"x-amz-sso_bearer_token": str(ref, "accessToken")})
	if status != 200 {
		t.Fatalf("role credentials: %d %v", status, rc)
	}
	creds, _ := rc["roleCredentials"].(map[string]any)
	f.secret("secretAccessKey", str(creds, "secretAccessKey"))
	f.secret("sessionToken", str(creds, "sessionToken"))

	// Failures log too: a wrong client secret, a replayed device code, and
	// the rotated-out refresh token after the grace window, which revokes
	// the family.
	wrongSecret := clientSecret[:len(clientSecret)-4] + "XXXX"
	f.secrets[wrongSecret] = "wrong client secret"
	if status, _ := f.call("POST", "/token", map[string]any{
		"clientId": clientID, "clientSecret": wrongSecret,
		"grantType": "refresh_token", "refreshToken": str(ref, "refreshToken"),
	}, nil); status != 401 {
		t.Fatalf("wrong secret: %d, want 401", status)
	}
	if status, _ := f.call("POST", "/token", map[string]any{
		"clientId": clientID, "clientSecret": clientSecret,
		"grantType": "urn:ietf:params:oauth:grant-type:device_code", "deviceCode": deviceCode,
	}, nil); status != 400 {
		t.Fatalf("replayed device code: %d, want 400", status)
	}
	e.Clock.Add(time.Minute + time.Second) // past any RefreshGrace (at most 60 s)
	if status, _ := f.call("POST", "/token", map[string]any{
		"clientId": clientID, "clientSecret": clientSecret,
		"grantType": "refresh_token", "refreshToken": str(tok, "refreshToken"),
	}, nil); status != 400 {
		t.Fatalf("replayed refresh token: %d, want 400", status)
	}

	out := logs.String()
	t.Logf("%d log bytes", len(out))
	if !strings.Contains(out, "{") {
		t.Fatal("no log records captured; the check would prove nothing")
	}
	for v, what := range f.secrets {
		if strings.Contains(out, v) {
			t.Errorf("the %s appears in the logs", what)
		}
		for _, body := range f.errors {
			if strings.Contains(body, v) {
				t.Errorf("the %s appears in an error body: %s", what, body)
			}
		}
	}
}
