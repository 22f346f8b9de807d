package sigv4

import (
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Names from the SigV4 specification.
const (
	algorithm       = "AWS4-HMAC-SHA256"
	terminator      = "aws4_request"
	amzDateLayout   = "20060102T150405Z"
	unsignedPayload = "UNSIGNED-PAYLOAD"

	maxAuthorizationLen = 8 << 10
	maxAccessKeyIDLen   = 128 // the IAM AccessKeyId constraint
	maxSignedHeaders    = 64
	maxHeaderNameLen    = 128
	maxRegionLen        = 32
	maxServiceLen       = 64
	// MaxPresignExpires is the longest X-Amz-Expires AWS accepts (7 days).
	MaxPresignExpires = 7 * 24 * time.Hour
)

// Query parameter names of the presigned form.
const (
	qAlgorithm     = "X-Amz-Algorithm"
	qCredential    = "X-Amz-Credential"
	qDate          = "X-Amz-Date"
	qSignedHeaders = "X-Amz-SignedHeaders"
	qSignature     = "X-Amz-Signature"
	qExpires       = "X-Amz-Expires"
	qSecurityToken = "X-Amz-Security-Token"
)

// auth is a parsed signature: everything but the canonical request.
type auth struct {
	keyID, date, region, service string // the credential scope
	signedHeaders                string // "host;x-amz-date", validated
	signature                    [32]byte
	presigned                    bool
	amzDate                      string
	t                            time.Time
	token                        string
	expires                      time.Duration // presigned X-Amz-Expires; 0: none
	query                        []queryParam  // presigned: the decoded query
	caller                       Caller        // set once the credentials are found
}

// scope returns "date/region/service/aws4_request".
func (a *auth) appendScope(b []byte) []byte {
	b = append(b, a.date...)
	b = append(b, '/')
	b = append(b, a.region...)
	b = append(b, '/')
	b = append(b, a.service...)
	b = append(b, '/')
	return append(b, terminator...)
}

// parseAuthorization parses the header form's Authorization value:
//
//	AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/sts/aws4_request, SignedHeaders=host;x-amz-date, Signature=<64 hex>
//
// Components are separated by commas with optional spaces, in any order,
// each exactly once; nothing else is allowed.
func parseAuthorization(h string, a *auth) *Error {
	if len(h) > maxAuthorizationLen {
		return fail(KindIncompleteSignature, "Authorization header is too long.")
	}
	rest, ok := strings.CutPrefix(h, algorithm)
	if !ok || rest == "" || rest[0] != ' ' {
		if strings.HasPrefix(h, "AWS4-") {
			return fail(KindIncompleteSignature, "Unsupported AWS 'algorithm'. Only AWS4-HMAC-SHA256 is supported.")
		}
		return fail(KindIncompleteSignature, "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters.")
	}
	var cred, signed, sig string
	var seen [3]bool
	for rest != "" {
		var part string
		part, rest, _ = strings.Cut(rest, ",")
		part = strings.Trim(part, " ")
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			return fail(KindIncompleteSignature, "Authorization header has a component that is not key=value.")
		}
		var i int
		switch k {
		case "Credential":
			i, cred = 0, v
		case "SignedHeaders":
			i, signed = 1, v
		case "Signature":
			i, sig = 2, v
		default:
			return fail(KindIncompleteSignature, "Authorization header has an unknown component.")
		}
		if seen[i] {
			return fail(KindIncompleteSignature, "Authorization header has a repeated component.")
		}
		seen[i] = true
	}
	switch {
	case !seen[0]:
		return fail(KindIncompleteSignature, "Authorization header requires 'Credential' parameter.")
	case !seen[1]:
		return fail(KindIncompleteSignature, "Authorization header requires 'SignedHeaders' parameter.")
	case !seen[2]:
		return fail(KindIncompleteSignature, "Authorization header requires 'Signature' parameter.")
	}
	return a.setParams(cred, signed, sig)
}

// setParams checks and stores the three signature parameters both forms
// carry.
func (a *auth) setParams(cred, signed, sig string) *Error {
	if e := a.parseCredential(cred); e != nil {
		return e
	}
	if !validSignedHeaders(signed) {
		return fail(KindIncompleteSignature, "SignedHeaders must be lower-case header names, sorted, separated by ';'.")
	}
	a.signedHeaders = signed
	if len(sig) != 2*len(a.signature) || !isLowerHex(sig) {
		return fail(KindIncompleteSignature, "Signature must be 64 lower-case hexadecimal characters.")
	}
	for i := range a.signature {
		a.signature[i] = unhex(sig[2*i])<<4 | unhex(sig[2*i+1])
	}
	return nil
}

// parseCredential parses "AKID/yyyymmdd/region/service/aws4_request".
func (a *auth) parseCredential(c string) *Error {
	bad := func() *Error {
		return fail(KindIncompleteSignature, "Credential must have the form <access key id>/<yyyymmdd>/<region>/<service>/aws4_request.")
	}
	var parts [5]string
	for i := range parts {
		var ok bool
		parts[i], c, ok = strings.Cut(c, "/")
		if ok != (i < 4) {
			return bad()
		}
	}
	a.keyID, a.date, a.region, a.service = parts[0], parts[1], parts[2], parts[3]
	if !validKeyID(a.keyID) || !isDigits(a.date, 8) || !validRegion(a.region) || !validService(a.service) {
		return bad()
	}
	if parts[4] != terminator {
		return fail(KindInvalidSignature, "Credential should be scoped with a valid terminator: 'aws4_request'.")
	}
	return nil
}

// parseDate parses X-Amz-Date in ISO 8601 basic format.
func (a *auth) parseDate(v string) *Error {
	t, err := time.Parse(amzDateLayout, v)
	if err != nil || len(v) != len(amzDateLayout) {
		return fail(KindIncompleteSignature, "X-Amz-Date must be in the ISO 8601 basic format yyyyMMdd'T'HHmmss'Z'.")
	}
	a.amzDate, a.t = v, t
	return nil
}

// parsePresigned reads the presigned form from the decoded query
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html#auth-methods-query).
func parsePresigned(q []queryParam, a *auth) *Error {
	var vals [7]string
	var seen [7]bool
	names := [7]string{qAlgorithm, qCredential, qDate, qSignedHeaders, qSignature, qExpires, qSecurityToken}
	for _, p := range q {
		for i, n := range names {
			if p.key == n {
				if seen[i] {
					return fail(KindIncompleteSignature, "A presigned query parameter is repeated.")
				}
				seen[i], vals[i] = true, p.value
			}
		}
	}
	for i, n := range names[:5] {
		if !seen[i] {
			return fail(KindIncompleteSignature, "The presigned query requires the parameter "+n+".")
		}
	}
	if vals[0] != algorithm {
		return fail(KindIncompleteSignature, "Unsupported X-Amz-Algorithm. Only AWS4-HMAC-SHA256 is supported.")
	}
	if e := a.setParams(vals[1], vals[3], vals[4]); e != nil {
		return e
	}
	if e := a.parseDate(vals[2]); e != nil {
		return e
	}
	if seen[5] {
		n, err := strconv.ParseUint(vals[5], 10, 32)
		if err != nil || n == 0 || time.Duration(n)*time.Second > MaxPresignExpires {
			return fail(KindIncompleteSignature, "X-Amz-Expires must be a number of seconds from 1 to 604800.")
		}
		a.expires = time.Duration(n) * time.Second
	}
	a.token = vals[6]
	a.presigned = true
	a.query = q
	return nil
}

// queryParam is one decoded query parameter.
type queryParam struct{ key, value string }

// parseQuery decodes a raw query string as the Go SDK reads it
// (url.ParseQuery: '+' is a space), keeping every pair in order. Empty
// pieces ("a=1&&b=2") carry nothing and are skipped, as url.ParseQuery does.
func parseQuery(raw string) ([]queryParam, bool) {
	var q []queryParam
	for raw != "" {
		var piece string
		piece, raw, _ = strings.Cut(raw, "&")
		if piece == "" {
			continue
		}
		k, v, _ := strings.Cut(piece, "=")
		dk, err1 := url.QueryUnescape(k)
		dv, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil {
			return nil, false
		}
		q = append(q, queryParam{dk, dv})
	}
	return q, true
}

// validSignedHeaders checks a SignedHeaders list: lower-case token names,
// strictly ascending (so sorted and without repeats), host among them.
func validSignedHeaders(s string) bool {
	if s == "" {
		return false
	}
	prev, host, n := "", false, 0
	for s != "" {
		var name string
		name, s, _ = strings.Cut(s, ";")
		if n++; n > maxSignedHeaders || !validHeaderName(name) || (prev != "" && name <= prev) {
			return false
		}
		host = host || name == "host"
		prev = name
	}
	return host
}

// validHeaderName: 1–128 lower-case RFC 9110 token characters.
func validHeaderName(s string) bool {
	return allBytes(s, 1, maxHeaderNameLen, func(c byte) bool {
		return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
	})
}

// validKeyID: word characters, at most 128 (the IAM AccessKeyId
// constraint, without its minimum of 16, so that the SigV4 test suite's
// AKIDEXAMPLE parses; the credential source decides what it knows).
func validKeyID(s string) bool {
	return allBytes(s, 1, maxAccessKeyIDLen, func(c byte) bool {
		return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_'
	})
}

// validRegion accepts the shape of every AWS region name (us-east-1,
// us-gov-west-1, eusc-de-east-1, cn-north-1): lower-case letters, digits and
// single hyphens, starting with a letter. Emulators' own names ("local")
// pass too; a configured region list narrows it.
func validRegion(s string) bool {
	return allBytes(s, 1, maxRegionLen, isLowerDigitHyphen) &&
		s[0] >= 'a' && s[0] <= 'z' && s[len(s)-1] != '-' && !strings.Contains(s, "--")
}

// validService: a signing name such as sts, sso-oauth, amplifyuibuilder.
func validService(s string) bool { return allBytes(s, 1, maxServiceLen, isLowerDigitHyphen) }

func isDigits(s string, n int) bool {
	return allBytes(s, n, n, func(c byte) bool { return c >= '0' && c <= '9' })
}

func isLowerHex(s string) bool {
	return allBytes(s, 0, len(s), func(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' })
}

func isLowerDigitHyphen(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' }

// allBytes reports whether s has minLen to maxLen bytes, each passing ok.
func allBytes(s string, minLen, maxLen int, ok func(byte) bool) bool {
	if len(s) < minLen || len(s) > maxLen {
		return false
	}
	for i := range len(s) {
		if !ok(s[i]) {
			return false
		}
	}
	return true
}

func unhex(c byte) byte {
	if c <= '9' {
		return c - '0'
	}
	return c - 'a' + 10
}
