package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"go.yaml.in/yaml/v3"

	"github.com/signet-auth/signet/authserver"
	"github.com/signet-auth/signet/broker"
	"github.com/signet-auth/signet/httpserver"
	"github.com/signet-auth/signet/ratelimit"
	"github.com/signet-auth/signet/sigv4"
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
	MetricsAddr    string   `yaml:"metrics_addr"` // metricsaddr.go

	CodeLifetime         time.Duration `yaml:"code_lifetime"`
	DeviceLifetime       time.Duration `yaml:"device_lifetime"`
	DeviceInterval       time.Duration `yaml:"device_interval"`
	AccessLifetime       time.Duration `yaml:"access_lifetime"`
	SignInAccessLifetime time.Duration `yaml:"signin_access_lifetime"`
	SessionLifetime      time.Duration `yaml:"session_lifetime"`
	RefreshGrace         time.Duration `yaml:"refresh_grace"`
	ClientLifetime       time.Duration `yaml:"client_lifetime"`
	// Browser sessions (browsersessions.go).
	BrowserSessionLifetime time.Duration `yaml:"browser_session_lifetime"`
	BrowserSessionIdle     time.Duration `yaml:"browser_session_idle"`

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
	RateUserCodeGlobal autoLimit       `yaml:"rate_limit_user_code_global"`
	RateClientAuth     ratelimit.Limit `yaml:"rate_limit_client_auth"`

	// SigV4 and CreateTokenWithIAM.
	SigV4Emulation        bool   `yaml:"sigv4_emulation"`
	SigV4EmulationForce   bool   `yaml:"sigv4_emulation_force"`
	SigV4EmulationAccount string `yaml:"sigv4_emulation_account"`
	IAMAccountID          string `yaml:"iam_account_id"`
	Region                string `yaml:"region"`

	// Real AWS credentials (package iamrole; awsiam.go).
	AWSIAMAudience  string        `yaml:"aws_iam_audience"`
	AWSSTSEndpoint  string        `yaml:"aws_sts_endpoint"`
	AWSSTSRegion    string        `yaml:"aws_sts_region"`
	AWSRoleDuration time.Duration `yaml:"aws_role_duration"`
	AWSSTSTimeout   time.Duration `yaml:"aws_sts_timeout"`

	Dev            bool   `yaml:"dev"`
	DevPassword    string `yaml:"dev_password"`
	DevAutoApprove bool   `yaml:"dev_auto_approve"`
	DevAccount     string `yaml:"dev_account"`
	DevRole        string `yaml:"dev_role"`

	// Broker configures the Amplify UI Builder token broker's providers.
	// It lives in the YAML file only: it is structured, and it names the
	// client secrets (by file or environment variable, never in the
	// database).
	Broker broker.Config `yaml:"broker"`

	// Set by validate from the strings above.
	trustedProxies []netip.Prefix
	logLevel       slog.Level
}

// DefaultAddr is where serve listens without --addr: loopback only, so a
// first run exposes nothing.
const DefaultAddr = "127.0.0.1:8400"

// lifetime is one configurable duration: its Config field, the engine
// setting it feeds, and the bounds validate enforces (DESIGN.md invariant 4:
// every lifetime is configurable and bounded). Defaults are the engine's.
type lifetime struct {
	flag     string
	field    func(*Config) *time.Duration
	engine   func(*authserver.Lifetimes) *time.Duration
	min, max time.Duration
	usage    string
}

const day = 24 * time.Hour

// lifetimes lists every duration setting. The bounds are the engine's
// (authserver.Lifetimes), checked here too so that a bad value is reported
// by its flag name: codes live ≤ 10 min (RFC 6749 §4.1.2), the device poll
// interval starts at 5 s (RFC 8628 §3.2), Sign-In credentials last ≤ 900 s
// (the Sign-In model bounds expiresIn to 1–900). The refresh grace starts at
// 1 s because the engine reads 0 as "the default".
func lifetimes() []lifetime {
	type L = authserver.Lifetimes
	return []lifetime{
		{"code-lifetime", func(c *Config) *time.Duration { return &c.CodeLifetime }, func(l *L) *time.Duration { return &l.AuthorizationCode },
			time.Second, 10 * time.Minute, "authorization code lifetime"},
		{"device-lifetime", func(c *Config) *time.Duration { return &c.DeviceLifetime }, func(l *L) *time.Duration { return &l.DeviceAuthorization },
			time.Minute, 30 * time.Minute, "device code lifetime"},
		{"device-interval", func(c *Config) *time.Duration { return &c.DeviceInterval }, func(l *L) *time.Duration { return &l.DevicePollInterval },
			time.Second, time.Minute, "initial device polling interval"},
		{"access-lifetime", func(c *Config) *time.Duration { return &c.AccessLifetime }, func(l *L) *time.Duration { return &l.AccessToken },
			time.Second, day, "access token lifetime (SSO OIDC, OAuth 2.0)"},
		{"signin-access-lifetime", func(c *Config) *time.Duration { return &c.SignInAccessLifetime }, func(l *L) *time.Duration { return &l.SignInAccessToken },
			time.Second, 15 * time.Minute, "Sign-In access credentials lifetime"},
		{"session-lifetime", func(c *Config) *time.Duration { return &c.SessionLifetime }, func(l *L) *time.Duration { return &l.Session },
			time.Minute, 365 * day, "session (refresh token family) absolute lifetime"},
		{"refresh-grace", func(c *Config) *time.Duration { return &c.RefreshGrace }, func(l *L) *time.Duration { return &l.RefreshGrace },
			time.Second, time.Minute, "window in which a just-rotated refresh token may be retried"},
		{"client-lifetime", func(c *Config) *time.Duration { return &c.ClientLifetime }, func(l *L) *time.Duration { return &l.ClientSecret },
			time.Hour, 365 * day, "lifetime of dynamically registered clients"},
	}
}

// engineLifetimes returns the engine's lifetimes as c sets them.
func (c *Config) engineLifetimes() authserver.Lifetimes {
	var l authserver.Lifetimes
	for _, x := range lifetimes() {
		*x.engine(&l) = *x.field(c)
	}
	c.browserLifetimes(&l)
	return l
}

// storeFlags are the settings every command that opens the store needs.
func storeFlags(fs *pflag.FlagSet, c *Config) {
	fs.StringVar(&c.ConfigFile, "config", "", "YAML configuration file (env SIGNET_CONFIG)")
	fs.StringVar(&c.DataDir, "data-dir", "./signet-data", "directory of the embedded SQLite database (signet.db)")
	fs.StringVar(&c.DatabaseURL, "database-url", "", "postgres:// URL; when set, PostgreSQL is used instead of SQLite")
	fs.StringVar(&c.MasterKeyFile, "master-key-file", "", "file holding the master key that seals server keys (or env SIGNET_MASTER_KEY)")
	fs.StringVar(&c.LogFormat, "log-format", "text", "log format: text or json")
	fs.StringVar(&c.LogLevel, "log-level", "info", "log level: debug, info, warn or error")
}

// serveFlags are the settings of `signet serve`.
func serveFlags(fs *pflag.FlagSet, c *Config) {
	storeFlags(fs, c)
	fs.StringVar(&c.Addr, "addr", DefaultAddr, "listen address host:port")
	fs.StringVar(&c.Issuer, "issuer", "", "external base URL of the server (default http://<addr>)")
	fs.StringVar(&c.TLSCert, "tls-cert", "", "TLS certificate file (PEM); with --tls-key serves HTTPS, TLS 1.2 or later")
	fs.StringVar(&c.TLSKey, "tls-key", "", "TLS private key file (PEM)")
	fs.StringSliceVar(&c.TrustedProxies, "trusted-proxy", nil, "CIDR of a reverse proxy whose X-Forwarded-* headers are trusted (repeatable)")
	fs.IntVar(&c.MaxConns, "max-conns", httpserver.DefaultMaxConns, "maximum simultaneous connections")
	fs.StringVar(&c.DebugAddr, "debug-addr", "", "loopback host:port serving Go's pprof profiles under /debug/pprof/ (empty: off)")
	defaults := authserver.DefaultLifetimes()
	for _, l := range lifetimes() {
		fs.DurationVar(l.field(c), l.flag, *l.engine(&defaults), fmt.Sprintf("%s (%s to %s)", l.usage, l.min, l.max))
	}
	browserSessionFlags(fs, c)
	rateFlags(fs, c)
	metricsFlags(fs, c)
	fs.BoolVar(&c.SigV4Emulation, "sigv4-emulation", false,
		"accept any syntactically valid SigV4 signature; unknown AWS-shaped key ids act as IAM users (loopback --addr only)")
	fs.BoolVar(&c.SigV4EmulationForce, "sigv4-emulation-force", false,
		"allow --sigv4-emulation on an address others can reach: anyone who reaches the port is whoever they claim")
	fs.StringVar(&c.SigV4EmulationAccount, "sigv4-emulation-account", sigv4.DefaultEmulationAccountID,
		"account of the IAM users --sigv4-emulation makes up")
	fs.StringVar(&c.IAMAccountID, "iam-account-id", "",
		"12-digit account whose SigV4-verified principals may call CreateTokenWithIAM (empty: nobody)")
	fs.StringVar(&c.Region, "region", "", "the only region CreateTokenWithIAM signatures may name (empty: any)")
	fs.BoolVar(&c.Dev, "dev", false, "development mode: loopback only, a dev user, a generated master key")
	fs.StringVar(&c.DevPassword, "dev-password", "", "password of the dev user (default: random, printed at start)")
	fs.BoolVar(&c.DevAutoApprove, "dev-auto-approve", false, "approve consent and device prompts of the dev user without asking")
	fs.StringVar(&c.DevAccount, "dev-account", "000000000000", "AWS account id the dev user is assigned to")
	fs.StringVar(&c.DevRole, "dev-role", "Developer", "role name the dev user is assigned")
	awsIAMFlags(fs, c)
}

// envName is the environment variable of a flag.
func envName(flag string) string {
	return "SIGNET_" + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// settings names the flags that are settings (and so have an environment
// variable and a YAML key), as opposed to a command's own flags such as
// --password-stdin.
func settings() map[string]bool {
	fs := pflag.NewFlagSet("", pflag.ContinueOnError)
	serveFlags(fs, &Config{})
	names := map[string]bool{}
	fs.VisitAll(func(f *pflag.Flag) { names[f.Name] = f.Name != "config" })
	return names
}

// load fills c from the file and the environment beneath the flags fs has
// already parsed into it, so that flags > env > file > defaults.
func load(fs *pflag.FlagSet, c *Config, getenv func(string) string) error {
	isSetting := settings()
	// Remember what the command line said: decoding the file writes the
	// same fields.
	type saved struct {
		f     *pflag.Flag
		value string
		slice []string
	}
	var cmdline []saved
	fs.Visit(func(f *pflag.Flag) {
		if !isSetting[f.Name] {
			return
		}
		s := saved{f: f, value: f.Value.String()}
		if sv, ok := f.Value.(pflag.SliceValue); ok {
			s.slice = sv.GetSlice()
		}
		cmdline = append(cmdline, s)
	})

	if c.ConfigFile == "" {
		c.ConfigFile = getenv(envName("config"))
	}
	if c.ConfigFile != "" {
		if err := c.readFile(c.ConfigFile); err != nil {
			return err
		}
	}

	var errs []error
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Changed || !isSetting[f.Name] {
			return
		}
		if v := getenv(envName(f.Name)); v != "" {
			if err := f.Value.Set(v); err != nil {
				errs = append(errs, fmt.Errorf("%s: %v", envName(f.Name), err))
			}
		}
	})
	for _, s := range cmdline {
		var err error
		if sv, ok := s.f.Value.(pflag.SliceValue); ok {
			err = sv.Replace(s.slice)
		} else {
			err = s.f.Value.Set(s.value)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("--%s: %v", s.f.Name, err))
		}
	}
	return errors.Join(errs...)
}

// readFile decodes the YAML file at path over c. Unknown keys are errors, so
// a misspelt setting never silently falls back to its default.
func (c *Config) readFile(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("config file: %w", err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	// An empty file decodes to io.EOF: nothing to set.
	if err := dec.Decode(c); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("config file %s: %w", path, err)
	}
	return nil
}

var (
	accountIDRe = regexp.MustCompile(`^[0-9]{12}$`)
	// roleNameRe is IAM's role name pattern.
	roleNameRe = regexp.MustCompile(`^[\w+=,.@-]{1,64}$`)
	// regionRe is an AWS region name: lower-case words and a number.
	regionRe = regexp.MustCompile(`^[a-z]{2,}(-[a-z]+)+-[0-9]{1,2}$`)
)

// validateStore checks the settings every command that opens the store
// needs.
func (c *Config) validateStore() error {
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

// validate checks everything serve needs, reporting every problem at once.
func (c *Config) validate() error {
	errs := []error{c.validateStore()}
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
	if c.MaxConns < 1 {
		errs = append(errs, fmt.Errorf("--max-conns %d: want at least 1", c.MaxConns))
	}
	for _, l := range lifetimes() {
		if d := *l.field(c); d < l.min || d > l.max {
			errs = append(errs, fmt.Errorf("--%s %s: want between %s and %s", l.flag, d, l.min, l.max))
		}
	}
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
	errs = append(errs, c.validateRates(), c.validateBrowserSessions(), c.validateMetrics(), c.checkDevExposure())
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
	errs = append(errs, c.validateAWSIAM()...)
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
