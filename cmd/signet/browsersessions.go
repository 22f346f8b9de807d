package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/spf13/pflag"

	"github.com/signet-auth/signet/authserver"
)

// The browser session's limits (catalogue BS-02): how long a sign-in at
// the pages lasts at most, and without use. Both default to 0, which the
// engine reads as its default: 12 h (or --session-lifetime if shorter) and
// 1 h (or the browser session's life if shorter). The absolute limit may
// not exceed --session-lifetime, nor the idle limit the absolute one.

// browserSessionFlags registers the two settings.
func browserSessionFlags(fs *pflag.FlagSet, c *Config) {
	fs.DurationVar(&c.BrowserSessionLifetime, "browser-session-lifetime", 0,
		"absolute life of a sign-in at the pages, at most --session-lifetime (default 12h, or --session-lifetime if shorter)")
	fs.DurationVar(&c.BrowserSessionIdle, "browser-session-idle", 0,
		"a sign-in at the pages unused this long has ended, at most --browser-session-lifetime (default 1h, or the lifetime if shorter)")
}

// validateBrowserSessions checks the two settings against each other and
// --session-lifetime, naming the flag at fault.
func (c *Config) validateBrowserSessions() error {
	var errs []error
	if d := c.BrowserSessionLifetime; d != 0 && (d < time.Minute || d > c.SessionLifetime) {
		errs = append(errs, fmt.Errorf("--browser-session-lifetime %s: want between 1m0s and --session-lifetime (%s)", d, c.SessionLifetime))
	}
	if d := c.BrowserSessionIdle; d != 0 && d < time.Minute {
		errs = append(errs, fmt.Errorf("--browser-session-idle %s: want at least 1m0s", d))
	}
	if len(errs) == 0 {
		if _, err := c.engineLifetimes().WithDefaults(); err != nil && c.BrowserSessionIdle != 0 {
			errs = append(errs, errors.New("--browser-session-idle: want at most --browser-session-lifetime"))
		}
	}
	return errors.Join(errs...)
}

// browserLifetimes sets the engine's browser session limits as c says.
func (c *Config) browserLifetimes(l *authserver.Lifetimes) {
	l.BrowserSession, l.BrowserIdle = c.BrowserSessionLifetime, c.BrowserSessionIdle
}
