package authserver

import (
	"strings"
	"testing"
	"time"
)

func TestDefaultLifetimes(t *testing.T) {
	l := DefaultLifetimes()
	want := Lifetimes{
		AuthorizationCode: 60 * time.Second, DeviceAuthorization: 600 * time.Second,
		DevicePollInterval: 5 * time.Second, SlowDownStep: 5 * time.Second,
		AccessToken: time.Hour, SignInAccessToken: 900 * time.Second,
		Session: 90 * day, RefreshToken: 90 * day, RefreshGrace: 5 * time.Second,
		SignInIdempotency: 900 * time.Second, ClientSecret: 90 * day,
		IDToken: time.Hour, RoleCredential: time.Hour,
		BrowserSession: 12 * time.Hour, BrowserIdle: time.Hour,
	}
	if l != want {
		t.Fatalf("defaults\n%+v\nwant\n%+v", l, want)
	}
	f := newFixture(t)
	if f.srv.Lifetimes() != want {
		t.Fatal("New did not apply the defaults")
	}
}

func TestLifetimeBounds(t *testing.T) {
	for _, tc := range []struct {
		field string
		l     Lifetimes
	}{
		{"AuthorizationCode", Lifetimes{AuthorizationCode: 10*time.Minute + time.Second}},
		{"AuthorizationCode", Lifetimes{AuthorizationCode: -time.Second}},
		{"DeviceAuthorization", Lifetimes{DeviceAuthorization: 31 * time.Minute}},
		{"DevicePollInterval", Lifetimes{DevicePollInterval: 500 * time.Millisecond}},
		{"SlowDownStep", Lifetimes{SlowDownStep: 2 * time.Minute}},
		{"AccessToken", Lifetimes{AccessToken: 25 * time.Hour}},
		{"SignInAccessToken", Lifetimes{SignInAccessToken: 901 * time.Second}},
		{"Session", Lifetimes{Session: 366 * day}},
		{"RefreshToken", Lifetimes{Session: day, RefreshToken: day + time.Second}},
		{"RefreshGrace", Lifetimes{RefreshGrace: 2 * time.Minute}},
		{"SignInIdempotency", Lifetimes{SignInAccessToken: 300 * time.Second, SignInIdempotency: 301 * time.Second}},
		{"ClientSecret", Lifetimes{ClientSecret: 400 * day}},
		{"IDToken", Lifetimes{IDToken: 25 * time.Hour}},
		{"RoleCredential", Lifetimes{RoleCredential: 14 * time.Minute}},
		{"RoleCredential", Lifetimes{RoleCredential: 13 * time.Hour}},
		{"BrowserSession", Lifetimes{Session: time.Hour, BrowserSession: time.Hour + time.Second}},
		{"BrowserIdle", Lifetimes{BrowserSession: time.Hour, BrowserIdle: time.Hour + time.Second}},
		{"BrowserIdle", Lifetimes{BrowserIdle: 30 * time.Second}},
		{"DevicePollInterval", Lifetimes{DeviceAuthorization: time.Minute, DevicePollInterval: time.Minute}},
	} {
		err := lifetimesErr(t, tc.l)
		if err == nil || !strings.Contains(err.Error(), tc.field) {
			t.Errorf("%+v: %v, want an error naming %s", tc.l, err, tc.field)
		}
	}
	_, cfg := newFixtureConfig(t)
	cfg.Lifetimes = Lifetimes{AccessToken: 25 * time.Hour}
	if _, err := New(cfg); err == nil || !strings.Contains(err.Error(), "AccessToken") {
		t.Fatalf("New accepted an out-of-bounds lifetime: %v", err)
	}
	// Dependent defaults follow what they depend on.
	f := newFixture(t, func(c *Config) { c.Lifetimes = Lifetimes{Session: day, SignInAccessToken: 300 * time.Second} })
	if l := f.srv.Lifetimes(); l.RefreshToken != day || l.SignInIdempotency != 300*time.Second {
		t.Fatalf("dependent defaults: %+v", l)
	}
}

func TestNewRequiresDependencies(t *testing.T) {
	for _, drop := range []func(*Config){
		func(c *Config) { c.Users = nil }, func(c *Config) { c.Clients = nil }, func(c *Config) { c.Grants = nil },
		func(c *Config) { c.Minter = nil }, func(c *Config) { c.Clock = nil }, func(c *Config) { c.Passwords = nil },
	} {
		_, cfg := newFixtureConfig(t)
		drop(&cfg)
		if _, err := New(cfg); err == nil {
			t.Error("New accepted a Config with a missing dependency")
		}
	}
}

// The Observer is optional.
func TestNilObserver(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.Observer = nil })
	f.login(f.ssoClient(), f.user("alice"))
}

func TestExpiresInSeconds(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want int64
	}{{900 * time.Second, 900}, {899*time.Second + time.Millisecond, 900}, {time.Millisecond, 1}, {0, 1}} {
		if got := (TokenResponse{ExpiresIn: tc.d}).ExpiresInSeconds(); got != tc.want {
			t.Errorf("%v → %d, want %d", tc.d, got, tc.want)
		}
	}
}
