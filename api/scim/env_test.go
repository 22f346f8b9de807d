package scim_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"testing"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/authserver"
	"github.com/signet-auth/signet/internal/testenv"
)

// The SCIM server is driven over HTTP on the real server testenv builds
// (app.New, as `signet serve`), with tokens minted as `signet admin
// scim-token create` mints them.

// scimClient speaks to /scim/v2 with one bearer token.
type scimClient struct {
	t      *testing.T
	e      *testenv.Env
	bearer string
}

// newSCIM starts a server with the identity providers okta and entra and
// returns a client holding a token for okta's people.
func newSCIM(t *testing.T) *scimClient {
	t.Helper()
	e := testenv.New(t, testenv.Options{})
	ctx := context.Background()
	for _, n := range []string{"okta", "entra"} {
		if err := e.Stores.Federation.SetIdP(ctx, signet.IdentityProvider{Name: n, Kind: signet.IdPOIDC,
			DisplayName: n, Issuer: "https://" + n + ".example.com", ClientID: "c"}); err != nil {
			t.Fatal(err)
		}
	}
	return &scimClient{t: t, e: e, bearer: token(t, e, "okta")}
}

// token mints a SCIM token for tenant.
func token(t *testing.T, e *testenv.Env, tenant string) string {
	t.Helper()
	tok, _, err := e.Engine.SCIM(e.Stores.SCIM, authserver.SCIMLimits{}).CreateToken(context.Background(), tenant+" sync", tenant)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// as is c with another bearer value ("" sends no Authorization).
func (c *scimClient) as(bearer string) *scimClient {
	d := *c
	d.bearer = bearer
	return &d
}

// do sends body (a JSON string, or "") and returns the status and the
// decoded answer (nil for none).
func (c *scimClient) do(method, path, body string) (int, map[string]any) {
	c.t.Helper()
	if body == "" {
		return c.raw(method, path, nil, 0)
	}
	return c.raw(method, path, bytes.NewBufferString(body), int64(len(body)))
}

// raw sends body with the declared length (-1: chunked).
func (c *scimClient) raw(method, path string, body io.Reader, length int64) (int, map[string]any) {
	c.t.Helper()
	req, err := http.NewRequest(method, c.e.URL+"/scim/v2"+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	req.ContentLength = length
	if body != nil {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	if c.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+c.bearer)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	if len(b) == 0 {
		return resp.StatusCode, nil
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/scim+json" {
		return resp.StatusCode, map[string]any{"text": string(b)}
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		c.t.Fatalf("%s %s: %v: %s", method, path, err, b)
	}
	return resp.StatusCode, m
}

// must is do that expects status.
func (c *scimClient) must(status int, method, path, body string) map[string]any {
	c.t.Helper()
	got, m := c.do(method, path, body)
	if got != status {
		c.t.Fatalf("%s %s: status %d, want %d: %v", method, path, got, status, m)
	}
	return m
}

// isSCIMError checks the RFC 7644 §3.12 shape.
func isSCIMError(t *testing.T, what string, status int, m map[string]any, wantStatus int, wantType string) {
	t.Helper()
	if status != wantStatus {
		t.Errorf("%s: status %d, want %d (%v)", what, status, wantStatus, m)
		return
	}
	schemas, _ := m["schemas"].([]any)
	if len(schemas) != 1 || schemas[0] != "urn:ietf:params:scim:api:messages:2.0:Error" {
		t.Errorf("%s: schemas %v", what, m["schemas"])
	}
	if m["status"] != itoa(wantStatus) {
		t.Errorf("%s: status member %v, want the string %q", what, m["status"], itoa(wantStatus))
	}
	if got, _ := m["scimType"].(string); got != wantType {
		t.Errorf("%s: scimType %q, want %q", what, got, wantType)
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// id reads a resource's id.
func id(m map[string]any) string { s, _ := m["id"].(string); return s }

func urlq(s string) string { return url.QueryEscape(s) }
