package upstream

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// maxSecretFile bounds a client secret file.
const maxSecretFile = 64 << 10

// ResolveSecret reads the client secret a reference names: "env:NAME" (the
// variable, which must be set and non-empty) or "file:/path" (the file's
// contents, trailing newlines removed). An empty reference is a public
// client with no secret. getenv is the process environment's lookup.
func ResolveSecret(ref string, getenv func(string) string) (string, error) {
	kind, v, ok := strings.Cut(ref, ":")
	switch {
	case ref == "":
		return "", nil
	case !ok || v == "":
		return "", fmt.Errorf("upstream: client secret reference %q is not env:NAME or file:/path", ref)
	case kind == "env":
		s := getenv(v)
		if s == "" {
			return "", fmt.Errorf("upstream: client secret variable %s is not set", v)
		}
		return s, nil
	case kind == "file":
		f, err := os.Open(v)
		if err != nil {
			return "", fmt.Errorf("upstream: client secret file: %w", err)
		}
		defer f.Close()
		b, err := io.ReadAll(io.LimitReader(f, maxSecretFile+1))
		if err != nil {
			return "", fmt.Errorf("upstream: client secret file %s: %w", v, err)
		}
		if len(b) > maxSecretFile {
			return "", fmt.Errorf("upstream: client secret file %s is larger than %d bytes", v, maxSecretFile)
		}
		s := strings.TrimRight(string(b), "\r\n")
		if s == "" {
			return "", errors.New("upstream: client secret file " + v + " is empty")
		}
		return s, nil
	}
	return "", fmt.Errorf("upstream: client secret reference %q is not env:NAME or file:/path", ref)
}

// ValidSecretRef reports whether ref has a form ResolveSecret reads
// (without reading it).
func ValidSecretRef(ref string) bool {
	kind, v, ok := strings.Cut(ref, ":")
	return ref == "" || (ok && v != "" && (kind == "env" || kind == "file"))
}
