package app_test

import (
	"context"
	"crypto/rand"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/signet-auth/signet/broker"
	"github.com/signet-auth/signet/internal/app"
	"github.com/signet-auth/signet/internal/config"
	"github.com/signet-auth/signet/keyring"
)

var update = flag.Bool("update", false, "rewrite testdata/routes.golden from the server's route table")

// fullConfig turns on every optional surface: dynamic registration, the
// broker and the admin console.
func fullConfig(t *testing.T) config.Config {
	t.Helper()
	c := config.Default()
	dir := t.TempDir()
	c.DataDir, c.Issuer = dir, "http://"+config.DefaultAddr
	c.MasterKeyFile = filepath.Join(dir, app.MasterKeyFile)
	if _, err := keyring.GenerateMasterKeyFile(c.MasterKeyFile, rand.Reader); err != nil {
		t.Fatal(err)
	}
	c.DynamicRegistration = true
	c.AdminUsers = []string{"root"}
	c.Broker = broker.Config{Providers: []broker.ProviderConfig{{
		Name: "figma", Kind: broker.KindFigma, DefaultClient: "studio",
		Clients: []broker.ClientConfig{{
			ID: "studio", Secret: "studio-secret-0123456789abcdef",
			RedirectURIs: []string{"https://studio.example.com/cb"}, AllowedPrincipals: []string{"123456789012"},
		}},
	}}}
	return c
}

// TestRouteTable pins every route the real server answers, with the
// surface that serves it: a route that appears or disappears fails here
// until testdata/routes.golden is rewritten with -update.
func TestRouteTable(t *testing.T) {
	a, err := app.New(context.Background(), fullConfig(t), app.Deps{Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	var b strings.Builder
	for _, r := range a.Server.RouteTable() {
		via := ""
		if r.ViaWrap {
			via = "  (ahead of the mux)"
		}
		fmt.Fprintf(&b, "%-6s %-45s %s%s\n", r.Method, r.Path, r.Surface, via)
	}
	got := b.String()
	const golden = "testdata/routes.golden"
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("the route table changed (run with -update if that is intended):\n--- got\n%s--- want\n%s", got, want)
	}
}

// TestRouteTableIsWhatIsMounted: each listed route is the pattern the
// server's mux picks for a request of that method and path, so the listing
// cannot drift from the registrations.
func TestRouteTableIsWhatIsMounted(t *testing.T) {
	a, err := app.New(context.Background(), fullConfig(t), app.Deps{Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	h := a.Handler()
	for _, r := range a.Server.RouteTable() {
		path := strings.NewReplacer("{$}", "", "{provider}", "figma", "{file}", "x.css").Replace(r.Path)
		req := httptest.NewRequest(r.Method, path, nil)
		req.RemoteAddr = "127.0.0.1:40000" // /metrics answers this machine only
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code == http.StatusNotFound && r.Path != "/static/{file}" || rec.Code == http.StatusMethodNotAllowed {
			t.Errorf("%s %s (%s): %d, so the route is not mounted", r.Method, r.Path, r.Surface, rec.Code)
		}
	}
	// And a path no table lists is not served.
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/no/such/route", nil))
	if rec.Code != http.StatusNotFound {
		t.Errorf("GET /no/such/route: %d, want 404", rec.Code)
	}
}
