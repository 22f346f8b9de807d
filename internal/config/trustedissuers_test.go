package config

import (
	"strings"
	"testing"
)

// --trusted-token-issuer from each source: repeated flags, the
// environment's ';'-separated list and the YAML list; the command line
// wins over the file, the file over nothing; a bad value is an error that
// names the setting.
func TestTrustedTokenIssuers(t *testing.T) {
	const a = "issuer=https://a.example,audiences=x y,claim=email"
	const b = "issuer=https://b.example,audiences=z,match=id,jwks_url=https://b.example/keys"
	issuers := func(c *Config) []string {
		var out []string
		for _, ti := range c.TrustedIssuers() {
			out = append(out, ti.Issuer+"|"+strings.Join(ti.Audiences, " ")+"|"+ti.Claim+"|"+ti.Match+"|"+ti.JWKSURL)
		}
		return out
	}
	want := []string{"https://a.example|x y|email|name|", "https://b.example|z|sub|id|https://b.example/keys"}
	for name, tc := range map[string]struct {
		args []string
		env  map[string]string
	}{
		"flags": {args: []string{"--trusted-token-issuer", a, "--trusted-token-issuer", b}},
		"env":   {env: map[string]string{"SIGNET_TRUSTED_TOKEN_ISSUER": a + ";" + b}},
		"file":  {args: []string{"--config", writeFile(t, "trusted_token_issuers:\n  - \""+a+"\"\n  - \""+b+"\"\n")}},
		"flag over file": {args: []string{"--config", writeFile(t, "trusted_token_issuers: [\"issuer=https://c.example,audiences=c\"]\n"),
			"--trusted-token-issuer", a, "--trusted-token-issuer", b}},
	} {
		t.Run(name, func(t *testing.T) {
			c, err := parseServe(t, tc.args, tc.env)
			if err != nil {
				t.Fatal(err)
			}
			if got := issuers(c); strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Fatalf("got %q, want %q", got, want)
			}
		})
	}
	for _, bad := range []string{"issuer=https://a.example", a + ";" + a, "issuer=https://a.example,audiences=x,match=email"} {
		if _, err := parseServe(t, nil, map[string]string{"SIGNET_TRUSTED_TOKEN_ISSUER": bad}); err == nil || !strings.Contains(err.Error(), "--trusted-token-issuer") {
			t.Errorf("%q: err = %v", bad, err)
		}
	}
}
