package config

import (
	"errors"
	"fmt"
)

// validateLifetimes checks every lifetime flag against the engine's table,
// naming the flag, then the cross-field rules the engine adds (so a value
// the flags accept is one the engine accepts).
func (c *Config) validateLifetimes() error {
	var errs []error
	for _, l := range lifetimeFlags() {
		if d := *l.Field(&c.Lifetimes); d < l.Min || d > l.Max {
			errs = append(errs, fmt.Errorf("--%s %s: want between %s and %s", l.Flag, d, l.Min, l.Max))
		}
	}
	if len(errs) == 0 {
		if _, err := c.Lifetimes.WithDefaults(); err != nil {
			errs = append(errs, errors.New("lifetimes: "+err.Error()))
		}
	}
	return errors.Join(errs...)
}
