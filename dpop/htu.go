package dpop

import (
	"fmt"
	"net/url"
	"strings"
)

// httpURI is the part of an http(s) URI that htu is compared on.
type httpURI struct {
	scheme, host, port, path string
}

// parseHTTPURI parses an absolute http or https URI and normalises it the
// way RFC 9449 §4.3 asks (syntax- and scheme-based normalisation, RFC 3986
// §6.2.2–6.2.3): scheme and host in lower case, the default port made
// explicit, an empty path as "/", percent-encoding with upper-case hex and
// unreserved characters decoded. Query and fragment are dropped: htu ignores
// them. User information is refused: no client sends it, and comparing
// around it would only hide a confused request.
func parseHTTPURI(s string) (httpURI, error) {
	u, err := url.Parse(s)
	if err != nil {
		return httpURI{}, err
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" {
		return httpURI{}, fmt.Errorf("scheme %.16q", u.Scheme)
	}
	if u.Opaque != "" || u.User != nil || u.Host == "" {
		return httpURI{}, fmt.Errorf("not an absolute http URI with a host")
	}
	port := u.Port()
	switch {
	case port != "":
	case scheme == "https":
		port = "443"
	default:
		port = "80"
	}
	path := normalisePercent(u.EscapedPath())
	if path == "" {
		path = "/"
	}
	return httpURI{scheme: scheme, host: strings.ToLower(u.Hostname()), port: strings.TrimLeft(port, "0"), path: path}, nil
}

// normalisePercent rewrites %xx escapes: unreserved characters (RFC 3986
// §2.3) are decoded, the rest keep their escape in upper-case hex.
func normalisePercent(p string) string {
	if !strings.Contains(p, "%") {
		return p
	}
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		if p[i] != '%' || i+2 >= len(p) {
			b.WriteByte(p[i])
			continue
		}
		hi, lo := unhex(p[i+1]), unhex(p[i+2])
		if hi < 0 || lo < 0 {
			b.WriteByte(p[i])
			continue
		}
		c := byte(hi<<4 | lo)
		if isUnreserved(c) {
			b.WriteByte(c)
		} else {
			b.WriteString(strings.ToUpper(p[i : i+3]))
		}
		i += 2
	}
	return b.String()
}

func unhex(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

func isUnreserved(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~'
}
