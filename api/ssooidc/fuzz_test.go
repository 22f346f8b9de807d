package ssooidc_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/signet-auth/signet/internal/testenv"
)

// FuzzOperations throws arbitrary bodies at every operation. Whatever comes
// in, the answer is a 200 or an error in the SSO OIDC shape — JSON, with
// X-Amzn-ErrorType — and never a server error.
func FuzzOperations(f *testing.F) {
	for _, s := range []string{
		`{}`, `{"clientName":"cli","clientType":"public"}`,
		`{"clientName":"cli","clientType":"public","grantTypes":["authorization_code"],"redirectUris":["http://127.0.0.1/cb"]}`,
		`{"clientId":"x","clientSecret":"y","startUrl":"z"}`,
		`{"clientId":"x","clientSecret":"y","grantType":"refresh_token","refreshToken":"aor"}`,
		`{"clientId":"x","clientSecret":"y","grantType":"authorization_code","code":"sac_","codeVerifier":"v","redirectUri":"u"}`,
		`{"clientId":"x","client_id":"x"}`, `{"a":{"a":1,"a":2}}`, `[[[`, "{\"clientId\":\"\xff\"}", `{"scope":["a","a"]}`,
	} {
		for op := range 4 {
			f.Add(uint8(op), []byte(s))
		}
	}
	e := testenv.New(f, testenv.Options{})
	paths := []string{"/client/register", "/device_authorization", "/token", "/token?aws_iam=t"}
	f.Fuzz(func(t *testing.T, op uint8, body []byte) {
		req := httptest.NewRequest(http.MethodPost, paths[int(op)%len(paths)], bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		e.Server.Config.Handler.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("status %d for %q: %s", rec.Code, body, rec.Body)
		}
		if !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("body is not JSON: %q", rec.Body)
		}
		if rec.Code != http.StatusOK && rec.Header().Get("X-Amzn-ErrorType") == "" {
			t.Fatalf("status %d without X-Amzn-ErrorType", rec.Code)
		}
	})
}
