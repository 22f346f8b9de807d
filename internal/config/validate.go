package config

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"regexp"

	"github.com/signet-auth/signet/httpserver"
	"github.com/signet-auth/signet/sigv4"
)

var (
	accountIDRe = regexp.MustCompile(`^[0-9]{12}$`)
	// roleNameRe is IAM's role name pattern.
	roleNameRe = regexp.MustCompile(`^[\w+=,.@-]{1,64}$`)
	// regionRe is an AWS region name: lower-case words and a number.
	regionRe = regexp.MustCompile(`^[a-z]{2,}(-[a-z]+)+-[0-9]{1,2}$`)
)

// ValidateStore checks the settings every command that opens the store
// needs.
func (c *Config) ValidateStore() error {
	var errs []error
	if c.DatabaseURL != "" {
		u, err := url.Parse(c.DatabaseURL)
		if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
			errs = append(errs, errors.New("--database-url: want a postgres:// URL"))
		}
	} else if c.DataDir == "" {
		errs = append(errs, errors.New("--data-dir: must not be empty"))
	}
	switch c.LogFormat {
	case "text", "json":
	default:
		errs = append(errs, fmt.Errorf("--log-format %q: want text or json", c.LogFormat))
	}
	if err := c.logLevel.UnmarshalText([]byte(c.LogLevel)); err != nil {
		errs = append(errs, fmt.Errorf("--log-level %q: want debug, info, warn or error", c.LogLevel))
	}
	return errors.Join(errs...)
}

// Validate checks everything serve needs, reporting every problem at once.
func (c *Config) Validate() error {
	errs := []error{c.ValidateStore()}
	host, port, err := net.SplitHostPort(c.Addr)
	if err != nil {
		errs = append(errs, fmt.Errorf("--addr %q: want host:port", c.Addr))
	} else if _, err := net.LookupPort("tcp", port); err != nil {
		errs = append(errs, fmt.Errorf("--addr %q: bad port", c.Addr))
	}
	switch u, uerr := url.Parse(c.Issuer); {
	case c.Issuer == "":
		// The issuer defaults to the listen address: plain http unless
		// --tls-cert, so only a loopback address may go without one.
		if c.TLSCert == "" && err == nil && !loopbackHost(host) {
			errs = append(errs, fmt.Errorf("--addr %q is not a loopback address: set --issuer to the https URL clients reach the server at", c.Addr))
		}
	case uerr != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		u.User != nil || u.RawQuery != "" || u.Fragment != "":
		// RFC 8414 §2: an issuer is a URL with no query or fragment.
		errs = append(errs, fmt.Errorf("--issuer %q: want an http(s) URL without user info, query or fragment", c.Issuer))
	case u.Scheme == "http" && !loopbackHost(u.Hostname()):
		// RFC 6749 §3.1: the authorization endpoint requires TLS; plain
		// http is for development on this machine (catalogue IN-08).
		errs = append(errs, fmt.Errorf("--issuer %q: plain http only for a loopback host; use https", c.Issuer))
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		errs = append(errs, errors.New("--tls-cert and --tls-key go together"))
	}
	if c.trustedProxies, err = httpserver.ParseTrustedProxies(c.TrustedProxies); err != nil {
		errs = append(errs, fmt.Errorf("--trusted-proxy: %w", err))
	}
	if c.DebugAddr != "" {
		// Profiles reveal memory contents and cost CPU on demand: never on
		// an address others can reach.
		if h, _, err := net.SplitHostPort(c.DebugAddr); err != nil || !loopbackHost(h) {
			errs = append(errs, fmt.Errorf("--debug-addr %q: want a loopback host:port", c.DebugAddr))
		}
	}
	if c.ClientCache < 0 || c.ClientCache > MaxClientCache {
		errs = append(errs, fmt.Errorf("--client-cache %d: want 0 to %d", c.ClientCache, MaxClientCache))
	}
	if c.MaxConns < 1 {
		errs = append(errs, fmt.Errorf("--max-conns %d: want at least 1", c.MaxConns))
	}
	errs = append(errs, c.validateLifetimes(), c.validateRegistration(), c.parseAccounts())
	if c.Dev {
		if !loopbackHost(host) {
			errs = append(errs, fmt.Errorf("--dev serves only on a loopback address, not %q (--addr 127.0.0.1:PORT)", c.Addr))
		}
		if !accountIDRe.MatchString(c.DevAccount) {
			errs = append(errs, fmt.Errorf("--dev-account %q: want 12 digits", c.DevAccount))
		}
		if !roleNameRe.MatchString(c.DevRole) {
			errs = append(errs, fmt.Errorf("--dev-role %q: not a role name", c.DevRole))
		}
	} else if c.DevPassword != "" || c.DevAutoApprove {
		errs = append(errs, errors.New("--dev-password and --dev-auto-approve need --dev"))
	}
	if len(c.Broker.Providers) > 0 {
		errs = append(errs, c.Broker.Validate())
	}
	errs = append(errs, c.validateRates(), c.validateMetrics(), c.validateAudit(), c.validateTracing(), c.checkDevExposure(), c.validateTrustedIssuers())
	errs = append(errs, c.validateAWSIAM()...)
	errs = append(errs, c.ValidateFederation()) // federation.go
	errs = append(errs, c.validateMFA()...)
	errs = append(errs, c.validateSCIM()) // scim.go
	if err := sigv4.CheckEmulation(c.SigV4Emulation, c.Addr, c.SigV4EmulationForce); err != nil {
		errs = append(errs, fmt.Errorf("--sigv4-emulation: %w (--sigv4-emulation-force overrides)", err))
	}
	if c.SigV4EmulationForce && !c.SigV4Emulation {
		errs = append(errs, errors.New("--sigv4-emulation-force needs --sigv4-emulation"))
	}
	if !accountIDRe.MatchString(c.SigV4EmulationAccount) {
		errs = append(errs, fmt.Errorf("--sigv4-emulation-account %q: want 12 digits", c.SigV4EmulationAccount))
	}
	if c.IAMAccountID != "" && !accountIDRe.MatchString(c.IAMAccountID) {
		errs = append(errs, fmt.Errorf("--iam-account-id %q: want 12 digits", c.IAMAccountID))
	}
	if c.Region != "" && !regionRe.MatchString(c.Region) {
		errs = append(errs, fmt.Errorf("--region %q: not a region name such as us-east-1", c.Region))
	}
	return errors.Join(errs...)
}

// loopbackHost reports whether host names only this machine. An empty host
// (":8400") listens on every interface, so it is not loopback.
func loopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.Unmap().IsLoopback()
}

// ValidAccountID reports whether s is a 12-digit AWS account id.
func ValidAccountID(s string) bool { return accountIDRe.MatchString(s) }

// ValidRoleName reports whether s is an IAM role name.
func ValidRoleName(s string) bool { return roleNameRe.MatchString(s) }
