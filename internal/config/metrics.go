package config

import (
	"fmt"
	"net"
	"strings"

	"github.com/spf13/pflag"
)

// metricsFlags registers --metrics-addr (catalogue DG-03). Without it the
// public listener's /metrics answers clients on this machine only; with it
// the metrics move to a listener of their own and the public one has none.
func metricsFlags(fs *pflag.FlagSet, c *Config) {
	fs.StringVar(&c.MetricsAddr, "metrics-addr", "",
		"host:port of a listener of its own for /metrics (empty: /metrics on --addr, for loopback clients only)")
}

// validateMetrics checks --metrics-addr.
func (c *Config) validateMetrics() error {
	if c.MetricsAddr == "" {
		return nil
	}
	if _, port, err := net.SplitHostPort(c.MetricsAddr); err != nil || port == "" {
		return fmt.Errorf("--metrics-addr %q: want host:port", c.MetricsAddr)
	}
	if c.MetricsAddr == c.Addr && !strings.HasSuffix(c.Addr, ":0") {
		return fmt.Errorf("--metrics-addr %q: must differ from --addr", c.MetricsAddr)
	}
	return nil
}
