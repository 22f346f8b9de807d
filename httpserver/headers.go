package httpserver

import "net/http"

// SecureHTML sets the headers every HTML page carries: a strict Content
// Security Policy that also forbids framing (clickjacking, RFC 6749 §10.13),
// the legacy X-Frame-Options for older browsers, no MIME sniffing and no
// Referer, so that a code or state in a page URL never leaks to another
// origin.
func SecureHTML(h http.Header) {
	h.Set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
}

// NoStore marks a response that carries tokens or credentials as not
// cacheable (RFC 6749 §5.1).
func NoStore(h http.Header) {
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
}
