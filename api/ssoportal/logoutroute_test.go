package ssoportal_test

import (
	"net/http"
	"testing"

	"github.com/signet-auth/signet/internal/testenv"
	"github.com/signet-auth/signet/internal/testsupport"
)

// The portal's Logout is answered ahead of the mux (WithLogout), yet its
// access-log line and metrics name its route, not "unmatched".
func TestLogoutLoggedUnderItsRoute(t *testing.T) {
	logs := &testsupport.Logs{}
	e := testenv.New(t, testenv.Options{Log: logs.Logger()})
	req, err := http.NewRequest(http.MethodPost, e.URL+"/logout", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("x-amz-sso_bearer_token", "not-a-token")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("Logout with an unknown token: %d, want 401", resp.StatusCode)
	}
	var routes []any
	for _, rec := range logs.Find("route") {
		if rec["msg"] == "request" {
			routes = append(routes, rec["route"])
		}
	}
	if len(routes) != 1 || routes[0] != "POST /logout" {
		t.Fatalf("access log routes %v, want [POST /logout]", routes)
	}
}
