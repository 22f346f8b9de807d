// Command sbom writes the CycloneDX SBOM of Go binaries of one module to
// standard output: go run ./internal/cmd/sbom -version v1.0.0 -date
// 2026-12-07T00:00:00Z BINARY... See package internal/sbom.
package main

import (
	"debug/buildinfo"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"runtime/debug"
	"time"

	"github.com/signet-auth/signet/internal/sbom"
)

func main() {
	version := flag.String("version", "", "version of the main module (default: the one recorded in the binaries)")
	date := flag.String("date", "", "RFC 3339 time of the release (default: now)")
	flag.Parse()
	if err := run(*version, *date, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "sbom:", err)
		os.Exit(1)
	}
}

func run(version, date string, binaries []string) error {
	if len(binaries) == 0 {
		return errors.New("usage: sbom [-version V] [-date RFC3339] BINARY [BINARY]")
	}
	at := time.Now()
	if date != "" {
		t, err := time.Parse(time.RFC3339, date)
		if err != nil {
			return fmt.Errorf("-date: %w", err)
		}
		at = t
	}
	var infos []*debug.BuildInfo
	for _, path := range binaries {
		bi, err := buildinfo.ReadFile(path)
		if err != nil {
			return err
		}
		infos = append(infos, bi)
	}
	b, err := sbom.Build(infos, version, at)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(b)
}
