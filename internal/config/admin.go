package config

import "github.com/spf13/pflag"

// adminFlags registers --admin-user: the users who may sign in to the
// admin console at /admin. None: the console is off.
func adminFlags(fs *pflag.FlagSet, c *Config) {
	fs.StringSliceVar(&c.AdminUsers, "admin-user", nil,
		"user name that may use the admin console at /admin (repeatable; none: no console)")
}
