package config

import (
	"strings"
	"testing"
)

// A SAML provider of the file needs its IdP metadata, takes no OIDC client
// settings, and no transient NameID; an OIDC one takes no saml_* setting.
func TestValidateSAMLProviders(t *testing.T) {
	ok := IdPSettings{Name: "corp", SAMLSettings: SAMLSettings{Kind: "saml", SAMLMetadataFile: "/etc/signet/corp-idp.xml"}}
	for name, tc := range map[string]struct {
		mutate func(*IdPSettings)
		want   string
	}{
		"valid":         {func(*IdPSettings) {}, ""},
		"no metadata":   {func(s *IdPSettings) { s.SAMLMetadataFile = "" }, "saml_metadata_file"},
		"client id":     {func(s *IdPSettings) { s.ClientID = "x" }, "not kind saml"},
		"transient":     {func(s *IdPSettings) { s.SAMLNameIDFormat = "urn:oasis:names:tc:SAML:2.0:nameid-format:transient" }, "transient"},
		"unknown kind":  {func(s *IdPSettings) { s.Kind = "ldap" }, "want oidc or saml"},
		"unknown claim": {func(s *IdPSettings) { s.Claims = map[string]string{"nick": "x"} }, "unknown key"},
		"saml on oidc":  {func(s *IdPSettings) { s.Kind = ""; s.Issuer = "https://op.example"; s.ClientID = "c" }, "need kind: saml"},
	} {
		s := ok
		tc.mutate(&s)
		c := Config{Federation: Federation{IdentityProviders: []IdPSettings{s}}}
		err := c.ValidateFederation()
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s: %v, want %q", name, err, tc.want)
		}
	}
}
