package config

import (
	"fmt"
	"time"

	"github.com/spf13/pflag"
)

// DefaultAuditRetention keeps audit records a year, as most audit regimes
// ask.
const DefaultAuditRetention = 365 * 24 * time.Hour

// minAuditRetention keeps an operator's typo (1h for 1y) from wiping the
// trail: records younger than a day are never pruned.
const minAuditRetention = 24 * time.Hour

// auditFlags registers --audit-retention (catalogue AU-02: retention by
// age is the only deletion of audit records).
func auditFlags(fs *pflag.FlagSet, c *Config) {
	fs.DurationVar(&c.AuditRetention, "audit-retention", DefaultAuditRetention,
		"audit records older than this are pruned in the background (0: keep every record; at least 24h)")
}

// validateAudit checks --audit-retention.
func (c *Config) validateAudit() error {
	if c.AuditRetention != 0 && c.AuditRetention < minAuditRetention {
		return fmt.Errorf("--audit-retention %v: want 0 (keep all) or at least %v", c.AuditRetention, minAuditRetention)
	}
	return nil
}
