package config

import (
	"fmt"
	"slices"

	"github.com/spf13/pflag"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/authserver"
)

// MFASettings are the settings of second factors for local accounts
// (authserver.MFAConfig), inlined in Config.
type MFASettings struct {
	// MFA is the deployment's policy: off, optional or required.
	MFA string `yaml:"mfa"`
	// MFAAdminRoles are the role names whose holders are administrators,
	// under required unless MFA is off or they have an override.
	MFAAdminRoles []string `yaml:"mfa_admin_roles"`
	// MFAIssuer labels accounts in authenticator apps.
	MFAIssuer string `yaml:"mfa_issuer"`
}

func mfaFlags(fs *pflag.FlagSet, c *Config) {
	fs.StringVar(&c.MFA.MFA, "mfa", string(signet.MFAOptional),
		"second factors of local accounts: off, optional (for users who enrolled one) or required (enrolment forced at the next sign-in)")
	fs.StringSliceVar(&c.MFA.MFAAdminRoles, "mfa-admin-roles", authserver.DefaultAdminRoles,
		"role names that make a user an administrator, who must use a second factor unless --mfa is off (empty: none)")
	fs.StringVar(&c.MFA.MFAIssuer, "mfa-issuer", "signet", "name authenticator apps show beside the user name")
}

// validateMFA checks the MFA settings.
func (c *Config) validateMFA() []error {
	var errs []error
	p := signet.MFAPolicy(c.MFA.MFA)
	if p == signet.MFADefault || !p.Valid() {
		errs = append(errs, fmt.Errorf("--mfa %q: want off, optional or required", c.MFA.MFA))
	}
	if slices.ContainsFunc(c.MFA.MFAAdminRoles, func(r string) bool { return !ValidRoleName(r) }) {
		errs = append(errs, fmt.Errorf("--mfa-admin-roles %q: want role names", c.MFA.MFAAdminRoles))
	}
	if c.MFA.MFAIssuer == "" || len(c.MFA.MFAIssuer) > 64 {
		errs = append(errs, fmt.Errorf("--mfa-issuer: want 1 to 64 characters"))
	}
	return errs
}

// MFAConfig is the engine's MFA configuration, without its store and
// sealer (the assembly adds those).
func (c *Config) MFAConfig() authserver.MFAConfig {
	return authserver.MFAConfig{Policy: signet.MFAPolicy(c.MFA.MFA), AdminRoles: slices.Clone(c.MFA.MFAAdminRoles),
		Issuer: c.MFA.MFAIssuer}
}
