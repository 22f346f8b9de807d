package config

import (
	"log/slog"
	"net/netip"
	"time"

	"github.com/signet-auth/signet/authserver"
	"github.com/signet-auth/signet/broker"
	"github.com/signet-auth/signet/ratelimit"
)

// Config is everything `signet serve` and `signet admin` are told. It is
// filled from four sources, each overriding the one before: the defaults,
// the YAML file named by --config (or SIGNET_CONFIG), SIGNET_* environment
// variables, and command-line flags. Every flag's environment variable is
// SIGNET_ and the flag name in upper case with '-' as '_'; every YAML key is
// the field's yaml tag.
type Config struct {
	ConfigFile string `yaml:"-"`

	Addr           string   `yaml:"addr"`
	Issuer         string   `yaml:"issuer"`
	DataDir        string   `yaml:"data_dir"`
	DatabaseURL    string   `yaml:"database_url"`
	LogFormat      string   `yaml:"log_format"`
	LogLevel       string   `yaml:"log_level"`
	TLSCert        string   `yaml:"tls_cert"`
	TLSKey         string   `yaml:"tls_key"`
	TrustedProxies []string `yaml:"trusted_proxies"`
	MasterKeyFile  string   `yaml:"master_key_file"`
	MaxConns       int      `yaml:"max_conns"`
	DebugAddr      string   `yaml:"debug_addr"`
	MetricsAddr    string   `yaml:"metrics_addr"` // metrics.go
	// ClientCache is how many clients each node keeps in memory for the
	// refresh, code and device grants (authserver.Config.ClientCache).
	ClientCache int `yaml:"client_cache"`
	// AuditRetention is how long audit records are kept (audit.go).
	AuditRetention time.Duration `yaml:"audit_retention"`
	// OTLPEndpoint turns on OpenTelemetry traces (tracing.go).
	OTLPEndpoint string `yaml:"otlp_endpoint"`
	// AdminUsers may use the admin console (admin.go).
	AdminUsers []string `yaml:"admin_users"`

	// Federation: upstream identity providers (federation.go).
	Federation Federation `yaml:",inline"`
	// SCIM: the bounds of SCIM provisioning requests (scim.go).
	SCIM SCIM `yaml:",inline"`

	// Lifetimes are the engine's, one YAML key and flag per row of
	// authserver.LifetimeSettings that has a flag.
	Lifetimes authserver.Lifetimes `yaml:",inline"`

	// Rate limits (package ratelimit): per node, then shared across nodes.
	RateNode           ratelimit.Limit `yaml:"rate_limit_node"`
	RateIP             ratelimit.Limit `yaml:"rate_limit_ip"`
	RateClient         ratelimit.Limit `yaml:"rate_limit_client"`
	RateRegister       ratelimit.Limit `yaml:"rate_limit_register"`
	RateIntrospect     ratelimit.Limit `yaml:"rate_limit_introspect"`
	RateRegisterShared ratelimit.Limit `yaml:"rate_limit_register_shared"`
	RateLoginAccount   ratelimit.Limit `yaml:"rate_limit_login_account"`
	RateLoginIP        ratelimit.Limit `yaml:"rate_limit_login_ip"`
	RateUserCodeIP     ratelimit.Limit `yaml:"rate_limit_user_code_ip"`
	RateUserCodeSess   ratelimit.Limit `yaml:"rate_limit_user_code_session"`
	RateUserCodeAcct   ratelimit.Limit `yaml:"rate_limit_user_code_account"`
	RateUserCodeGlobal AutoLimit       `yaml:"rate_limit_user_code_global"`
	RateClientAuth     ratelimit.Limit `yaml:"rate_limit_client_auth"`

	// SigV4 and CreateTokenWithIAM.
	SigV4Emulation        bool   `yaml:"sigv4_emulation"`
	SigV4EmulationForce   bool   `yaml:"sigv4_emulation_force"`
	SigV4EmulationAccount string `yaml:"sigv4_emulation_account"`
	IAMAccountID          string `yaml:"iam_account_id"`
	Region                string `yaml:"region"`
	// TrustedTokenIssuers are CreateTokenWithIAM's jwt-bearer issuers
	// (trustedissuers.go).
	TrustedTokenIssuers []string `yaml:"trusted_token_issuers"`

	// Real AWS credentials (package iamrole; awsiam.go).
	AWSIAMAudience  string        `yaml:"aws_iam_audience"`
	AWSSTSEndpoint  string        `yaml:"aws_sts_endpoint"`
	AWSSTSRegion    string        `yaml:"aws_sts_region"`
	AWSRoleDuration time.Duration `yaml:"aws_role_duration"`
	AWSSTSTimeout   time.Duration `yaml:"aws_sts_timeout"`

	// RFC 7591 dynamic client registration at /oauth2/register (see
	// registration.go).
	DynamicRegistration       bool     `yaml:"dynamic_registration"`
	RegistrationGrantTypes    []string `yaml:"registration_grant_types"`
	RegistrationScopes        []string `yaml:"registration_scopes"`
	RegistrationRedirectHosts []string `yaml:"registration_redirect_hosts"`
	RegistrationTokenFile     string   `yaml:"registration_token_file"`

	// DPoPNonces turns on RFC 9449 §8 server nonces; the nonce key is
	// derived from the keyring's HMAC key, so every node agrees.
	DPoPNonces bool `yaml:"dpop_nonces"`

	// Accounts names AWS accounts for the SSO portal's ListAccounts:
	// "ID=NAME" or "ID=NAME <EMAIL>".
	Accounts []string `yaml:"accounts"`

	Dev            bool   `yaml:"dev"`
	DevPassword    string `yaml:"dev_password"`
	DevAutoApprove bool   `yaml:"dev_auto_approve"`
	DevAccount     string `yaml:"dev_account"`
	DevRole        string `yaml:"dev_role"`

	// MFA: second factors of local accounts (mfa.go).
	MFA MFASettings `yaml:",inline"`

	// Broker configures the Amplify UI Builder token broker's providers.
	// It lives in the YAML file only: it is structured, and it names the
	// client secrets (by file or environment variable, never in the
	// database).
	Broker broker.Config `yaml:"broker"`

	// Set by Validate from the strings above.
	trustedProxies []netip.Prefix
	trustedIssuers []authserver.TrustedIssuer
	logLevel       slog.Level
	accounts       map[string]Account
}

// DefaultAddr is where serve listens without --addr: loopback only, so a
// first run exposes nothing.
const DefaultAddr = "127.0.0.1:8400"

// DefaultClientCache and MaxClientCache bound --client-cache: ten thousand
// clients are a few MiB.
const (
	DefaultClientCache = 10000
	MaxClientCache     = 1000000
)

// Account is what ListAccounts shows of an account besides its id.
type Account struct {
	Name, Email string
}

// Default returns the configuration `signet serve` has with no flag, no
// environment and no file.
func Default() Config {
	var c Config
	ServeFlags(newFlagSet(), &c)
	return c
}

// TrustedPrefixes are the parsed --trusted-proxy prefixes (after Validate).
func (c *Config) TrustedPrefixes() []netip.Prefix { return c.trustedProxies }

// Level is the parsed --log-level (after Validate).
func (c *Config) Level() slog.Level { return c.logLevel }

// AccountNames are the parsed --account entries by account id (after
// Validate).
func (c *Config) AccountNames() map[string]Account { return c.accounts }
