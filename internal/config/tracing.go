package config

import (
	"fmt"
	"net/url"

	"github.com/spf13/pflag"
)

// tracingFlags registers --otlp-endpoint: OpenTelemetry traces are off
// unless it names a collector.
func tracingFlags(fs *pflag.FlagSet, c *Config) {
	fs.StringVar(&c.OTLPEndpoint, "otlp-endpoint", "",
		"OTLP/HTTP collector URL for OpenTelemetry traces, e.g. http://localhost:4318 (empty: no traces)")
}

// validateTracing checks --otlp-endpoint.
func (c *Config) validateTracing() error {
	if c.OTLPEndpoint == "" {
		return nil
	}
	u, err := url.Parse(c.OTLPEndpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return fmt.Errorf("--otlp-endpoint %q: want an http(s) URL without credentials", c.OTLPEndpoint)
	}
	return nil
}
