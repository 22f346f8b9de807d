package config

import (
	"strings"
	"testing"
	"time"
)

// BS-02: the browser session's limits are settings, bounded by
// --session-lifetime, and reach the engine; unset, the engine's defaults
// follow a shorter --session-lifetime.
func TestBS02_BrowserSessionSettings(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		env  map[string]string
		want string // substring of the error
	}{
		{"longer than the session lifetime", []string{"--session-lifetime", "1h", "--browser-session-lifetime", "2h"}, nil,
			"--browser-session-lifetime 2h0m0s"},
		{"under a minute", []string{"--browser-session-lifetime", "30s"}, nil, "--browser-session-lifetime 30s"},
		{"idle under a minute", []string{"--browser-session-idle", "10s"}, nil, "--browser-session-idle 10s"},
		{"idle longer than the lifetime", []string{"--browser-session-lifetime", "1h", "--browser-session-idle", "2h"}, nil,
			"--browser-session-idle"},
		{"idle longer than the default lifetime", nil, map[string]string{"SIGNET_BROWSER_SESSION_IDLE": "13h"},
			"--browser-session-idle"},
	} {
		_, err := parseServe(t, tc.args, tc.env)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error with %q", tc.name, err, tc.want)
		}
	}

	c, err := parseServe(t, []string{"--browser-session-lifetime", "3h"}, map[string]string{"SIGNET_BROWSER_SESSION_IDLE": "20m"})
	if err != nil {
		t.Fatal(err)
	}
	l, err := c.Lifetimes.WithDefaults()
	if err != nil || l.BrowserSession != 3*time.Hour || l.BrowserIdle != 20*time.Minute {
		t.Errorf("engine lifetimes %+v, %v", l, err)
	}
	c, err = parseServe(t, []string{"--session-lifetime", "30m"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if l, err := c.Lifetimes.WithDefaults(); err != nil || l.BrowserSession != 30*time.Minute || l.BrowserIdle != 30*time.Minute {
		t.Errorf("defaults under a 30 min session lifetime: %+v, %v", l, err)
	}
}
