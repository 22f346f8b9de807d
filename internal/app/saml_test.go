package app_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/xml"
	"math/big"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/crewjam/saml"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/internal/app"
	"github.com/signet-auth/signet/internal/config"
	"github.com/signet-auth/signet/internal/testsupport"
)

// idpMetadata is the metadata document of a crewjam/saml IdP.
func idpMetadata(t *testing.T, entity string) string {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "idp"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	cert, _ := x509.ParseCertificate(der)
	md, _ := url.Parse(entity)
	sso, _ := url.Parse(entity + "/sso")
	b, err := xml.Marshal((&saml.IdentityProvider{Key: key, Certificate: cert, MetadataURL: *md, SSOURL: *sso}).Metadata())
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A SAML provider of the configuration file is in the store after the
// start with its IdP metadata and the metadata's entity id; a metadata
// file that is missing or not IdP metadata stops the start.
func TestSAMLProvidersFromTheFile(t *testing.T) {
	clock := testsupport.NewClock(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	ctx := context.Background()
	doc := idpMetadata(t, "https://idp.corp.example/saml")
	path := filepath.Join(t.TempDir(), "corp-idp.xml")
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	c := fullConfig(t)
	c.Federation.IdentityProviders = []config.IdPSettings{{Name: "corp", DisplayName: "Corp SSO",
		Claims: map[string]string{"groups": "memberOf"}, SAMLSettings: config.SAMLSettings{Kind: "saml",
			SAMLMetadataFile: path, SAMLAllowIdPInitiated: true}}}
	a, err := app.New(ctx, c, app.Deps{Clock: clock, Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	p, err := a.Stores.Federation.GetIdP(ctx, "corp")
	a.Close()
	if err != nil || p.Kind != signet.IdPSAML || p.Issuer != "https://idp.corp.example/saml" || p.SAML.Metadata != doc ||
		!p.SAML.AllowIdPInitiated || p.Claims.Groups != "memberOf" {
		t.Fatalf("after the start: %+v, %v", p, err)
	}

	for name, mutate := range map[string]func(*config.IdPSettings){
		"missing file": func(s *config.IdPSettings) { s.SAMLMetadataFile = path + ".gone" },
		"not metadata": func(s *config.IdPSettings) { s.SAMLMetadataFile = writeTemp(t, "<html/>") },
		"with a DOCTYPE": func(s *config.IdPSettings) {
			s.SAMLMetadataFile = writeTemp(t, `<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>`+doc)
		},
		"other entity": func(s *config.IdPSettings) { s.Issuer = "https://other.example/saml" },
	} {
		c := fullConfig(t)
		s := config.IdPSettings{Name: "corp", SAMLSettings: config.SAMLSettings{Kind: "saml", SAMLMetadataFile: path}}
		mutate(&s)
		c.Federation.IdentityProviders = []config.IdPSettings{s}
		if _, err := app.New(ctx, c, app.Deps{Clock: clock, Getenv: func(string) string { return "" }}); err == nil ||
			!strings.Contains(err.Error(), "corp") {
			t.Errorf("%s: start gave %v", name, err)
		}
	}
}

func writeTemp(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "md.xml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
