package app_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/internal/app"
	"github.com/signet-auth/signet/internal/config"
	"github.com/signet-auth/signet/internal/testsupport"
)

// The providers of the configuration file are in the store after the
// start, replacing one of the same name an administrator added (the file
// wins); a secret reference that does not resolve stops the start.
func TestIdentityProvidersFromTheFile(t *testing.T) {
	clock := testsupport.NewClock(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	c := fullConfig(t)
	secret := filepath.Join(t.TempDir(), "okta.secret")
	if err := os.WriteFile(secret, []byte("s3cr3t\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c.Federation.IdentityProviders = []config.IdPSettings{{Name: "okta", DisplayName: "Okta", Issuer: "https://example.okta.com",
		ClientID: "0oa-file", ClientSecret: "file:" + secret, Scopes: []string{"groups"}, Claims: map[string]string{"groups": "grp"},
		Domains: []string{"example.com"}}}
	a, err := app.New(context.Background(), c, app.Deps{Clock: clock, Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	// An administrator changes it in the store; the next start puts the
	// file's back.
	p, err := a.Stores.Federation.GetIdP(ctx, "okta")
	if err != nil || p.ClientID != "0oa-file" || p.Claims.Groups != "grp" || p.Kind != signet.IdPOIDC || p.ClientSecretRef != "file:"+secret {
		t.Fatalf("after the start: %+v, %v", p, err)
	}
	p.ClientID = "0oa-admin"
	if err := a.Stores.Federation.SetIdP(ctx, p); err != nil {
		t.Fatal(err)
	}
	a.Close()
	a, err = app.New(ctx, c, app.Deps{Clock: clock, Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	if p, _ := a.Stores.Federation.GetIdP(ctx, "okta"); p.ClientID != "0oa-file" {
		t.Errorf("after a restart the store says %q; the file says 0oa-file", p.ClientID)
	}
	a.Close()

	c.Federation.IdentityProviders[0].ClientSecret = "env:OKTA_SECRET_UNSET"
	if _, err := app.New(ctx, c, app.Deps{Clock: clock, Getenv: func(string) string { return "" }}); err == nil ||
		!strings.Contains(err.Error(), "OKTA_SECRET_UNSET") {
		t.Fatalf("a start with an unset secret variable: %v", err)
	}
}
