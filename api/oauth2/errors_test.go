package oauth2

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/signet-auth/signet"
)

// CC-06 at the standard surface: a store that cannot be reached, which the
// engine wraps as an internal error, is answered 503 with Retry-After and
// an RFC 6749 JSON error, so that the client retries; any other internal
// error stays a 500 server_error.
func TestCC06_StoreUnavailableIs503WithRetryAfter(t *testing.T) {
	down := fmt.Errorf("postgres: %w (dial tcp: connection refused)", signet.ErrUnavailable)
	for _, tc := range []struct {
		name   string
		err    error
		status int
		code   string
		retry  bool
	}{
		{"store down, wrapped by the engine", signet.Internal(down), http.StatusServiceUnavailable, "temporarily_unavailable", true},
		{"store down, bare", down, http.StatusServiceUnavailable, "temporarily_unavailable", true},
		{"another internal error", signet.Internal(fmt.Errorf("boom")), http.StatusInternalServerError, "server_error", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			(&Handler{}).writeError(w, httptest.NewRequest(http.MethodPost, pathToken, nil), tc.err, false)
			var body map[string]string
			if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
				t.Fatal(err)
			}
			if w.Code != tc.status || body["error"] != tc.code {
				t.Errorf("%d %v, want %d %s", w.Code, body, tc.status, tc.code)
			}
			if got := w.Header().Get("Retry-After"); (got != "") != tc.retry {
				t.Errorf("Retry-After %q, want one: %v", got, tc.retry)
			}
			if w.Header().Get("Cache-Control") != "no-store" {
				t.Error("no Cache-Control: no-store")
			}
		})
	}
}
