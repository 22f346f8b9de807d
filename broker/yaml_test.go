package broker_test

import (
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/signet-auth/signet/broker"
)

// The configuration file's broker section decodes into Config as is.
func TestConfigFromYAML(t *testing.T) {
	const doc = `
upstream:
  connect_timeout: 2s
  timeout: 8s
providers:
  - name: figma
    kind: figma
    default_client: studio
    clients:
      - id: studio
        secret_file: /run/secrets/figma-studio
        redirect_uris: [https://studio.example.com/figma/callback]
        allowed_principals: ["123456789012", "arn:aws:sts::123456789012:assumed-role/Studio/*"]
  - name: upstream-signet
    kind: oauth2
    token_url: https://signet.internal.example/token
    auth_method: client_secret_post
    clients:
      - id: broker
        secret_env: SIGNET_BROKER_SECRET
        redirect_uris: [https://app.example/cb]
        allowed_principals: ["*"]
`
	var c broker.Config
	if err := yaml.Unmarshal([]byte(doc), &c); err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.Upstream.ConnectTimeout != 2*time.Second || c.Upstream.Timeout != 8*time.Second || len(c.Providers) != 2 ||
		c.Providers[0].Clients[0].SecretFile != "/run/secrets/figma-studio" || c.Providers[1].AuthMethod != broker.AuthPost ||
		len(c.Providers[0].Clients[0].AllowedPrincipals) != 2 {
		t.Fatalf("%+v", c)
	}
	// Marshalling it back never shows an inline secret.
	c.Providers[0].Clients[0].Secret = "inline-secret-0123456789"
	out, err := yaml.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	if string(out) == "" || strings.Contains(string(out), "inline-secret") {
		t.Fatalf("%s", out)
	}
}
