// Package config is the one configuration of a signet server: the Config
// value `signet serve` and `signet admin` fill from flags, SIGNET_*
// environment variables, a strict YAML file and defaults (in that order of
// precedence), and its validation. The lifetime settings come from the
// engine's table (authserver.LifetimeSettings), so the flags, their bounds
// and what the engine accepts are written once. Package app builds the
// server from a validated Config.
package config
