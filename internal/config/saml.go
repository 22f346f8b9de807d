package config

import (
	"fmt"
	"slices"
)

// SAMLSettings are the settings of a SAML 2.0 provider in the
// configuration file (kind: saml). Its issuer is the IdP's entity id
// (optional: the metadata's), its claims name assertion attributes (sub
// empty: the NameID), and client_id, client_secret and scopes are unused.
type SAMLSettings struct {
	// Kind is oidc (the default) or saml.
	Kind string `yaml:"kind"`
	// SAMLMetadataFile is the IdP's metadata document, as its
	// administrator exports it (read at every start).
	SAMLMetadataFile string `yaml:"saml_metadata_file"`
	// SAMLNameIDFormat is the NameID format asked for and required;
	// empty: persistent.
	SAMLNameIDFormat string `yaml:"saml_name_id_format"`
	// SAMLAllowIdPInitiated accepts unsolicited responses (off by default).
	SAMLAllowIdPInitiated bool `yaml:"saml_allow_idp_initiated"`
}

// validateSAML checks a provider of kind saml.
func validateSAML(at string, p IdPSettings) []error {
	var errs []error
	if p.Kind != "saml" {
		return []error{fmt.Errorf("%s.kind %q: want oidc or saml", at, p.Kind)}
	}
	if p.SAMLMetadataFile == "" {
		errs = append(errs, fmt.Errorf("%s.saml_metadata_file: required for kind saml", at))
	}
	if p.ClientID != "" || p.ClientSecret != "" || len(p.Scopes) > 0 {
		errs = append(errs, fmt.Errorf("%s: client_id, client_secret and scopes are for OIDC providers, not kind saml", at))
	}
	if p.SAMLNameIDFormat == "urn:oasis:names:tc:SAML:2.0:nameid-format:transient" {
		errs = append(errs, fmt.Errorf("%s.saml_name_id_format: a transient NameID changes at every login and cannot key an identity", at))
	}
	for k := range p.Claims {
		if !slices.Contains(claimKeys, k) {
			errs = append(errs, fmt.Errorf("%s.claims: unknown key %q (want sub, username, name, email or groups)", at, k))
		}
	}
	return errs
}
