package config

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/signet-auth/signet"
)

// RegistrationTokenEnv holds the initial access token of dynamic
// registration when --registration-token-file does not.
const RegistrationTokenEnv = "SIGNET_REGISTRATION_TOKEN"

// minRegistrationToken is the shortest initial access token accepted: 128
// bits of base64 or hex are at least 22 characters.
const minRegistrationToken = 22

// registrableGrants are the grant types dynamic clients may be given.
var registrableGrants = []string{signet.GrantAuthorizationCode, signet.GrantRefreshToken, signet.GrantDeviceCode}

// validateRegistration checks the dynamic-registration policy; it is
// checked even while registration is off, so turning it on never reveals
// a broken setting.
func (c *Config) validateRegistration() error {
	var errs []error
	if len(c.RegistrationGrantTypes) == 0 {
		errs = append(errs, errors.New("--registration-grant-type: name at least one grant type"))
	}
	for _, g := range c.RegistrationGrantTypes {
		if !slices.Contains(registrableGrants, g) {
			errs = append(errs, fmt.Errorf("--registration-grant-type %q: want one of %s", g, strings.Join(registrableGrants, ", ")))
		}
	}
	for _, s := range c.RegistrationScopes {
		if s == "" || strings.ContainsAny(s, " \t\"\\") {
			errs = append(errs, fmt.Errorf("--registration-scope %q: not a scope token (RFC 6749 §3.3)", s))
		}
	}
	for _, h := range c.RegistrationRedirectHosts {
		if h == "" || strings.ContainsAny(h, "/:@*?# ") || strings.ToLower(h) != h {
			errs = append(errs, fmt.Errorf("--registration-redirect-host %q: want a lower-case host name without port or wildcard", h))
		}
	}
	if c.RegistrationTokenFile != "" && !c.DynamicRegistration {
		errs = append(errs, errors.New("--registration-token-file needs --dynamic-registration"))
	}
	return errors.Join(errs...)
}

// RegistrationToken reads the initial access token registration requires:
// from --registration-token-file, or SIGNET_REGISTRATION_TOKEN; "" when
// neither is set (open registration). A token shorter than 128 bits is
// refused.
func (c *Config) RegistrationToken(getenv func(string) string) (string, error) {
	env := getenv(RegistrationTokenEnv)
	var tok string
	switch {
	case env != "" && c.RegistrationTokenFile != "":
		return "", fmt.Errorf("both %s and --registration-token-file are set; give one", RegistrationTokenEnv)
	case env != "":
		tok = env
	case c.RegistrationTokenFile != "":
		b, err := os.ReadFile(c.RegistrationTokenFile)
		if err != nil {
			return "", fmt.Errorf("--registration-token-file: %w", err)
		}
		tok = strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r")
	default:
		return "", nil
	}
	if len(tok) < minRegistrationToken || strings.ContainsAny(tok, " \t\r\n") {
		return "", fmt.Errorf("the registration token must be at least %d characters without white space", minRegistrationToken)
	}
	return tok, nil
}
