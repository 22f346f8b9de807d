package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestRegistrationSettings(t *testing.T) {
	file := writeFile(t, "dynamic_registration: true\nregistration_grant_types: [authorization_code]\nregistration_redirect_hosts: [app.example.com]\n")
	c, err := parseServe(t, []string{"--config", file, "--registration-scope", "openid,profile"},
		map[string]string{"SIGNET_REGISTRATION_GRANT_TYPE": "authorization_code,refresh_token"})
	if err != nil {
		t.Fatal(err)
	}
	if !c.DynamicRegistration || !reflect.DeepEqual(c.RegistrationGrantTypes, []string{"authorization_code", "refresh_token"}) ||
		!reflect.DeepEqual(c.RegistrationScopes, []string{"openid", "profile"}) ||
		!reflect.DeepEqual(c.RegistrationRedirectHosts, []string{"app.example.com"}) {
		t.Fatalf("registration settings %+v", c)
	}
	if d := Default(); d.DynamicRegistration || !reflect.DeepEqual(d.RegistrationGrantTypes, []string{"authorization_code", "refresh_token"}) {
		t.Fatalf("defaults: on %v, grants %v", d.DynamicRegistration, d.RegistrationGrantTypes)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--registration-grant-type", "password"}, "--registration-grant-type \"password\""},
		{[]string{"--registration-grant-type", ""}, "--registration-grant-type"},
		{[]string{"--registration-scope", "a b"}, "--registration-scope"},
		{[]string{"--registration-redirect-host", "*.example.com"}, "--registration-redirect-host"},
		{[]string{"--registration-redirect-host", "app.example.com:443"}, "--registration-redirect-host"},
		{[]string{"--registration-token-file", "/x"}, "needs --dynamic-registration"},
	} {
		if _, err := parseServe(t, tc.args, nil); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want an error naming %s", tc.args, err, tc.want)
		}
	}
}

func TestRegistrationToken(t *testing.T) {
	env := func(m map[string]string) func(string) string { return mapenv(m) }
	dir := t.TempDir()
	good := filepath.Join(dir, "token")
	os.WriteFile(good, []byte("0123456789abcdefghijklmn\n"), 0o600)
	short := filepath.Join(dir, "short")
	os.WriteFile(short, []byte("abc"), 0o600)

	c := Config{RegistrationTokenFile: good}
	if tok, err := c.RegistrationToken(env(nil)); err != nil || tok != "0123456789abcdefghijklmn" {
		t.Errorf("from a file: %q %v", tok, err)
	}
	c = Config{}
	if tok, err := c.RegistrationToken(env(map[string]string{RegistrationTokenEnv: "zyxwvutsrqponmlkjihgfedcba"})); err != nil || tok != "zyxwvutsrqponmlkjihgfedcba" {
		t.Errorf("from the environment: %q %v", tok, err)
	}
	if tok, err := c.RegistrationToken(env(nil)); err != nil || tok != "" {
		t.Errorf("none: %q %v, want open registration", tok, err)
	}
	for name, tc := range map[string]struct {
		c   Config
		env map[string]string
	}{
		"short":            {Config{RegistrationTokenFile: short}, nil},
		"missing file":     {Config{RegistrationTokenFile: filepath.Join(dir, "nope")}, nil},
		"file and env":     {Config{RegistrationTokenFile: good}, map[string]string{RegistrationTokenEnv: "zyxwvutsrqponmlkjihgfedcba"}},
		"white space":      {Config{}, map[string]string{RegistrationTokenEnv: "zyxwvutsrqpon mlkjihgfedcba"}},
		"short from env":   {Config{}, map[string]string{RegistrationTokenEnv: "short"}},
		"file of one line": {Config{RegistrationTokenFile: short}, nil},
	} {
		if _, err := tc.c.RegistrationToken(env(tc.env)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestAccountSettings(t *testing.T) {
	file := writeFile(t, "accounts:\n  - \"123456789012=Production <aws-prod@example.com>\"\n")
	c, err := parseServe(t, []string{"--config", file}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.AccountNames(); !reflect.DeepEqual(got, map[string]Account{"123456789012": {Name: "Production", Email: "aws-prod@example.com"}}) {
		t.Fatalf("from the file: %+v", got)
	}
	c, err = parseServe(t, []string{"--account", "123456789012=Production", "--account", "210987654321=Sandbox"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.AccountNames(); len(got) != 2 || got["210987654321"].Name != "Sandbox" {
		t.Fatalf("from flags: %+v", got)
	}
	for _, bad := range []string{"12345=Short", "123456789012", "123456789012=", "123456789012=Name <not an email>"} {
		if _, err := parseServe(t, []string{"--account", bad}, nil); err == nil || !strings.Contains(err.Error(), "--account") {
			t.Errorf("--account %q: %v", bad, err)
		}
	}
	if _, err := parseServe(t, []string{"--account", "123456789012=A", "--account", "123456789012=B"}, nil); err == nil {
		t.Error("an account named twice was accepted")
	}
}

func TestNewLifetimeSettings(t *testing.T) {
	c, err := parseServe(t, []string{"--id-token-lifetime", "10m"}, map[string]string{"SIGNET_ROLE_CREDENTIAL_LIFETIME": "4h"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Lifetimes.IDToken != 10*time.Minute || c.Lifetimes.RoleCredential != 4*time.Hour {
		t.Fatalf("lifetimes %+v", c.Lifetimes)
	}
	for _, args := range [][]string{{"--role-credential-lifetime", "10m"}, {"--role-credential-lifetime", "13h"}, {"--id-token-lifetime", "25h"}} {
		if _, err := parseServe(t, args, nil); err == nil || !strings.Contains(err.Error(), args[0]) {
			t.Errorf("%v: %v", args, err)
		}
	}
	// A combination the engine refuses is refused here too, before any
	// store is opened.
	if _, err := parseServe(t, []string{"--device-lifetime", "1m", "--device-interval", "1m"}, nil); err == nil {
		t.Error("a poll interval as long as the device code was accepted")
	}
}
