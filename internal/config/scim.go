package config

import (
	"errors"
	"fmt"

	"github.com/spf13/pflag"
)

// SCIM bounds the work of one SCIM provisioning request (catalogue FD-06);
// see authserver.SCIMLimits.
type SCIM struct {
	MaxBodyBytes  int64 `yaml:"scim_max_body_bytes"`
	MaxOperations int   `yaml:"scim_max_operations"`
	MaxMembers    int   `yaml:"scim_max_members"`
}

// scimFlags registers the SCIM bounds.
func scimFlags(fs *pflag.FlagSet, c *Config) {
	fs.Int64Var(&c.SCIM.MaxBodyBytes, "scim-max-body-bytes", 1<<20, "largest SCIM request body, in bytes (larger: 413 tooMany)")
	fs.IntVar(&c.SCIM.MaxOperations, "scim-max-operations", 100, "most operations in one SCIM PATCH (more: 400 tooMany)")
	fs.IntVar(&c.SCIM.MaxMembers, "scim-max-members", 1000,
		"most group members one SCIM request may name (more: 400 tooMany, nothing applied)")
}

// validateSCIM checks the bounds.
func (c *Config) validateSCIM() error {
	var errs []error
	if c.SCIM.MaxBodyBytes < 1024 || c.SCIM.MaxBodyBytes > 64<<20 {
		errs = append(errs, fmt.Errorf("--scim-max-body-bytes %d: want 1024 to %d", c.SCIM.MaxBodyBytes, 64<<20))
	}
	if c.SCIM.MaxOperations < 1 || c.SCIM.MaxOperations > 10000 {
		errs = append(errs, fmt.Errorf("--scim-max-operations %d: want 1 to 10000", c.SCIM.MaxOperations))
	}
	if c.SCIM.MaxMembers < 1 || c.SCIM.MaxMembers > 100000 {
		errs = append(errs, fmt.Errorf("--scim-max-members %d: want 1 to 100000", c.SCIM.MaxMembers))
	}
	return errors.Join(errs...)
}
