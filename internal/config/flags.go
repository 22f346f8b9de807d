package config

import (
	"fmt"
	"strings"

	"github.com/spf13/pflag"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/authserver"
	"github.com/signet-auth/signet/httpserver"
	"github.com/signet-auth/signet/sigv4"
)

func newFlagSet() *pflag.FlagSet { return pflag.NewFlagSet("", pflag.ContinueOnError) }

// StoreFlags are the settings every command that opens the store needs.
func StoreFlags(fs *pflag.FlagSet, c *Config) {
	fs.StringVar(&c.ConfigFile, "config", "", "YAML configuration file (env SIGNET_CONFIG)")
	fs.StringVar(&c.DataDir, "data-dir", "./signet-data", "directory of the embedded SQLite database (signet.db)")
	fs.StringVar(&c.DatabaseURL, "database-url", "", "postgres:// URL; when set, PostgreSQL is used instead of SQLite")
	fs.StringVar(&c.MasterKeyFile, "master-key-file", "", "file holding the master key that seals server keys (or env SIGNET_MASTER_KEY)")
	fs.StringVar(&c.LogFormat, "log-format", "text", "log format: text or json")
	fs.StringVar(&c.LogLevel, "log-level", "info", "log level: debug, info, warn or error")
}

// ServeFlags are the settings of `signet serve`.
func ServeFlags(fs *pflag.FlagSet, c *Config) {
	StoreFlags(fs, c)
	fs.StringVar(&c.Addr, "addr", DefaultAddr, "listen address host:port")
	fs.StringVar(&c.Issuer, "issuer", "", "external base URL of the server (default http://<addr>)")
	fs.StringVar(&c.TLSCert, "tls-cert", "", "TLS certificate file (PEM); with --tls-key serves HTTPS, TLS 1.2 or later")
	fs.StringVar(&c.TLSKey, "tls-key", "", "TLS private key file (PEM)")
	fs.StringSliceVar(&c.TrustedProxies, "trusted-proxy", nil, "CIDR of a reverse proxy whose X-Forwarded-* headers are trusted (repeatable)")
	fs.IntVar(&c.MaxConns, "max-conns", httpserver.DefaultMaxConns, "maximum simultaneous connections")
	fs.IntVar(&c.ClientCache, "client-cache", DefaultClientCache,
		"clients each node keeps in memory for refreshes, code redemptions and device polls, confirmed by the store in each (0: none)")
	fs.StringVar(&c.DebugAddr, "debug-addr", "", "loopback host:port serving Go's pprof profiles under /debug/pprof/ (empty: off)")
	for _, l := range lifetimeFlags() {
		usage := fmt.Sprintf("%s (%s to %s)", l.Usage, l.Min, l.Max)
		if l.Dependent != nil {
			usage = l.Usage
		}
		fs.DurationVar(l.Field(&c.Lifetimes), l.Flag, l.Default, usage)
	}
	rateFlags(fs, c)
	metricsFlags(fs, c)
	federationFlags(fs, c)
	auditFlags(fs, c)
	tracingFlags(fs, c)
	adminFlags(fs, c)
	scimFlags(fs, c)
	fs.BoolVar(&c.SigV4Emulation, "sigv4-emulation", false,
		"accept any syntactically valid SigV4 signature; unknown AWS-shaped key ids act as IAM users (loopback --addr only)")
	fs.BoolVar(&c.SigV4EmulationForce, "sigv4-emulation-force", false,
		"allow --sigv4-emulation on an address others can reach: anyone who reaches the port is whoever they claim")
	fs.StringVar(&c.SigV4EmulationAccount, "sigv4-emulation-account", sigv4.DefaultEmulationAccountID,
		"account of the IAM users --sigv4-emulation makes up")
	fs.StringVar(&c.IAMAccountID, "iam-account-id", "",
		"12-digit account whose SigV4-verified principals may call CreateTokenWithIAM (empty: nobody)")
	fs.StringVar(&c.Region, "region", "", "the only region CreateTokenWithIAM signatures may name (empty: any)")
	trustedIssuerFlags(fs, c)
	awsIAMFlags(fs, c)
	mfaFlags(fs, c)
	fs.BoolVar(&c.DynamicRegistration, "dynamic-registration", false,
		"serve RFC 7591 dynamic client registration at /oauth2/register")
	fs.StringSliceVar(&c.RegistrationGrantTypes, "registration-grant-type",
		[]string{signet.GrantAuthorizationCode, signet.GrantRefreshToken},
		"grant types a registering client may ask for: authorization_code, refresh_token, urn:ietf:params:oauth:grant-type:device_code (repeatable)")
	fs.StringSliceVar(&c.RegistrationScopes, "registration-scope", nil,
		"the only scopes a registering client may ask for (repeatable; empty: any)")
	fs.StringSliceVar(&c.RegistrationRedirectHosts, "registration-redirect-host", nil,
		"the only hosts a registered https redirect URI may name; loopback http redirects stay allowed (repeatable; empty: any)")
	fs.StringVar(&c.RegistrationTokenFile, "registration-token-file", "",
		"file holding the initial access token registration requires as a Bearer token (or env "+RegistrationTokenEnv+"; empty: open registration)")
	fs.BoolVar(&c.DPoPNonces, "dpop-nonces", false,
		"require RFC 9449 server nonces in DPoP proofs (the key is derived from the keyring, the same on every node)")
	fs.StringSliceVar(&c.Accounts, "account", nil,
		`name of an AWS account for ListAccounts: "ID=NAME" or "ID=NAME <EMAIL>" (repeatable)`)
	fs.BoolVar(&c.Dev, "dev", false, "development mode: loopback only, a dev user, a generated master key")
	fs.StringVar(&c.DevPassword, "dev-password", "", "password of the dev user (default: random, printed at start)")
	fs.BoolVar(&c.DevAutoApprove, "dev-auto-approve", false, "approve consent and device prompts of the dev user without asking")
	fs.StringVar(&c.DevAccount, "dev-account", "000000000000", "AWS account id the dev user is assigned to")
	fs.StringVar(&c.DevRole, "dev-role", "Developer", "role name the dev user is assigned")
}

// lifetimeFlags are the rows of the engine's lifetime table that are
// operator settings.
func lifetimeFlags() []authserver.LifetimeSetting {
	var out []authserver.LifetimeSetting
	for _, l := range authserver.LifetimeSettings() {
		if l.Flag != "" {
			out = append(out, l)
		}
	}
	return out
}

// EnvName is the environment variable of a flag.
func EnvName(flag string) string {
	return "SIGNET_" + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// Settings names the flags that are settings (and so have an environment
// variable and a YAML key), as opposed to a command's own flags such as
// --password-stdin.
func Settings() map[string]bool {
	fs := newFlagSet()
	ServeFlags(fs, &Config{})
	names := map[string]bool{}
	fs.VisitAll(func(f *pflag.Flag) { names[f.Name] = f.Name != "config" })
	return names
}
