package config

import (
	"context"
	"crypto/rand"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/authserver"
	"github.com/signet-auth/signet/password"
	"github.com/signet-auth/signet/ratelimit"
	"github.com/signet-auth/signet/secret"
	"github.com/signet-auth/signet/sqlite"
)

// mapenv is a getenv over a fixed map, so tests never see the machine's
// SIGNET_* variables.
func mapenv(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// parseServe runs the serve configuration path: flags, then load, then
// validate.
func parseServe(t *testing.T, args []string, env map[string]string) (*Config, error) {
	t.Helper()
	var c Config
	fs := pflag.NewFlagSet("serve", pflag.ContinueOnError)
	ServeFlags(fs, &c)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if err := Load(fs, &c, mapenv(env)); err != nil {
		return &c, err
	}
	return &c, c.Validate()
}

func writeFile(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "signet.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestConfigPrecedence(t *testing.T) {
	file := writeFile(t, `
addr: 127.0.0.1:1111
issuer: https://file.example
log_format: json
trusted_proxies: [10.0.0.0/8]
access_lifetime: 30m
dev_account: "111111111111"
`)
	tests := []struct {
		name  string
		args  []string
		env   map[string]string
		check func(*Config) bool
	}{
		{"defaults", nil, nil, func(c *Config) bool {
			return c.Addr == DefaultAddr && c.DataDir == "./signet-data" && c.Lifetimes.AccessToken == time.Hour &&
				c.Lifetimes.SignInAccessToken == 900*time.Second && c.DevAccount == "000000000000" && c.DevRole == "Developer" &&
				!c.DevAutoApprove && c.LogFormat == "text"
		}},
		{"file over defaults", []string{"--config", file}, nil, func(c *Config) bool {
			return c.Addr == "127.0.0.1:1111" && c.Issuer == "https://file.example" && c.LogFormat == "json" &&
				reflect.DeepEqual(c.TrustedProxies, []string{"10.0.0.0/8"}) && c.Lifetimes.AccessToken == 30*time.Minute &&
				c.DevAccount == "111111111111" && c.DataDir == "./signet-data"
		}},
		{"file named by SIGNET_CONFIG", nil, map[string]string{"SIGNET_CONFIG": file}, func(c *Config) bool {
			return c.Addr == "127.0.0.1:1111"
		}},
		{"env over file", []string{"--config", file}, map[string]string{
			"SIGNET_ADDR": "127.0.0.1:2222", "SIGNET_TRUSTED_PROXY": "192.0.2.0/24,198.51.100.0/24", "SIGNET_ACCESS_LIFETIME": "45m",
		}, func(c *Config) bool {
			return c.Addr == "127.0.0.1:2222" && c.Issuer == "https://file.example" &&
				reflect.DeepEqual(c.TrustedProxies, []string{"192.0.2.0/24", "198.51.100.0/24"}) && c.Lifetimes.AccessToken == 45*time.Minute
		}},
		{"flags over env and file", []string{"--config", file, "--addr", "127.0.0.1:3333", "--trusted-proxy", "203.0.113.0/24", "--access-lifetime", "10m"},
			map[string]string{"SIGNET_ADDR": "127.0.0.1:2222", "SIGNET_TRUSTED_PROXY": "192.0.2.0/24", "SIGNET_ACCESS_LIFETIME": "45m"},
			func(c *Config) bool {
				return c.Addr == "127.0.0.1:3333" && reflect.DeepEqual(c.TrustedProxies, []string{"203.0.113.0/24"}) &&
					c.Lifetimes.AccessToken == 10*time.Minute && c.LogFormat == "json"
			}},
		{"flag equal to the default still wins", []string{"--config", file, "--addr", DefaultAddr}, nil, func(c *Config) bool {
			return c.Addr == DefaultAddr
		}},
		{"dev settings from env", []string{"--dev"}, map[string]string{"SIGNET_DEV_AUTO_APPROVE": "true", "SIGNET_DEV_ROLE": "Admin"},
			func(c *Config) bool { return c.Dev && c.DevAutoApprove && c.DevRole == "Admin" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parseServe(t, tt.args, tt.env)
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(c) {
				t.Fatalf("unexpected config: %+v", *c)
			}
		})
	}
}

func TestConfigValidation(t *testing.T) {
	unknownKey := writeFile(t, "addr: 127.0.0.1:8400\nadress: 127.0.0.1:9999\n")
	badType := writeFile(t, "max_conns: many\n")
	badBroker := writeFile(t, "broker:\n  providers:\n    - name: Not/A/Name\n      kind: figma\n")
	unknownBrokerKey := writeFile(t, "broker:\n  providers:\n    - name: figma\n      kind: figma\n      client_secret: x\n")
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string // substring of the error
	}{
		{"unknown YAML key", []string{"--config", unknownKey}, nil, "field adress not found"},
		{"YAML value of the wrong type", []string{"--config", badType}, nil, "cannot unmarshal !!str `many` into int"},
		{"invalid broker provider", []string{"--config", badBroker}, nil, "broker:"},
		{"unknown key inside the broker section", []string{"--config", unknownBrokerKey}, nil, "field client_secret not found"},
		{"missing config file", []string{"--config", "/nonexistent/signet.yaml"}, nil, "config file"},
		{"dev on every interface", []string{"--dev", "--addr", "0.0.0.0:8400"}, nil, "--dev serves only on a loopback address"},
		{"dev on an empty host", []string{"--dev", "--addr", ":8400"}, nil, "loopback"},
		{"dev on a public address", []string{"--dev", "--addr", "192.0.2.1:8400"}, nil, "loopback"},
		{"bad addr", []string{"--addr", "nonsense"}, nil, "--addr"},
		{"Sign-In credentials over 900 s", []string{"--signin-access-lifetime", "901s"}, nil, "--signin-access-lifetime 15m1s"},
		{"code lifetime over 10 min", []string{"--code-lifetime", "11m"}, nil, "--code-lifetime"},
		{"zero access lifetime", []string{"--access-lifetime", "0s"}, nil, "--access-lifetime"},
		{"unparsable lifetime in env", nil, map[string]string{"SIGNET_SESSION_LIFETIME": "forever"}, "SIGNET_SESSION_LIFETIME"},
		{"log format", []string{"--log-format", "xml"}, nil, "--log-format"},
		{"log level", []string{"--log-level", "loud"}, nil, "--log-level"},
		{"TLS cert without key", []string{"--tls-cert", "c.pem"}, nil, "--tls-cert and --tls-key"},
		{"bad trusted proxy", []string{"--trusted-proxy", "proxy.example"}, nil, "--trusted-proxy"},
		{"issuer with a query", []string{"--issuer", "https://signet.example/?x=1"}, nil, "--issuer"},
		{"issuer not http", []string{"--issuer", "ftp://signet.example"}, nil, "--issuer"},
		{"plain http issuer off loopback", []string{"--issuer", "http://signet.example"}, nil, "plain http only for a loopback host"},
		{"public addr without an issuer", []string{"--addr", "0.0.0.0:8400"}, nil, "set --issuer"},
		{"database URL not postgres", []string{"--database-url", "mysql://db"}, nil, "--database-url"},
		{"dev password without dev", []string{"--dev-password", "hunter22"}, nil, "need --dev"},
		{"dev auto-approve without dev", []string{"--dev-auto-approve"}, nil, "need --dev"},
		{"dev account not 12 digits", []string{"--dev", "--dev-account", "12345"}, nil, "--dev-account"},
		{"max conns", []string{"--max-conns", "0"}, nil, "--max-conns"},
		{"debug listener off loopback", []string{"--debug-addr", "0.0.0.0:6060"}, nil, "--debug-addr"},
		{"debug listener without a port", []string{"--debug-addr", "127.0.0.1"}, nil, "--debug-addr"},
		{"unparsable rate limit", []string{"--rate-limit-ip", "fast"}, nil, "--rate-limit-ip"},
		{"unparsable rate limit in env", nil, map[string]string{"SIGNET_RATE_LIMIT_CLIENT": "10/fortnight"}, "SIGNET_RATE_LIMIT_CLIENT"},
		{"guessing limit off", []string{"--rate-limit-client-auth", "off"}, nil, "--rate-limit-client-auth: a limit on guessing cannot be off"},
		{"user-code limit off", []string{"--rate-limit-user-code-account", "off"}, nil, "--rate-limit-user-code-account"},
		{"SigV4 emulation off loopback", []string{"--sigv4-emulation", "--addr", "0.0.0.0:8400", "--issuer", "https://signet.example"}, nil, "--sigv4-emulation-force overrides"},
		{"SigV4 emulation force alone", []string{"--sigv4-emulation-force"}, nil, "--sigv4-emulation-force needs --sigv4-emulation"},
		{"SigV4 emulation account", []string{"--sigv4-emulation", "--sigv4-emulation-account", "abc"}, nil, "--sigv4-emulation-account"},
		{"IAM account not 12 digits", []string{"--iam-account-id", "1234"}, nil, "--iam-account-id"},
		{"region", []string{"--region", "Mars"}, nil, "--region"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseServe(t, tt.args, tt.env)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
		})
	}

	t.Run("every bad setting reported at once", func(t *testing.T) {
		_, err := parseServe(t, []string{"--log-format", "xml", "--code-lifetime", "1h"}, nil)
		if err == nil || !strings.Contains(err.Error(), "--log-format") || !strings.Contains(err.Error(), "--code-lifetime") {
			t.Fatalf("error %v", err)
		}
	})
	t.Run("public addr behind a TLS proxy", func(t *testing.T) {
		if _, err := parseServe(t, []string{"--addr", "0.0.0.0:8400", "--issuer", "https://signet.example", "--trusted-proxy", "10.0.0.0/8"}, nil); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("valid dev on loopback", func(t *testing.T) {
		for _, addr := range []string{"127.0.0.1:0", "[::1]:8400", "localhost:8400"} {
			if _, err := parseServe(t, []string{"--dev", "--addr", addr}, nil); err != nil {
				t.Errorf("%s: %v", addr, err)
			}
		}
	})
}

func TestRateLimitSettings(t *testing.T) {
	t.Run("defaults", func(t *testing.T) {
		c, err := parseServe(t, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		p, err := c.RatePolicy()
		if err != nil {
			t.Fatal(err)
		}
		if p != ratelimit.DefaultPolicy() {
			t.Errorf("policy %+v, want the defaults %+v", p, ratelimit.DefaultPolicy())
		}
	})
	t.Run("flags, env and file", func(t *testing.T) {
		file := writeFile(t, "rate_limit_node: 500/s\nrate_limit_user_code_global: 3/15m\nrate_limit_login_account: \"3/5m\"\n")
		c, err := parseServe(t, []string{"--config", file, "--rate-limit-ip", "off"},
			map[string]string{"SIGNET_RATE_LIMIT_NODE": "800/s", "SIGNET_RATE_LIMIT_CLIENT_AUTH": "20/h"})
		if err != nil {
			t.Fatal(err)
		}
		p, err := c.RatePolicy()
		if err != nil {
			t.Fatal(err)
		}
		for name, tc := range map[string]struct{ got, want ratelimit.Limit }{
			"node (env over file)":    {p.Node, ratelimit.Limit{N: 800, Per: time.Second}},
			"ip (flag, off)":          {p.IP, ratelimit.Limit{}},
			"client auth (env)":       {p.ClientAuth, ratelimit.Limit{N: 20, Per: time.Hour}},
			"user-code global (file)": {p.UserCodeGlobal, ratelimit.Limit{N: 3, Per: 15 * time.Minute}},
			"login account (file)":    {p.LoginAccount, ratelimit.Limit{N: 3, Per: 5 * time.Minute}},
			"register (default)":      {p.Register, ratelimit.DefaultPolicy().Register},
		} {
			if tc.got != tc.want {
				t.Errorf("%s: %v, want %v", name, tc.got, tc.want)
			}
		}
	})
	t.Run("user-code global alert may be off", func(t *testing.T) {
		c, err := parseServe(t, []string{"--rate-limit-user-code-global", "off"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if p, err := c.RatePolicy(); err != nil || !p.UserCodeGlobal.Off() {
			t.Errorf("policy %v, %v: want the alert off", p.UserCodeGlobal, err)
		}
	})
	t.Run("auto user-code alert follows the device lifetime", func(t *testing.T) {
		c, err := parseServe(t, []string{"--device-lifetime", "30m"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		p, err := c.RatePolicy()
		if err != nil {
			t.Fatal(err)
		}
		if want := (ratelimit.Limit{N: 1192, Per: 30 * time.Minute}); p.UserCodeGlobal != want {
			t.Errorf("user-code global %v, want %v", p.UserCodeGlobal, want)
		}
	})
	t.Run("SigV4 emulation", func(t *testing.T) {
		if _, err := parseServe(t, []string{"--sigv4-emulation"}, nil); err != nil {
			t.Errorf("on the loopback default address: %v", err)
		}
		if _, err := parseServe(t, []string{"--sigv4-emulation", "--sigv4-emulation-force", "--addr", "0.0.0.0:8400",
			"--issuer", "https://signet.example"}, nil); err != nil {
			t.Errorf("forced on every interface: %v", err)
		}
	})
}

func TestEmptyConfigFile(t *testing.T) {
	if _, err := parseServe(t, []string{"--config", writeFile(t, "")}, nil); err != nil {
		t.Fatal(err)
	}
}

// The README's configuration table names every setting with its flag, its
// environment variable and its YAML key.
func TestREADMEListsEverySetting(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	keys := yamlKeys()
	n := 0
	for name, isSetting := range Settings() {
		if !isSetting {
			continue
		}
		n++
		for _, want := range []string{"`--" + name + "`", "`" + EnvName(name) + "`"} {
			if !strings.Contains(readme, want) {
				t.Errorf("README lacks %s", want)
			}
		}
	}
	// Structured settings live in the file only.
	const yamlOnly = 2 // broker, identity_providers
	if n+yamlOnly != len(keys) {
		t.Errorf("%d settings and %d file-only keys but %d YAML keys: every setting needs one", n, yamlOnly, len(keys))
	}
	for _, k := range keys {
		if !strings.Contains(readme, "`"+k+"`") {
			t.Errorf("README lacks YAML key %s", k)
		}
	}
}

// yamlKeys lists the YAML keys of Config.
func yamlKeys() []string {
	var keys []string
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for i := range t.NumField() {
			tag := t.Field(i).Tag.Get("yaml")
			if tag == ",inline" {
				walk(t.Field(i).Type)
				continue
			}
			if k := strings.Split(tag, ",")[0]; k != "" && k != "-" {
				keys = append(keys, k)
			}
		}
	}
	walk(reflect.TypeFor[Config]())
	return keys
}

// Every value the flags accept, the engine accepts too, and the flag
// defaults are the engine's defaults.
func TestLifetimeBoundsMatchTheEngine(t *testing.T) {
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "signet.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st := db.Stores()
	hasher, err := secret.NewHasher(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	passwords, err := password.New(rand.Reader, password.Params{Memory: password.MinMemory, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32})
	if err != nil {
		t.Fatal(err)
	}
	engine := func(l authserver.Lifetimes) (authserver.Lifetimes, error) {
		s, err := authserver.New(authserver.Config{
			Users: st.Users, Clients: st.Clients, Grants: st.Grants, Clock: signet.SystemClock{},
			Minter: secret.NewMinter(rand.Reader, hasher), Passwords: passwords, Lifetimes: l,
		})
		if err != nil {
			return authserver.Lifetimes{}, err
		}
		return s.Lifetimes(), nil
	}

	c, err := parseServe(t, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := engine(c.Lifetimes)
	if err != nil {
		t.Fatal(err)
	}
	if got != authserver.DefaultLifetimes() {
		t.Fatalf("flag defaults give %+v, the engine's defaults are %+v", got, authserver.DefaultLifetimes())
	}
	for _, l := range lifetimeFlags() {
		if l.Dependent != nil {
			continue // bounded by other settings: browsersessions_test.go
		}
		for _, v := range []time.Duration{l.Min, l.Max} {
			c, err := parseServe(t, []string{"--" + l.Flag, v.String()}, nil)
			if err != nil {
				t.Fatalf("--%s %s: %v", l.Flag, v, err)
			}
			got, err := engine(c.Lifetimes)
			if err != nil {
				t.Fatalf("--%s %s: the engine refuses it: %v", l.Flag, v, err)
			}
			if *l.Field(&got) != v {
				t.Fatalf("--%s %s: the engine uses %s", l.Flag, v, *l.Field(&got))
			}
		}
	}
}
