package oauth2

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/httpserver"
)

// Input limits (catalogue IN-01, IN-05).
const (
	// MaxBodyBytes caps a request body; reading stops there.
	MaxBodyBytes = 64 << 10
	// maxValueLen caps one parameter value. Client assertions are the
	// longest legitimate values (an RS256 JWT with a few claims).
	maxValueLen = 8 << 10
	// maxParams caps the number of distinct parameters.
	maxParams = 64
)

// form is a strictly parsed application/x-www-form-urlencoded body: every
// parameter at most once, each value valid UTF-8 without NUL.
type form map[string]string

func (f form) get(name string) string { return f[name] }

func (f form) has(name string) bool { _, ok := f[name]; return ok }

// readForm reads and parses the body of a POST to this surface (RFC 6749
// §3.2, Appendix B), strictly:
//
//   - no query string at all: secrets never travel in URLs (catalogue IN-05,
//     RFC 6749 §2.3.1);
//   - media type application/x-www-form-urlencoded (a charset parameter is
//     allowed; RFC 6749 Appendix B);
//   - at most MaxBodyBytes;
//   - every parameter at most once (RFC 6749 §3.1, §3.2; catalogue IN-03):
//     never "last one wins";
//   - values valid UTF-8 without NUL and at most maxValueLen bytes.
//
// An empty value counts as absent (RFC 6749 §3.1). Unknown parameters are
// kept and ignored by the callers (catalogue IN-04).
func readForm(r *http.Request) (form, *signet.Error) {
	if r.URL.RawQuery != "" {
		return nil, errInvalidRequest("Parameters must be sent in the request body, not in the query string.")
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/x-www-form-urlencoded" {
		return nil, errInvalidRequest("The request body must be application/x-www-form-urlencoded.")
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBodyBytes+1))
	if err != nil && !httpserver.BodyTooLarge(err) {
		return nil, errInvalidRequest("The request body could not be read.")
	}
	if err != nil || len(body) > MaxBodyBytes {
		return nil, &signet.Error{Code: signet.CodeInvalidRequest, Message: "The request body is too large.", Err: errTooLarge}
	}
	return parseForm(string(body))
}

// errTooLarge marks a body over the cap, answered 413.
var errTooLarge = errors.New("oauth2: body too large")

// parseForm parses a form body; see readForm for the rules.
func parseForm(body string) (form, *signet.Error) {
	f := form{}
	if body == "" {
		return f, nil
	}
	for pair := range strings.SplitSeq(body, "&") {
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		key, err1 := url.QueryUnescape(k)
		val, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil {
			return nil, errInvalidRequest("The request body is not valid form encoding.")
		}
		if key == "" || !cleanText(key) || !cleanText(val) {
			return nil, errInvalidRequest("A parameter is not valid UTF-8 text.")
		}
		if len(val) > maxValueLen {
			return nil, errInvalidRequest("A parameter is too long.")
		}
		if _, dup := f[key]; dup {
			return nil, errInvalidRequest("A parameter was sent more than once.")
		}
		if len(f) == maxParams {
			return nil, errInvalidRequest("Too many parameters.")
		}
		f[key] = val
	}
	for k, v := range f {
		if v == "" {
			delete(f, k) // RFC 6749 §3.1: empty values are treated as omitted
		}
	}
	return f, nil
}

// cleanText reports whether s is valid UTF-8 without NUL or other C0
// controls but tab, CR and LF.
func cleanText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
			return false
		}
	}
	return true
}

// scopes splits a scope parameter (RFC 6749 §3.3: space-delimited).
func scopes(raw string) []string {
	return strings.Fields(raw)
}
