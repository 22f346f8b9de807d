package broker_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/broker"
	"github.com/signet-auth/signet/broker/brokertest"
)

func validClient() broker.ClientConfig {
	return broker.ClientConfig{ID: "c", Secret: "s", RedirectURIs: []string{redirect}, AllowedPrincipals: []string{"*"}}
}

func TestConfigValidate(t *testing.T) {
	for _, c := range []struct {
		name string
		p    func(*broker.ProviderConfig)
		want string // "" means valid
	}{
		{"figma defaults", func(*broker.ProviderConfig) {}, ""},
		{"bad name", func(p *broker.ProviderConfig) { p.Name = "Figma" }, "name must be 1-64 characters"},
		{"empty name", func(p *broker.ProviderConfig) { p.Name = "" }, "name must be"},
		{"bad kind", func(p *broker.ProviderConfig) { p.Kind = "saml" }, "kind must be figma or oauth2"},
		{"oauth2 without token_url", func(p *broker.ProviderConfig) { p.Kind = broker.KindOAuth2 }, "needs token_url"},
		{"oauth2 bad auth", func(p *broker.ProviderConfig) {
			p.Kind, p.TokenURL, p.AuthMethod = broker.KindOAuth2, "https://idp.example/token", "private_key_jwt"
		}, "auth_method must be"},
		{"figma post", func(p *broker.ProviderConfig) { p.AuthMethod = broker.AuthPost }, "client_secret_basic only"},
		{"no clients", func(p *broker.ProviderConfig) { p.Clients = nil }, "at least one client"},
		{"two secrets", func(p *broker.ProviderConfig) { p.Clients[0].SecretEnv = "X" }, "exactly one of secret"},
		{"no secret", func(p *broker.ProviderConfig) { p.Clients[0].Secret = "" }, "exactly one of secret"},
		{"no redirect", func(p *broker.ProviderConfig) { p.Clients[0].RedirectURIs = nil }, "redirect_uris"},
		{"relative redirect", func(p *broker.ProviderConfig) { p.Clients[0].RedirectURIs = []string{"/cb"} }, "absolute URI"},
		{"fragment redirect", func(p *broker.ProviderConfig) { p.Clients[0].RedirectURIs = []string{redirect + "#x"} }, "absolute URI"},
		{"no principals", func(p *broker.ProviderConfig) { p.Clients[0].AllowedPrincipals = nil }, "allowed_principals"},
		{"bad principal", func(p *broker.ProviderConfig) { p.Clients[0].AllowedPrincipals = []string{"alice"} }, "allowed principal"},
		{"duplicate client", func(p *broker.ProviderConfig) { p.Clients = append(p.Clients, validClient()) }, "used by another client"},
		{"unknown default", func(p *broker.ProviderConfig) { p.DefaultClient = "nope" }, "default_client"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := broker.ProviderConfig{Name: "figma", Kind: broker.KindFigma, Clients: []broker.ClientConfig{validClient()}}
			c.p(&p)
			err := broker.Config{Providers: []broker.ProviderConfig{p}}.Validate()
			if c.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
		})
	}
	dup := broker.Config{Providers: []broker.ProviderConfig{
		{Name: "figma", Kind: broker.KindFigma, Clients: []broker.ClientConfig{validClient()}},
		{Name: "figma", Kind: broker.KindFigma, Clients: []broker.ClientConfig{validClient()}},
	}}
	if err := dup.Validate(); err == nil || !strings.Contains(err.Error(), "used by another provider") {
		t.Fatalf("duplicate provider: %v", err)
	}
}

// Figma's real endpoints are the defaults; only configured providers
// exist, none by default.
func TestDefaults(t *testing.T) {
	b, err := broker.New(broker.Config{Providers: []broker.ProviderConfig{{Name: "figma", Kind: broker.KindFigma, Clients: []broker.ClientConfig{validClient()}}}},
		broker.Options{Clock: signet.SystemClock{}})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ps := b.Providers()
	if len(ps) != 1 || ps[0].TokenURL != "https://api.figma.com/v1/oauth/token" || ps[0].RefreshURL != "https://api.figma.com/v1/oauth/refresh" ||
		ps[0].AuthMethod != broker.AuthBasic || ps[0].DefaultClient != "c" {
		t.Fatalf("%+v", ps)
	}
	empty, err := broker.New(broker.Config{}, broker.Options{Clock: signet.SystemClock{}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = empty.Exchange(context.Background(), broker.ExchangeRequest{Provider: "figma", Code: "c", RedirectURI: redirect, Principal: alice})
	wantCode(t, err, signet.CodeInvalidRequest)
}

// The secret comes from the environment or a private file, and a Config
// never prints it.
func TestBR08_SecretSources(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good")
	loose := filepath.Join(dir, "loose")
	os.WriteFile(good, []byte("file-secret-0123456789\n"), 0o600)
	os.WriteFile(loose, []byte("loose-secret-0123456789\n"), 0o644)
	os.Chmod(loose, 0o644)
	mk := func(c broker.ClientConfig) broker.Config {
		c.ID, c.RedirectURIs, c.AllowedPrincipals = "c", []string{redirect}, []string{"*"}
		return broker.Config{Providers: []broker.ProviderConfig{{Name: "figma", Kind: broker.KindFigma, Clients: []broker.ClientConfig{c}}}}
	}
	env := broker.SecretSource{Getenv: func(k string) string {
		if k == "FIGMA_SECRET" {
			return "env-secret-0123456789"
		}
		return ""
	}}
	for _, c := range []struct {
		name string
		cc   broker.ClientConfig
		want string
	}{
		{"file", broker.ClientConfig{SecretFile: good}, ""},
		{"env", broker.ClientConfig{SecretEnv: "FIGMA_SECRET"}, ""},
		{"loose file", broker.ClientConfig{SecretFile: loose}, "must not be accessible to group or others"},
		{"missing file", broker.ClientConfig{SecretFile: filepath.Join(dir, "none")}, "no such file"},
		{"unset env", broker.ClientConfig{SecretEnv: "NOPE"}, "NOPE is empty or unset"},
	} {
		_, err := broker.New(mk(c.cc), broker.Options{Clock: signet.SystemClock{}, Secrets: env})
		if (c.want == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want %q", c.name, err, c.want)
		}
		if err != nil && strings.Contains(err.Error(), "loose-secret") {
			t.Errorf("%s: the error shows the secret", c.name)
		}
	}

	cfg := mk(broker.ClientConfig{Secret: "inline-secret-0123456789"})
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("config", "cfg", cfg, "secret", cfg.Providers[0].Clients[0].Secret)
	js, _ := json.Marshal(cfg)
	out := fmt.Sprintf("%v %+v %#v %s %s %s", cfg, cfg, cfg, cfg.Providers[0].Clients[0].Secret, js, buf.String())
	if strings.Contains(out, "inline-secret") {
		t.Fatalf("a config dump shows the secret: %s", out)
	}
}

// Every path through the broker, failures included, and no code, token or
// secret in the log, an error message or a metric label.
func TestBR08_NoSecretsInLogsErrorsOrMetrics(t *testing.T) {
	e := newEnv(t, short)
	var texts []string
	note := func(_ broker.Tokens, err error) {
		if err != nil {
			texts = append(texts, err.Error())
		}
	}
	codes := []string{}
	issue := func() string { c := e.up.IssueCode(studioID, redirect); codes = append(codes, c); return c }
	note(e.exchange(issue(), redirect, ""))
	c := issue()
	note(e.exchange(c, redirect, ""))
	note(e.exchange(c, redirect, ""))                      // reused
	note(e.exchange(issue(), "https://evil.example/", "")) // redirect refused
	note(e.exchange(issue(), redirect, "attacker-client"))
	echo := func(_ *brokertest.Upstream, w http.ResponseWriter, r *http.Request) {
		// A provider that echoes everything it got, secrets included.
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"error":%q,"error_description":%q}`, r.PostForm.Encode(), r.Header.Get("Authorization"))
	}
	echo200 := func(_ *brokertest.Upstream, w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"access_token":%q,"expires_in":0,"refresh_token":%q}`, r.PostForm.Get("code"), r.Header.Get("Authorization"))
	}
	for _, b := range []brokertest.Behavior{echo, echo200, brokertest.Hang(), brokertest.Throttle(1), brokertest.Oversized(70 << 10),
		brokertest.Respond(500, "text/html", "<html>"), brokertest.Respond(401, "", "")} {
		e.up.Script(b)
		note(e.exchange(issue(), redirect, ""))
	}
	rt := e.up.IssueRefreshToken(studioID)
	note(e.refresh(rt, ""))
	for _, b := range []brokertest.Behavior{echo, echo200, brokertest.Hang()} {
		e.up.Script(b)
		note(e.refresh(rt, ""))
	}
	note(e.refresh("figur_not-a-token-0123456789", ""))
	texts = append(texts, e.obs.all()...)
	secrets := append(e.up.Issued(), codes...)
	secrets = append(secrets, studioSecret, partnerSecret, "figur_not-a-token-0123456789",
		base64.StdEncoding.EncodeToString([]byte(studioID+":"+studioSecret)))
	logs := e.logs.String()
	if !strings.Contains(logs, `"outcome":"timeout"`) || !strings.Contains(logs, `"outcome":"client_rejected"`) {
		t.Fatalf("the log lacks the failures it should record:\n%s", logs)
	}
	if leaks := brokertest.Leaks(logs+strings.Join(texts, "\n"), secrets...); len(leaks) > 0 {
		t.Fatalf("leaked %q\n%s\n%s", leaks, logs, strings.Join(texts, "\n"))
	}
}
