package sigv4

import (
	"cmp"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// The canonical request
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html#create-canonical-request):
//
//	Method \n CanonicalURI \n CanonicalQuery \n CanonicalHeaders \n SignedHeaders \n HashedPayload
//
// where CanonicalHeaders is "name:value\n" per signed header. Everything is
// appended to one reusable buffer, so verifying a request allocates little.

const upperHex = "0123456789ABCDEF"

// requestPath returns the path exactly as the client sent it (still
// escaped): the signers sign that form.
func requestPath(r *http.Request) string {
	if u := r.RequestURI; u != "" && u[0] == '/' {
		if i := strings.IndexByte(u, '?'); i >= 0 {
			u = u[:i]
		}
		return u
	}
	if p := r.URL.EscapedPath(); p != "" {
		return p
	}
	return "/"
}

// appendCanonicalURI appends the canonical URI of the escaped path p: for
// every service but S3, each byte outside the unreserved set (and '/') is
// escaped again, so "%2F" becomes "%252F" (what httpbinding.EscapePath and
// botocore's quote(path, safe='/~') do). With normalise, dot segments and
// empty segments are removed first (RFC 3986 §5.2.4, as botocore's
// remove_dot_segments does).
func appendCanonicalURI(b []byte, p string, normalise bool) []byte {
	if normalise && !isNormalPath(p) {
		p = normalisePath(p)
	}
	for i := range len(p) {
		c := p[i]
		if c == '/' || isUnreserved(c) {
			b = append(b, c)
		} else {
			b = append(b, '%', upperHex[c>>4], upperHex[c&15])
		}
	}
	return b
}

// isNormalPath reports whether p has no empty, "." or ".." segments (its
// last segment may be empty: "/a/" stays "/a/").
func isNormalPath(p string) bool {
	if p == "" || p[0] != '/' {
		return false
	}
	for s := p[1:]; s != ""; {
		var seg string
		seg, s, _ = strings.Cut(s, "/")
		if seg == "" || seg == "." || seg == ".." {
			return false
		}
	}
	return true
}

func normalisePath(p string) string {
	var out []string
	for seg := range strings.SplitSeq(p, "/") {
		switch seg {
		case "", ".":
		case "..":
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
		default:
			out = append(out, seg)
		}
	}
	s := "/" + strings.Join(out, "/")
	if len(out) > 0 && strings.HasSuffix(p, "/") {
		s += "/"
	}
	return s
}

// isUnreserved: RFC 3986 unreserved characters, never escaped by SigV4.
func isUnreserved(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~'
}

func appendQueryEscaped(b []byte, s string) []byte {
	for i := range len(s) {
		c := s[i]
		if isUnreserved(c) {
			b = append(b, c)
		} else {
			b = append(b, '%', upperHex[c>>4], upperHex[c&15])
		}
	}
	return b
}

// appendCanonicalQuery appends the canonical query of the decoded params,
// leaving out skip (X-Amz-Signature in the presigned form): each name and
// value escaped with the SigV4 rules, sorted by escaped name, then value
// (the specification sorts after encoding).
func appendCanonicalQuery(b []byte, q []queryParam, skip string) []byte {
	enc := make([]queryParam, 0, len(q))
	var tmp []byte
	for _, p := range q {
		if skip != "" && p.key == skip {
			continue
		}
		tmp = appendQueryEscaped(tmp[:0], p.key)
		k := string(tmp)
		tmp = appendQueryEscaped(tmp[:0], p.value)
		enc = append(enc, queryParam{k, string(tmp)})
	}
	slices.SortFunc(enc, func(x, y queryParam) int {
		return cmp.Or(strings.Compare(x.key, y.key), strings.Compare(x.value, y.value))
	})
	for i, p := range enc {
		if i > 0 {
			b = append(b, '&')
		}
		b = append(b, p.key...)
		b = append(b, '=')
		b = append(b, p.value...)
	}
	return b
}

// isCanonicalQuery reports whether a raw query string is already its own
// canonical form (every pair key=value, escaped exactly as SigV4 escapes,
// sorted), which spares decoding and sorting for the usual short queries
// such as "aws_iam=t".
func isCanonicalQuery(raw string) bool {
	var prevK, prevV string
	for first := true; raw != ""; first = false {
		piece, rest, more := strings.Cut(raw, "&")
		if more && rest == "" {
			return false
		}
		raw = rest
		k, v, ok := strings.Cut(piece, "=")
		if !ok || !isCanonicalComponent(k) || !isCanonicalComponent(v) {
			return false
		}
		if !first && (k < prevK || k == prevK && v < prevV) {
			return false
		}
		prevK, prevV = k, v
	}
	return true
}

func isCanonicalComponent(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isUnreserved(c) {
			continue
		}
		if c != '%' || i+2 >= len(s) {
			return false
		}
		h, l := s[i+1], s[i+2]
		if !isUpperHex(h) || !isUpperHex(l) || isUnreserved(fromHex(h)<<4|fromHex(l)) {
			return false
		}
		i += 2
	}
	return true
}

func isUpperHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'A' && c <= 'F' }

func fromHex(c byte) byte {
	if c <= '9' {
		return c - '0'
	}
	return c - 'A' + 10
}

// appendCanonicalHeaders appends "name:value\n" for every signed header, in
// the (sorted) order of the list. Values are trimmed and inner runs of
// spaces folded to one; repeated fields are joined with ','. It returns the
// name of a signed header the request does not carry, if any.
func appendCanonicalHeaders(b []byte, r *http.Request, signed string) (_ []byte, missing string) {
	for signed != "" {
		var name string
		name, signed, _ = strings.Cut(signed, ";")
		b = append(b, name...)
		b = append(b, ':')
		if name == "host" {
			b = appendFolded(b, r.Host)
			b = append(b, '\n')
			continue
		}
		vs, ok := headerValues(r.Header, name)
		switch {
		case !ok && name == "content-length" && r.ContentLength > 0:
			// The Go SDK signs the length it sends; a server request
			// may carry it only in ContentLength.
			b = strconv.AppendInt(b, r.ContentLength, 10)
		case !ok:
			if vs, ok = scanHeader(r.Header, name); !ok {
				return b, name
			}
		}
		for i, v := range vs {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendFolded(b, v)
		}
		b = append(b, '\n')
	}
	return b, ""
}

// headerValues finds the values of a lower-case header name. net/http
// stores names in canonical MIME form; the name is canonicalised on the
// stack so the lookup does not allocate.
func headerValues(h http.Header, lower string) ([]string, bool) {
	var buf [maxHeaderNameLen]byte
	upper := true
	for i := range len(lower) {
		c := lower[i]
		if upper && c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		buf[i] = c
		upper = c == '-'
	}
	vs, ok := h[string(buf[:len(lower)])]
	return vs, ok
}

// scanHeader finds a header whose name net/http left as sent.
func scanHeader(h http.Header, lower string) ([]string, bool) {
	for k, vs := range h {
		if strings.EqualFold(k, lower) {
			return vs, true
		}
	}
	return nil, false
}

// appendFolded appends v trimmed, with runs of spaces folded to one (the
// specification's Trimall; what the Go SDK and botocore do for spaces).
func appendFolded(b []byte, v string) []byte {
	v = strings.TrimSpace(v)
	space := false
	for i := range len(v) {
		c := v[i]
		if c == ' ' {
			if space {
				continue
			}
			space = true
		} else {
			space = false
		}
		b = append(b, c)
	}
	return b
}
