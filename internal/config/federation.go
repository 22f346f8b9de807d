package config

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"

	"github.com/spf13/pflag"
)

// Login modes (--login).
const (
	LoginAll           = "all"
	LoginFederatedOnly = "federated-only"
)

// Federation is the sign-in through upstream identity providers: what the
// login page offers, and providers declared in the configuration file
// (written to the store at start; a provider of the same name added with
// `signet admin idp add` is replaced by the file's).
type Federation struct {
	Login             string        `yaml:"login"`
	IdentityProviders []IdPSettings `yaml:"identity_providers"`
}

// IdPSettings is one upstream OpenID Provider of the configuration file.
type IdPSettings struct {
	Name        string `yaml:"name"`
	DisplayName string `yaml:"display_name"`
	Issuer      string `yaml:"issuer"`
	ClientID    string `yaml:"client_id"`
	// ClientSecret is a reference, "env:NAME" or "file:/path", never the
	// secret itself.
	ClientSecret string            `yaml:"client_secret"`
	Scopes       []string          `yaml:"scopes"`
	Claims       map[string]string `yaml:"claims"` // sub, username, name, email, groups
	Domains      []string          `yaml:"domains"`
	// AllowedGroups admits only members of these upstream groups; empty:
	// everyone the provider vouches for.
	AllowedGroups []string `yaml:"allowed_groups"`
	// SAML 2.0 providers: see saml.go.
	SAMLSettings `yaml:",inline"`
}

// federationFlags registers --login.
func federationFlags(fs *pflag.FlagSet, c *Config) {
	fs.StringVar(&c.Federation.Login, "login", LoginAll,
		"what the login page offers: all (passwords and identity providers) or federated-only (identity providers; password logins refused)")
}

// IdPNameRe is a provider name: the path segment of its login.
var IdPNameRe = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,63}$`)

// claimKeys are the keys of IdPSettings.Claims.
var claimKeys = []string{"sub", "username", "name", "email", "groups"}

// ValidateFederation checks --login and the declared providers.
func (c *Config) ValidateFederation() error {
	var errs []error
	switch c.Federation.Login {
	case "", LoginAll, LoginFederatedOnly:
	default:
		errs = append(errs, fmt.Errorf("--login %q: want %s or %s", c.Federation.Login, LoginAll, LoginFederatedOnly))
	}
	seen := map[string]bool{}
	for i, p := range c.Federation.IdentityProviders {
		at := fmt.Sprintf("identity_providers[%d]", i)
		if !IdPNameRe.MatchString(p.Name) {
			errs = append(errs, fmt.Errorf("%s.name %q: want 1 to 64 of a-z, 0-9 and -", at, p.Name))
		}
		if seen[p.Name] {
			errs = append(errs, fmt.Errorf("%s.name %q: declared twice", at, p.Name))
		}
		seen[p.Name] = true
		if p.Kind != "" && p.Kind != "oidc" {
			errs = append(errs, validateSAML(at, p)...)
			continue
		}
		if p.SAMLSettings != (SAMLSettings{}) {
			errs = append(errs, fmt.Errorf("%s: saml_* settings need kind: saml", at))
		}
		if u, err := url.Parse(p.Issuer); err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
			errs = append(errs, fmt.Errorf("%s.issuer %q: want an absolute https URL", at, p.Issuer))
		}
		if p.ClientID == "" {
			errs = append(errs, fmt.Errorf("%s.client_id: required", at))
		}
		if !validSecretRef(p.ClientSecret) {
			errs = append(errs, fmt.Errorf("%s.client_secret %q: want env:NAME or file:/path, not the secret itself", at, p.ClientSecret))
		}
		for k := range p.Claims {
			if !slices.Contains(claimKeys, k) {
				errs = append(errs, fmt.Errorf("%s.claims: unknown key %q (want sub, username, name, email or groups)", at, k))
			}
		}
	}
	return errors.Join(errs...)
}

func validSecretRef(ref string) bool {
	if ref == "" {
		return true
	}
	for _, p := range []string{"env:", "file:"} {
		if len(ref) > len(p) && ref[:len(p)] == p {
			return true
		}
	}
	return false
}
