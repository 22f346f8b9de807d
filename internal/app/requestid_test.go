package app_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/signet-auth/signet/internal/testenv"
)

// One request has one id: the HTTP shell's X-Request-Id is what every AWS
// surface answers in x-amzn-RequestId, on success, on the surface's own
// errors and on SigV4 refusals, and the STS body names it too.
func TestOneRequestIDPerRequest(t *testing.T) {
	e := testenv.New(t, testenv.Options{Broker: true})
	for _, c := range []struct {
		surface, method, path, body string
	}{
		{"ssooidc", "POST", "/client/register", `{"clientName":"x","clientType":"public"}`},
		{"ssooidc error", "POST", "/client/register", `{`},
		{"ssooidc 405", "GET", "/token", ""},
		{"ssoportal", "GET", "/assignment/accounts", ""},
		{"signin", "POST", "/v1/token", `{}`},
		{"sts (SigV4 refusal)", "GET", "/", ""},
		{"uibuilder (SigV4 refusal)", "POST", "/tokens/figma", `{}`},
	} {
		req, err := http.NewRequest(c.method, e.URL+c.path, strings.NewReader(c.body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		id, aws := resp.Header.Get("X-Request-Id"), resp.Header.Values("X-Amzn-Requestid")
		if id == "" || len(aws) != 1 || aws[0] != id {
			t.Errorf("%s: X-Request-Id %q, x-amzn-RequestId %q (status %d)", c.surface, id, aws, resp.StatusCode)
		}
		if strings.HasPrefix(c.surface, "sts") && !strings.Contains(string(body), "<RequestId>"+id+"</RequestId>") {
			t.Errorf("%s: the body does not name the request id %s: %s", c.surface, id, body)
		}
	}
}
