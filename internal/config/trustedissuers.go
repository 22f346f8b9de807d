package config

import (
	"fmt"
	"strings"

	"github.com/spf13/pflag"

	"github.com/signet-auth/signet/authserver"
)

// trustedIssuerFlags registers --trusted-token-issuer: the token issuers
// whose JWTs CreateTokenWithIAM's jwt-bearer grant accepts. Each is one
// string of key=value pairs (authserver.ParseTrustedIssuer); the flag
// repeats, the environment variable separates issuers with ';', the YAML
// key is a list.
func trustedIssuerFlags(fs *pflag.FlagSet, c *Config) {
	fs.Var(&issuerSpecs{p: &c.TrustedTokenIssuers}, "trusted-token-issuer",
		"a token issuer whose JWTs CreateTokenWithIAM's jwt-bearer grant accepts: "+
			"issuer=URL,audiences=AUD[ AUD...][,jwks_url=URL][,claim=sub][,match=name|id] (repeatable)")
}

// validateTrustedIssuers parses the issuers for TrustedIssuers.
func (c *Config) validateTrustedIssuers() error {
	c.trustedIssuers = nil
	seen := map[string]bool{}
	for _, s := range c.TrustedTokenIssuers {
		ti, err := authserver.ParseTrustedIssuer(s)
		if err != nil {
			return fmt.Errorf("--trusted-token-issuer: %w", err)
		}
		if seen[ti.Issuer] {
			return fmt.Errorf("--trusted-token-issuer: %s named twice", ti.Issuer)
		}
		seen[ti.Issuer] = true
		c.trustedIssuers = append(c.trustedIssuers, ti)
	}
	return nil
}

// TrustedIssuers returns the parsed --trusted-token-issuer settings.
func (c *Config) TrustedIssuers() []authserver.TrustedIssuer { return c.trustedIssuers }

// issuerSpecs is a repeatable string flag whose values may hold commas
// (pflag's string slices split on them); one Set may carry several
// issuers separated by ';', the environment variable's form.
type issuerSpecs struct {
	p       *[]string
	changed bool
}

func (v *issuerSpecs) Set(s string) error {
	var add []string
	for part := range strings.SplitSeq(s, ";") {
		if part = strings.TrimSpace(part); part != "" {
			add = append(add, part)
		}
	}
	if !v.changed {
		*v.p = add
	} else {
		*v.p = append(*v.p, add...)
	}
	v.changed = true
	return nil
}

func (v *issuerSpecs) String() string { return strings.Join(*v.p, ";") }
func (v *issuerSpecs) Type() string   { return "spec" }

// Append, Replace and GetSlice implement pflag.SliceValue, so the command
// line's values survive the configuration file (Load).
func (v *issuerSpecs) Append(s string) error { *v.p = append(*v.p, s); return nil }
func (v *issuerSpecs) Replace(ss []string) error {
	*v.p = append([]string(nil), ss...)
	return nil
}
func (v *issuerSpecs) GetSlice() []string { return append([]string(nil), *v.p...) }

var _ pflag.SliceValue = (*issuerSpecs)(nil)
