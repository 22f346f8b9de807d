package authserver

import (
	"net/url"
	"strings"

	"github.com/signet-auth/signet"
)

// loopbackHosts may use plain http and may be registered without a port
// (RFC 8252 §7.3, §8.3). Only these literals: no name that merely resolves
// to a loopback address, no other spelling of the addresses.
func isLoopbackHost(host string) bool {
	return host == "127.0.0.1" || host == "[::1]" || host == "localhost"
}

// ValidateRedirectURI checks a redirect URI at registration: absolute, no
// fragment (RFC 6749 §3.1.2), no userinfo, no wildcard, https — or http for
// the loopback literals 127.0.0.1, [::1] and localhost only (RFC 8252 §7.3,
// RFC 9700 §2.1). Any other scheme (javascript:, data:, file:, custom
// schemes) is refused. Failures are invalid_redirect_uri.
func ValidateRedirectURI(raw string) error {
	bad := func(why string) error {
		return &signet.Error{Code: signet.CodeInvalidRedirectURI, Message: "A redirect URI is not acceptable: " + why}
	}
	if raw == "" || len(raw) > MaxRedirectURILen {
		return bad("it is empty or too long.")
	}
	if strings.ContainsAny(raw, "*#\\") || !printable(raw, MaxRedirectURILen) || strings.ContainsAny(raw, " \t") {
		return bad("it contains a wildcard, a fragment or a character that is not allowed.")
	}
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Opaque != "" || u.Host == "" {
		return bad("it must be an absolute https URL.")
	}
	// The scheme is compared as written: the match at /authorize is an exact
	// string match, so a registration in another case could never match.
	scheme := raw[:strings.IndexByte(raw, ':')]
	if u.User != nil || strings.Contains(u.Host, "@") {
		return bad("it must not contain user information.")
	}
	switch scheme {
	case "https":
	case "http":
		if !isLoopbackHost(hostOnly(u.Host)) {
			return bad("http is allowed only for 127.0.0.1, [::1] and localhost.")
		}
	default:
		return bad("it must be an absolute https URL.")
	}
	if u.Port() != "" && !validPort(u.Port()) {
		return bad("it has an invalid port.")
	}
	return nil
}

// hostOnly strips a :port from a URL's host (keeping the brackets of an
// IPv6 literal).
func hostOnly(hostport string) string {
	if i := strings.LastIndexByte(hostport, ':'); i >= 0 && !strings.HasSuffix(hostport, "]") {
		return hostport[:i]
	}
	return hostport
}

// validPort: decimal 1–65535 without leading zeros.
func validPort(p string) bool {
	if p == "" || len(p) > 5 || p[0] == '0' {
		return false
	}
	n := 0
	for i := 0; i < len(p); i++ {
		if p[i] < '0' || p[i] > '9' {
			return false
		}
		n = n*10 + int(p[i]-'0')
	}
	return n <= 65535
}

// RedirectURIMatches reports whether requested may be used with a client
// that registered registered. The match is exact string equality (RFC 9700
// §2.1; catalogue WB-01), with one exception (RFC 8252 §7.3; WB-02): a
// registered http URI whose host is the literal 127.0.0.1, [::1] or
// localhost and that has no port matches the same URI with any port —
// same scheme, same host as registered, same path and query, character for
// character.
func RedirectURIMatches(registered, requested string) bool {
	if registered == requested {
		return true
	}
	for _, host := range []string{"127.0.0.1", "[::1]", "localhost"} {
		prefix := "http://" + host
		rest, ok := strings.CutPrefix(registered, prefix)
		if !ok || (rest != "" && rest[0] != '/' && rest[0] != '?') {
			continue // not this host, or it has a port (or more host)
		}
		tail, ok := strings.CutPrefix(requested, prefix+":")
		if !ok {
			return false
		}
		i := 0
		for i < len(tail) && tail[i] >= '0' && tail[i] <= '9' {
			i++
		}
		return validPort(tail[:i]) && tail[i:] == rest
	}
	return false
}

// MatchRedirectURI reports whether requested matches any of registered.
func MatchRedirectURI(registered []string, requested string) bool {
	for _, r := range registered {
		if RedirectURIMatches(r, requested) {
			return true
		}
	}
	return false
}
