package config

import (
	"errors"
	"fmt"

	"github.com/signet-auth/signet/authserver"
)

// validateLifetimes checks every lifetime flag against the engine's table,
// naming the flag: the rows with fixed bounds all at once, then what the
// engine itself checks (the rows whose bounds follow other settings, the
// cross-field rules), so a value the flags accept is one the engine
// accepts.
func (c *Config) validateLifetimes() error {
	var errs []error
	for _, l := range lifetimeFlags() {
		if l.Dependent != nil {
			continue
		}
		if d := *l.Field(&c.Lifetimes); d < l.Min || d > l.Max {
			errs = append(errs, fmt.Errorf("--%s %s: want between %s and %s", l.Flag, d, l.Min, l.Max))
		}
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	_, err := c.Lifetimes.WithDefaults()
	var le *authserver.LifetimeError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &le) && le.Setting.Flag != "":
		return fmt.Errorf("--%s %s: want between %s and %s", le.Setting.Flag, le.Value, le.Min, le.Max)
	}
	return errors.New("lifetimes: " + err.Error())
}
