package iamrole

import (
	"crypto/rand"
	"strings"
	"testing"
	"time"

	"github.com/signet-auth/signet"
)

type nopSigner struct{}

func (nopSigner) SignJWT(any) (string, error) { return "a.b.c", nil }

// A token may live five minutes at most, and role sessions stay within
// STS's bounds; the rest has defaults.
func TestNewExchangerBounds(t *testing.T) {
	ok := Config{Issuer: "https://signet.example.com", Signer: nopSigner{}, Clock: signet.SystemClock{}, Rand: rand.Reader}
	x, err := NewExchanger(ok)
	if err != nil {
		t.Fatal(err)
	}
	if x.c.Audience != DefaultAudience || x.c.Region != DefaultRegion || x.c.TokenLifetime != MaxTokenLifetime ||
		x.c.DefaultDuration != DefaultDuration || x.c.Timeout != DefaultTimeout {
		t.Fatalf("defaults %+v", x.c)
	}
	for name, c := range map[string]func(*Config){
		"no issuer":          func(c *Config) { c.Issuer = "" },
		"no signer":          func(c *Config) { c.Signer = nil },
		"token over 5 min":   func(c *Config) { c.TokenLifetime = 6 * time.Minute },
		"duration under STS": func(c *Config) { c.DefaultDuration = 10 * time.Minute },
		"duration over STS":  func(c *Config) { c.DefaultDuration = 13 * time.Hour },
	} {
		bad := ok
		c(&bad)
		if _, err := NewExchanger(bad); err == nil || !strings.HasPrefix(err.Error(), "iamrole:") {
			t.Errorf("%s: %v", name, err)
		}
	}
}
