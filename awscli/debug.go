package awscli

import (
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"time"
)

// --debug logs each request and response. Secrets never reach the log:
// bearer and session-token headers, the SigV4 signature, and every JSON or
// form member that carries a secret are replaced by "****".

const masked = "****"

// secretKeys are the wire names whose values are secrets in these APIs.
var secretKeyPattern = regexp.MustCompile(`(?i)^(client_?secret|access_?token|refresh_?token|id_?token|code|code_?verifier|device_?code|token|secret_?access_?key|session_?token|assertion|subject_?token|password)$`)

func isSecretKey(k string) bool { return secretKeyPattern.MatchString(k) }

func maskHeaders(h http.Header) string {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		v := strings.Join(h[k], ", ")
		switch strings.ToLower(k) {
		case "authorization":
			if i := strings.Index(v, "Signature="); i >= 0 {
				v = v[:i] + "Signature=" + masked
			} else {
				v = masked
			}
		case "x-amz-security-token", "x-amz-sso_bearer_token", "dpop", "cookie", "set-cookie":
			v = masked
		}
		fmt.Fprintf(&b, "'%s': '%s', ", k, v)
	}
	return "{" + strings.TrimSuffix(b.String(), ", ") + "}"
}

func maskValue(v any) any {
	switch v := v.(type) {
	case *Obj:
		out := newObj()
		for _, k := range v.Keys {
			if s, ok := v.M[k].(string); ok && isSecretKey(k) && s != "" {
				out.Set(k, masked)
				continue
			}
			out.Set(k, maskValue(v.M[k]))
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = maskValue(e)
		}
		return out
	}
	return v
}

func maskBody(contentType string, body []byte) string {
	if len(body) == 0 {
		return "b''"
	}
	if doc, err := decodeJSON(body); err == nil {
		var b strings.Builder
		writeCompactJSON(&b, maskValue(doc))
		return b.String()
	}
	if strings.HasPrefix(contentType, "application/x-www-form-urlencoded") {
		parts := strings.Split(string(body), "&")
		for i, p := range parts {
			if k, _, ok := strings.Cut(p, "="); ok && isSecretKey(k) {
				parts[i] = k + "=" + masked
			}
		}
		return strings.Join(parts, "&")
	}
	if strings.Contains(contentType, "xml") {
		return xmlSecret.ReplaceAllString(string(body), "<$1>"+masked+"</$1>")
	}
	return fmt.Sprintf("<%d bytes not shown>", len(body))
}

var xmlSecret = regexp.MustCompile(`<(SecretAccessKey|SessionToken)>[^<]*</(?:SecretAccessKey|SessionToken)>`)

func (c *caller) logLine(msg string) {
	now := time.Now()
	if c.env.Clock != nil {
		now = c.env.Clock.Now()
	}
	fmt.Fprintf(c.env.Stderr, "%s - MainThread - signet.awscli - DEBUG - %s\n", now.UTC().Format("2006-01-02 15:04:05,000"), msg)
}

func (c *caller) logRequest(req *http.Request, body []byte) {
	c.logLine(fmt.Sprintf("Making request for OperationModel(name=%s) with params: {'url': '%s', 'method': '%s'}", c.op.Name, req.URL, req.Method))
	c.logLine(fmt.Sprintf("Sending http request: <AWSPreparedRequest method=%s, url=%s, headers=%s>", req.Method, req.URL, maskHeaders(req.Header)))
	c.logLine("Request body: " + maskBody(req.Header.Get("Content-Type"), body))
}

func (c *caller) logResponse(resp *http.Response, body []byte) {
	c.logLine(fmt.Sprintf("Response headers: %s", maskHeaders(resp.Header)))
	c.logLine(fmt.Sprintf("Response status: %d", resp.StatusCode))
	c.logLine("Response body: " + maskBody(resp.Header.Get("Content-Type"), body))
}
