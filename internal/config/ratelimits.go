package config

import (
	"errors"
	"fmt"

	"github.com/spf13/pflag"

	"github.com/signet-auth/signet/ratelimit"
)

// rateSetting is one rate-limit setting: its flag, its Config field and
// whether it guards something brute-forceable (then it may not be off).
type rateSetting struct {
	flag   string
	field  func(*Config) *ratelimit.Limit
	policy func(*ratelimit.Policy) *ratelimit.Limit
	guard  bool
	usage  string
}

// rateSettings lists the limits with a fixed default (the user-code global
// budget, which follows --device-lifetime, is set apart).
func rateSettings() []rateSetting {
	type P = ratelimit.Policy
	return []rateSetting{
		{"rate-limit-node", func(c *Config) *ratelimit.Limit { return &c.RateNode }, func(p *P) *ratelimit.Limit { return &p.Node },
			false, "ceiling on this node's rate-limited requests (per node)"},
		{"rate-limit-ip", func(c *Config) *ratelimit.Limit { return &c.RateIP }, func(p *P) *ratelimit.Limit { return &p.IP },
			false, "rate-limited requests per client address (per node)"},
		{"rate-limit-client", func(c *Config) *ratelimit.Limit { return &c.RateClient }, func(p *P) *ratelimit.Limit { return &p.Client },
			false, "token and device-authorization requests per client and address (per node)"},
		{"rate-limit-register", func(c *Config) *ratelimit.Limit { return &c.RateRegister }, func(p *P) *ratelimit.Limit { return &p.Register },
			false, "client registrations per address (per node)"},
		{"rate-limit-introspect", func(c *Config) *ratelimit.Limit { return &c.RateIntrospect }, func(p *P) *ratelimit.Limit { return &p.Introspect },
			false, "introspection requests per calling client (per node)"},
		{"rate-limit-register-shared", func(c *Config) *ratelimit.Limit { return &c.RateRegisterShared }, func(p *P) *ratelimit.Limit { return &p.RegisterShared },
			false, "client registrations per address (all nodes)"},
		{"rate-limit-login-account", func(c *Config) *ratelimit.Limit { return &c.RateLoginAccount }, func(p *P) *ratelimit.Limit { return &p.LoginAccount },
			true, "failed logins per address and account (all nodes)"},
		{"rate-limit-login-ip", func(c *Config) *ratelimit.Limit { return &c.RateLoginIP }, func(p *P) *ratelimit.Limit { return &p.LoginIP },
			true, "failed logins per address (all nodes)"},
		{"rate-limit-user-code-ip", func(c *Config) *ratelimit.Limit { return &c.RateUserCodeIP }, func(p *P) *ratelimit.Limit { return &p.UserCodeIP },
			true, "user-code misses per address (all nodes)"},
		{"rate-limit-user-code-session", func(c *Config) *ratelimit.Limit { return &c.RateUserCodeSess }, func(p *P) *ratelimit.Limit { return &p.UserCodeSession },
			true, "user-code misses per browser session (all nodes)"},
		{"rate-limit-client-auth", func(c *Config) *ratelimit.Limit { return &c.RateClientAuth }, func(p *P) *ratelimit.Limit { return &p.ClientAuth },
			true, "failed client authentications per client and address (all nodes)"},
	}
}

// AutoLimit is a limit whose default ("auto") is computed from other
// settings.
type AutoLimit struct {
	ratelimit.Limit
	auto bool
}

func (a *AutoLimit) Set(s string) error {
	if s == "auto" {
		*a = AutoLimit{auto: true}
		return nil
	}
	a.auto = false
	return a.Limit.Set(s)
}

func (a *AutoLimit) String() string {
	if a.auto {
		return "auto"
	}
	return a.Limit.String()
}

func (a *AutoLimit) Type() string { return "limit" }

func (a *AutoLimit) UnmarshalText(b []byte) error { return a.Set(string(b)) }

// rateFlags registers the rate-limit settings with the defaults of
// ratelimit.DefaultPolicy.
func rateFlags(fs *pflag.FlagSet, c *Config) {
	def := ratelimit.DefaultPolicy()
	for _, s := range rateSettings() {
		*s.field(c) = *s.policy(&def)
		fs.Var(s.field(c), s.flag, s.usage+": N/UNIT such as 10/s or 5/15m"+map[bool]string{false: ", or off", true: ""}[s.guard])
	}
	c.RateUserCodeGlobal = AutoLimit{auto: true}
	fs.Var(&c.RateUserCodeGlobal, "rate-limit-user-code-global",
		"user-code misses on the whole deployment (all nodes); auto: the most that keeps a live code's odds of being guessed ≤ 2^-32 over --device-lifetime (RFC 8628 §5.1)")
}

// validateRates checks the limits: those on brute-forceable endpoints may
// not be off.
func (c *Config) validateRates() error {
	var errs []error
	for _, s := range rateSettings() {
		if s.guard && s.field(c).Off() {
			errs = append(errs, fmt.Errorf("--%s: a limit on guessing cannot be off", s.flag))
		}
	}
	if !c.RateUserCodeGlobal.auto && c.RateUserCodeGlobal.Off() {
		errs = append(errs, errors.New("--rate-limit-user-code-global: a limit on guessing cannot be off"))
	}
	return errors.Join(errs...)
}

// RatePolicy returns the policy c sets.
func (c *Config) RatePolicy() (ratelimit.Policy, error) {
	var p ratelimit.Policy
	for _, s := range rateSettings() {
		*s.policy(&p) = *s.field(c)
	}
	p.UserCodeGlobal = c.RateUserCodeGlobal.Limit
	if c.RateUserCodeGlobal.auto {
		var err error
		if p.UserCodeGlobal, err = ratelimit.UserCodeGuesses(ratelimit.UserCodeSpace, c.Lifetimes.DeviceAuthorization); err != nil {
			return ratelimit.Policy{}, err
		}
	}
	return p, nil
}
