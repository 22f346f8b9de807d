package uibuilder

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/awscreds"
	"github.com/signet-auth/signet/broker"
	"github.com/signet-auth/signet/sigv4"
)

// FuzzRequestBody feeds arbitrary bodies and provider labels to both
// operations past the SigV4 layer. The broker's upstream is a loopback
// address it refuses to dial, so nothing leaves the process. Every answer
// is a JSON object, and every error names its exception in the header.
func FuzzRequestBody(f *testing.F) {
	b, err := broker.New(broker.Config{Providers: []broker.ProviderConfig{{
		Name: "figma", Kind: broker.KindFigma, TokenURL: "https://127.0.0.1:1/t", RefreshURL: "https://127.0.0.1:1/r",
		Clients: []broker.ClientConfig{{ID: "c", Secret: "s", RedirectURIs: []string{"https://a.example/cb"}, AllowedPrincipals: []string{"*"}}},
	}}}, broker.Options{Clock: signet.SystemClock{}})
	if err != nil {
		f.Fatal(err)
	}
	defer b.Close()
	h := &Handler{Broker: b}
	for _, s := range []string{
		`{"code":"x","redirectUri":"https://a.example/cb"}`, `{"token":"t","clientId":"c"}`, `{"code":"x","code":"y"}`,
		`{"request":{"code":"x"}}`, ``, `[`, `{"clientId":"` + strings.Repeat("c", 300) + `"}`, "{\"code\":\"\x00\"}",
	} {
		f.Add("figma", s, false)
		f.Add("github", s, true)
	}
	f.Fuzz(func(t *testing.T, provider, body string, refresh bool) {
		r := httptest.NewRequest(http.MethodPost, "/tokens/x", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		r.SetPathValue("provider", provider)
		r = r.WithContext(sigv4.WithCaller(r.Context(), sigv4.Caller{Principal: awscreds.Principal{ARN: "arn:aws:iam::123456789012:user/u", AccountID: "123456789012"}}))
		w := httptest.NewRecorder()
		if refresh {
			h.refresh(w, r)
		} else {
			h.exchange(w, r)
		}
		var obj map[string]any
		if err := json.Unmarshal(w.Body.Bytes(), &obj); err != nil {
			t.Fatalf("%d: body is not a JSON object: %q", w.Code, w.Body.String())
		}
		if w.Code != http.StatusOK && (w.Header().Get("X-Amzn-ErrorType") == "" || obj["message"] == nil) {
			t.Fatalf("%d without an exception name or message: %v %q", w.Code, w.Header(), w.Body.String())
		}
		if w.Code == http.StatusOK {
			t.Fatalf("success without an upstream: %q", w.Body.String())
		}
	})
}
