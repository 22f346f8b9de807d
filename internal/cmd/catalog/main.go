// Command catalog regenerates docs/security.md: the catalogue rows of
// docs/spec/security.md and the tests that carry their IDs. See package
// internal/catalog.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/signet-auth/signet/internal/catalog"
)

func main() {
	root := flag.String("root", ".", "repository root")
	spec := flag.String("spec", "", "catalogue file (default: "+catalog.SpecPath+" under -root)")
	out := flag.String("out", "", "page to write (default: "+catalog.DocPath+" under -root)")
	flag.Parse()
	if *spec == "" {
		*spec = filepath.Join(*root, catalog.SpecPath)
	}
	if *out == "" {
		*out = filepath.Join(*root, catalog.DocPath)
	}
	page, err := catalog.Generate(*root, *spec)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := os.WriteFile(*out, page, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
