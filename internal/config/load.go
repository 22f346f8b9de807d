package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/pflag"
	"go.yaml.in/yaml/v3"
)

// Load fills c from the file and the environment beneath the flags fs has
// already parsed into it, so that flags > env > file > defaults.
func Load(fs *pflag.FlagSet, c *Config, getenv func(string) string) error {
	isSetting := Settings()
	// Remember what the command line said: decoding the file writes the
	// same fields.
	type saved struct {
		f     *pflag.Flag
		value string
		slice []string
	}
	var cmdline []saved
	fs.Visit(func(f *pflag.Flag) {
		if !isSetting[f.Name] {
			return
		}
		s := saved{f: f, value: f.Value.String()}
		if sv, ok := f.Value.(pflag.SliceValue); ok {
			s.slice = sv.GetSlice()
		}
		cmdline = append(cmdline, s)
	})

	if c.ConfigFile == "" {
		c.ConfigFile = getenv(EnvName("config"))
	}
	if c.ConfigFile != "" {
		if err := c.readFile(c.ConfigFile); err != nil {
			return err
		}
	}

	var errs []error
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Changed || !isSetting[f.Name] {
			return
		}
		if v := getenv(EnvName(f.Name)); v != "" {
			if err := f.Value.Set(v); err != nil {
				errs = append(errs, fmt.Errorf("%s: %v", EnvName(f.Name), err))
			}
		}
	})
	for _, s := range cmdline {
		var err error
		if sv, ok := s.f.Value.(pflag.SliceValue); ok {
			err = sv.Replace(s.slice)
		} else {
			err = s.f.Value.Set(s.value)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("--%s: %v", s.f.Name, err))
		}
	}
	return errors.Join(errs...)
}

// readFile decodes the YAML file at path over c. Unknown keys are errors, so
// a misspelt setting never silently falls back to its default.
func (c *Config) readFile(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("config file: %w", err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	// An empty file decodes to io.EOF: nothing to set.
	if err := dec.Decode(c); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("config file %s: %w", path, err)
	}
	return nil
}
