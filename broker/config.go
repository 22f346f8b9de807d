package broker

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// Kind says which request format a provider speaks.
type Kind string

// Provider kinds.
const (
	// KindFigma is Figma's token API (see figma.go): form-encoded POSTs to
	// separate token and refresh endpoints, client authentication by HTTP
	// Basic.
	KindFigma Kind = "figma"
	// KindOAuth2 is a standard RFC 6749 token endpoint (§4.1.3 code
	// exchange, §6 refresh) with client_secret_basic or client_secret_post
	// authentication (§2.3.1). Another signet's standard token endpoint is
	// one.
	KindOAuth2 Kind = "oauth2"
)

// AuthMethod is how the broker authenticates to the provider's token
// endpoint (RFC 6749 §2.3.1; the names are RFC 7591 §2's
// token_endpoint_auth_method values).
type AuthMethod string

// Client authentication methods.
const (
	AuthBasic AuthMethod = "client_secret_basic" // HTTP Basic, id and secret form-encoded first
	AuthPost  AuthMethod = "client_secret_post"  // client_id and client_secret in the form body
)

// Defaults and bounds for the upstream client (catalogue BR-04, BR-06).
const (
	DefaultConnectTimeout   = 5 * time.Second
	DefaultTimeout          = 10 * time.Second
	DefaultMaxResponseBytes = 64 << 10
	DefaultMaxExpiresIn     = 366 * 24 * time.Hour
	DefaultUsedCodeMemory   = 10 * time.Minute

	maxConnectTimeout = 5 * time.Second
	maxTimeout        = 10 * time.Second
)

// Config is the broker's configuration: the providers it brokers and how it
// talks to them. It is a plain value meant to be decoded from the
// configuration file's broker section (YAML field names in the tags);
// New validates it.
//
//	providers:
//	  - name: figma
//	    kind: figma
//	    default_client: studio
//	    clients:
//	      - id: studio
//	        secret_file: /run/secrets/figma-studio
//	        redirect_uris: [https://studio.example.com/figma/callback]
//	        allowed_principals: ["123456789012"]
type Config struct {
	Providers []ProviderConfig `yaml:"providers" json:"providers"`
	Upstream  UpstreamConfig   `yaml:"upstream" json:"upstream"`
}

// UpstreamConfig bounds the calls to providers. Zero values take the
// defaults; the timeouts cannot exceed BR-04's bounds (connect 5 s, total
// 10 s).
type UpstreamConfig struct {
	ConnectTimeout time.Duration `yaml:"connect_timeout" json:"connect_timeout"` // TCP connect and TLS handshake
	// Timeout bounds one whole operation, both attempts of a retried
	// refresh included, from dial to the last byte of the response.
	Timeout          time.Duration `yaml:"timeout" json:"timeout"`
	MaxResponseBytes int64         `yaml:"max_response_bytes" json:"max_response_bytes"`
	// MaxExpiresIn is the longest access-token lifetime believed; a longer
	// expires_in is treated as a broken upstream.
	MaxExpiresIn time.Duration `yaml:"max_expires_in" json:"max_expires_in"`
	// AllowPrivateNetworks lets the broker dial loopback, private (RFC 1918,
	// RFC 6598) and unique-local (fc00::/7) addresses, and use plain http
	// for a loopback host. It is off by default (catalogue BR-03) and meant
	// for tests and for a signet that uses another signet on its own
	// network as the upstream. Link-local addresses (169.254.0.0/16,
	// fe80::/10: cloud metadata services) stay refused regardless.
	AllowPrivateNetworks bool `yaml:"allow_private_networks" json:"allow_private_networks"`
	// UsedCodeMemory is how long a code that reached the provider is
	// remembered as spent, so that replaying it costs no upstream call.
	UsedCodeMemory time.Duration `yaml:"used_code_memory" json:"used_code_memory"`
}

// ProviderConfig is one upstream OAuth provider.
type ProviderConfig struct {
	// Name is the {provider} path label, case-sensitive: [a-z0-9_-], 1–64.
	Name string `yaml:"name" json:"name"`
	Kind Kind   `yaml:"kind" json:"kind"`
	// TokenURL and RefreshURL: for KindFigma they default to Figma's
	// endpoints; for KindOAuth2 TokenURL is required and RefreshURL
	// defaults to it. Only https, except http to a loopback host when
	// Upstream.AllowPrivateNetworks is set.
	TokenURL   string `yaml:"token_url" json:"token_url"`
	RefreshURL string `yaml:"refresh_url" json:"refresh_url"`
	// AuthMethod: KindFigma always uses Basic (Figma documents nothing
	// else); KindOAuth2 defaults to client_secret_basic, the method RFC 6749
	// §2.3.1 says every server must support.
	AuthMethod AuthMethod `yaml:"auth_method" json:"auth_method"`
	// DefaultClient is the client used when a request names none; empty
	// with exactly one client means that one.
	DefaultClient string         `yaml:"default_client" json:"default_client"`
	Clients       []ClientConfig `yaml:"clients" json:"clients"`
}

// ClientConfig is one client the broker holds at a provider.
type ClientConfig struct {
	ID string `yaml:"id" json:"id"`
	// The client secret: exactly one of Secret (inline, for tests and
	// throwaway setups), SecretFile (a file of mode 0600 or stricter; one
	// trailing newline is dropped) or SecretEnv (an environment variable).
	// Catalogue BR-08 and SE-07: the secret never lives in the database.
	Secret     Secret `yaml:"secret" json:"secret"`
	SecretFile string `yaml:"secret_file" json:"secret_file"`
	SecretEnv  string `yaml:"secret_env" json:"secret_env"`
	// RedirectURIs is the allowlist, compared exactly (RFC 9700 §2.1): an
	// exchange naming any other redirectUri is refused before any upstream
	// call (catalogue BR-02).
	RedirectURIs []string `yaml:"redirect_uris" json:"redirect_uris"`
	// AllowedPrincipals says which SigV4 principals may use this client:
	// "*" for any, a 12-digit account id for every principal of that
	// account, or a principal ARN in which "*" matches any run of
	// characters (arn:aws:sts::123456789012:assumed-role/Studio/*).
	AllowedPrincipals []string `yaml:"allowed_principals" json:"allowed_principals"`
}

// Secret is a client secret in configuration. It prints, logs and
// marshals as "[redacted]" so that dumping a Config never shows it.
type Secret string

const redacted = "[redacted]"

func (Secret) String() string               { return redacted }
func (Secret) GoString() string             { return redacted }
func (Secret) LogValue() slog.Value         { return slog.StringValue(redacted) }
func (Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }

// Figma's endpoints, from Figma's REST API documentation, "OAuth apps"
// (https://developers.figma.com/docs/rest-api/authentication/, as of
// 2025): since February 2025 the code exchange is POST
// https://api.figma.com/v1/oauth/token and the refresh is POST
// https://api.figma.com/v1/oauth/refresh; the older
// https://www.figma.com/api/oauth/token was retired.
const (
	FigmaTokenURL   = "https://api.figma.com/v1/oauth/token"
	FigmaRefreshURL = "https://api.figma.com/v1/oauth/refresh"
)

// Validate checks c and reports every problem it finds, each naming the
// offending entry. It does not read secret files or the environment (New
// does).
func (c Config) Validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	u := c.Upstream
	if u.ConnectTimeout < 0 || u.ConnectTimeout > maxConnectTimeout {
		add("broker: upstream.connect_timeout must be between 0 (default %s) and %s", DefaultConnectTimeout, maxConnectTimeout)
	}
	if u.Timeout < 0 || u.Timeout > maxTimeout {
		add("broker: upstream.timeout must be between 0 (default %s) and %s", DefaultTimeout, maxTimeout)
	}
	if u.MaxResponseBytes < 0 || u.MaxResponseBytes > 1<<20 {
		add("broker: upstream.max_response_bytes must be between 0 (default %d) and 1 MiB", DefaultMaxResponseBytes)
	}
	if u.MaxExpiresIn < 0 {
		add("broker: upstream.max_expires_in must not be negative")
	}
	if u.UsedCodeMemory < 0 {
		add("broker: upstream.used_code_memory must not be negative")
	}
	seen := map[string]bool{}
	for i, p := range c.Providers {
		where := fmt.Sprintf("broker: providers[%d]", i)
		if p.Name != "" {
			where += " (" + p.Name + ")"
		}
		if !validName(p.Name) {
			add("%s: name must be 1-64 characters of a-z, 0-9, _ and -", where)
		} else if seen[p.Name] {
			add("%s: name is used by another provider", where)
		}
		seen[p.Name] = true
		switch p.Kind {
		case KindFigma:
			if p.AuthMethod != "" && p.AuthMethod != AuthBasic {
				add("%s: kind figma authenticates with client_secret_basic only", where)
			}
		case KindOAuth2:
			if p.TokenURL == "" {
				add("%s: kind oauth2 needs token_url", where)
			}
			if p.AuthMethod != "" && p.AuthMethod != AuthBasic && p.AuthMethod != AuthPost {
				add("%s: auth_method must be client_secret_basic or client_secret_post", where)
			}
		default:
			add("%s: kind must be figma or oauth2", where)
		}
		for _, f := range []struct{ name, v string }{{"token_url", p.TokenURL}, {"refresh_url", p.RefreshURL}} {
			if f.v != "" {
				if err := checkUpstreamURL(f.v, u.AllowPrivateNetworks); err != nil {
					add("%s: %s: %v", where, f.name, err)
				}
			}
		}
		if len(p.Clients) == 0 {
			add("%s: needs at least one client", where)
		}
		ids := map[string]bool{}
		for j, cl := range p.Clients {
			cw := fmt.Sprintf("%s: clients[%d]", where, j)
			if cl.ID != "" {
				cw += " (" + cl.ID + ")"
			}
			if cl.ID == "" || len(cl.ID) > 256 || strings.ContainsAny(cl.ID, "\x00\r\n") {
				add("%s: id must be 1-256 characters", cw)
			} else if ids[cl.ID] {
				add("%s: id is used by another client of this provider", cw)
			}
			ids[cl.ID] = true
			n := 0
			for _, s := range []string{string(cl.Secret), cl.SecretFile, cl.SecretEnv} {
				if s != "" {
					n++
				}
			}
			if n != 1 {
				add("%s: set exactly one of secret, secret_file and secret_env", cw)
			}
			if len(cl.RedirectURIs) == 0 {
				add("%s: needs at least one redirect_uris entry", cw)
			}
			for _, r := range cl.RedirectURIs {
				if ru, err := url.Parse(r); err != nil || !ru.IsAbs() || ru.Fragment != "" || ru.Host == "" && ru.Opaque == "" {
					add("%s: redirect URI %q must be an absolute URI without a fragment", cw, r)
				}
			}
			if len(cl.AllowedPrincipals) == 0 {
				add(`%s: needs at least one allowed_principals entry ("*" allows every signed caller)`, cw)
			}
			for _, ap := range cl.AllowedPrincipals {
				if !validPrincipalPattern(ap) {
					add(`%s: allowed principal %q must be "*", a 12-digit account id or an arn:aws: principal ARN`, cw, ap)
				}
			}
		}
		if p.DefaultClient != "" && !ids[p.DefaultClient] {
			add("%s: default_client %q is not one of its clients", where, p.DefaultClient)
		}
	}
	return errors.Join(errs...)
}

func validName(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := range len(s) {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

func validPrincipalPattern(p string) bool {
	if p == "*" {
		return true
	}
	if len(p) == 12 {
		if _, err := strconv.ParseUint(p, 10, 64); err == nil {
			return true
		}
	}
	return strings.HasPrefix(p, "arn:aws:") && len(p) <= 2048
}

// checkUpstreamURL enforces catalogue BR-03's static half: the upstream is
// an https URL from configuration, with no credentials or fragment in it;
// plain http only to a loopback host, and only when private networks are
// allowed.
func checkUpstreamURL(s string, allowPrivate bool) error {
	u, err := url.Parse(s)
	if err != nil {
		return errors.New("not a URL")
	}
	if u.Host == "" || u.User != nil || u.Fragment != "" {
		return errors.New("must be an absolute URL with a host and without user info or fragment")
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !allowPrivate || !loopbackHost(u.Hostname()) {
			return errors.New("must use https (http only to a loopback host, with upstream.allow_private_networks)")
		}
	default:
		return errors.New("must use https")
	}
	return nil
}

func loopbackHost(h string) bool {
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// SecretSource reads the secrets configuration points to. The zero value
// reads the process environment and the file system.
type SecretSource struct {
	Getenv   func(string) string               // nil: os.Getenv
	ReadFile func(name string) ([]byte, error) // nil: ReadSecretFile
}

func (s SecretSource) resolve(c ClientConfig) (string, error) {
	switch {
	case c.Secret != "":
		return string(c.Secret), nil
	case c.SecretEnv != "":
		getenv := s.Getenv
		if getenv == nil {
			getenv = os.Getenv
		}
		v := getenv(c.SecretEnv)
		if v == "" {
			return "", fmt.Errorf("environment variable %s is empty or unset", c.SecretEnv)
		}
		return v, nil
	default:
		read := s.ReadFile
		if read == nil {
			read = ReadSecretFile
		}
		b, err := read(c.SecretFile)
		if err != nil {
			return "", err
		}
		v := strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r")
		if v == "" || strings.ContainsAny(v, "\r\n") {
			return "", fmt.Errorf("secret file %s must hold one non-empty line", c.SecretFile)
		}
		return v, nil
	}
}

// ReadSecretFile reads a secret file, refusing one that is not a regular
// file or that its group or others may read or write (catalogue SE-07).
func ReadSecretFile(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("secret file %s is not a regular file", name)
	}
	if st.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("secret file %s has mode %v; it must not be accessible to group or others (chmod 600)", name, st.Mode().Perm())
	}
	b, err := io.ReadAll(io.LimitReader(f, 64<<10+1))
	if err != nil {
		return nil, err
	}
	if len(b) > 64<<10 {
		return nil, fmt.Errorf("secret file %s is larger than 64 KiB", name)
	}
	return b, nil
}
