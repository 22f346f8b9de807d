package awscli

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// caller sends one operation's requests.
type caller struct {
	env      Env
	svc      *Service
	op       *Operation
	endpoint string
	region   string
	creds    *aws.Credentials
	client   *http.Client
	debug    bool
	paginate bool
}

func newCaller(ctx context.Context, env Env, st *settings, svc *Service, op *Operation, p *parsedArgs) (*caller, error) {
	region := st.region(env, first(p.get("region")))
	endpoint := st.endpoint(env, svc, op, first(p.get("endpoint-url")), region)
	noRegion := "You must specify a region. You can also configure your region by running \"aws configure\"."
	if endpoint == "" {
		return nil, fail(env, ExitConfig, noRegion)
	}
	if u, err := url.Parse(endpoint); err != nil || u.Scheme == "" || u.Host == "" {
		return nil, fail(env, ExitUsage, fmt.Sprintf("Bad value for --endpoint-url \"%s\": scheme is missing.  Must be of the form http://<hostname>/ or https://<hostname>/", endpoint))
	}
	c := &caller{env: env, svc: svc, op: op, endpoint: endpoint, region: region, debug: p.has("debug"), paginate: !p.has("no-paginate")}
	if pg := paginator(op); pg != nil && (p.has(xformOpt(pg.inputToken)) || p.has(xformOpt(pg.limitKey))) {
		c.paginate = false // the caller drives paging by hand, as in the AWS CLI
	}
	if !op.Unsigned && !p.has("no-sign-request") {
		if region == "" {
			return nil, fail(env, ExitConfig, noRegion)
		}
		creds, err := st.credentials(ctx, env, region)
		if err != nil {
			return nil, fail(env, ExitConfig, err.Error())
		}
		c.creds = &creds
	}
	read, err := timeoutFlag(p, "cli-read-timeout")
	if err != nil {
		return nil, usageError(env, err.Error())
	}
	connect, err := timeoutFlag(p, "cli-connect-timeout")
	if err != nil {
		return nil, usageError(env, err.Error())
	}
	c.client = withTimeouts(env.HTTPClient, read, connect)
	return c, nil
}

func xformOpt(member string) string {
	for _, o := range []struct{ m, o string }{{"nextToken", "next-token"}, {"maxResults", "max-results"}} {
		if o.m == member {
			return o.o
		}
	}
	return member
}

// withTimeouts copies the client with the CLI's connect and read timeouts
// applied to its transport.
func withTimeouts(base *http.Client, read, connect time.Duration) *http.Client {
	if base == nil {
		base = &http.Client{}
	}
	c := *base
	var t *http.Transport
	switch bt := base.Transport.(type) {
	case nil:
		t = http.DefaultTransport.(*http.Transport).Clone()
	case *http.Transport:
		t = bt.Clone()
	default:
		return &c // a custom transport keeps its own timeouts
	}
	d := &net.Dialer{Timeout: connect, KeepAlive: 30 * time.Second}
	t.DialContext = d.DialContext
	t.ResponseHeaderTimeout = read
	c.Transport = t
	return &c
}

// callAll makes the call, following nextToken for paginated operations and
// concatenating the result lists as the AWS CLI does.
func (c *caller) callAll(ctx context.Context, params *Obj) (any, []*Obj, error) {
	pg := paginator(c.op)
	if pg == nil || !c.paginate {
		res, err := c.call(ctx, params)
		return res, nil, err
	}
	var pages []*Obj
	var all []any
	var merged *Obj
	seen := map[string]bool{}
	for {
		res, err := c.call(ctx, params)
		if err != nil {
			return nil, nil, err
		}
		o := res.(*Obj)
		pages = append(pages, o)
		if merged == nil {
			merged = newObj()
			for _, k := range o.Keys {
				merged.Set(k, o.M[k])
			}
		}
		if l, ok := o.M[pg.resultKey].([]any); ok {
			all = append(all, l...)
		}
		next, _ := o.M[pg.outputToken].(string)
		if next == "" || seen[next] {
			break
		}
		seen[next] = true
		params.Set(pg.inputToken, next)
	}
	merged.del(pg.outputToken)
	if all == nil {
		all = []any{}
	}
	merged.Set(pg.resultKey, all)
	return merged, pages, nil
}

// serviceError is an error response, printed as botocore's ClientError.
type serviceError struct {
	code, message, op string
}

func (e *serviceError) Error() string {
	return fmt.Sprintf("An error occurred (%s) when calling the %s operation: %s", e.code, e.op, e.message)
}

func (c *caller) call(ctx context.Context, params *Obj) (any, error) {
	req, body, err := c.buildRequest(ctx, params)
	if err != nil {
		return nil, fail(c.env, ExitUsage, err.Error())
	}
	if c.creds != nil {
		sum := sha256.Sum256(body)
		signer := v4.NewSigner()
		now := time.Now()
		if c.env.Clock != nil {
			now = c.env.Clock.Now()
		}
		if err := signer.SignHTTP(ctx, *c.creds, req, hex.EncodeToString(sum[:]), c.svc.SigningName, c.region, now); err != nil {
			return nil, fail(c.env, ExitOther, err.Error())
		}
	}
	if c.debug {
		c.logRequest(req, body)
	}
	resp, err := c.client.Do(req)
	if err != nil {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return nil, fail(c.env, ExitOther, fmt.Sprintf("Read timeout on endpoint URL: \"%s\"", req.URL.String()))
		}
		return nil, fail(c.env, ExitOther, fmt.Sprintf("Could not connect to the endpoint URL: \"%s\"", req.URL.String()))
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return nil, fail(c.env, ExitOther, fmt.Sprintf("Read timeout on endpoint URL: \"%s\"", req.URL.String()))
	}
	if c.debug {
		c.logResponse(resp, data)
	}
	if resp.StatusCode >= 300 {
		se := c.parseError(resp, data)
		return nil, fail(c.env, ExitService, se.Error())
	}
	out, err := c.parseResponse(data)
	if err != nil {
		return nil, fail(c.env, ExitOther, fmt.Sprintf("Unable to parse response (%v), invalid JSON received:\n%s", err, data))
	}
	return out, nil
}

// buildRequest serialises params as botocore does for the service's
// protocol: rest-json (uri labels, query string, headers, JSON body or
// payload member) or query (form-encoded Action and Version).
func (c *caller) buildRequest(ctx context.Context, params *Obj) (*http.Request, []byte, error) {
	base, err := url.Parse(c.endpoint)
	if err != nil {
		return nil, nil, err
	}
	in := c.svc.Shapes[c.op.Input]
	headers := http.Header{}
	var body []byte
	if c.svc.Protocol == "query" {
		form := url.Values{"Action": {c.op.Name}, "Version": {c.svc.APIVersion}}
		if in != nil {
			for _, m := range in.Members {
				if v, ok := params.M[m.Name]; ok {
					form.Set(m.WireName(), pyStr(v))
				}
			}
		}
		body = []byte(form.Encode())
		headers.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
		u := *base
		u.Path = joinPath(base.Path, c.op.RequestURI)
		return c.newRequest(ctx, &u, headers, body)
	}
	path, rawQuery, _ := strings.Cut(c.op.RequestURI, "?")
	query, _ := url.ParseQuery(rawQuery)
	bodyObj := newObj()
	var payload any
	hasBodyMembers := false
	if in != nil {
		for _, m := range in.Members {
			v, ok := params.M[m.Name]
			switch m.Location {
			case "uri":
				if ok {
					path = strings.ReplaceAll(path, "{"+m.WireName()+"}", url.PathEscape(pyStr(v)))
					path = strings.ReplaceAll(path, "{"+m.WireName()+"+}", escapeGreedy(pyStr(v)))
				}
			case "querystring":
				if ok {
					if l, isList := v.([]any); isList {
						for _, e := range l {
							query.Add(m.WireName(), pyStr(e))
						}
					} else {
						query.Set(m.WireName(), pyStr(v))
					}
				}
			case "header":
				if ok {
					headers.Set(m.WireName(), pyStr(v))
				}
			default:
				hasBodyMembers = true
				if m.Name == in.Payload {
					if ok {
						payload = toWire(c.svc, c.svc.Shapes[m.Shape], v)
					}
				} else if ok {
					bodyObj.Set(m.WireName(), toWire(c.svc, c.svc.Shapes[m.Shape], v))
				}
			}
		}
	}
	switch {
	case in != nil && in.Payload != "":
		if payload == nil {
			payload = newObj()
		}
		var b strings.Builder
		writeCompactJSON(&b, payload)
		body = []byte(b.String())
	case len(bodyObj.Keys) > 0 || hasBodyMembers:
		var b strings.Builder
		writeCompactJSON(&b, bodyObj)
		body = []byte(b.String())
	}
	if len(body) > 0 {
		headers.Set("Content-Type", "application/json")
	}
	u := *base
	u.Path = joinPath(base.Path, path)
	u.RawQuery = encodeQuery(query)
	return c.newRequest(ctx, &u, headers, body)
}

func (c *caller) newRequest(ctx context.Context, u *url.URL, h http.Header, body []byte) (*http.Request, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, c.op.Method, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, nil, err
	}
	for k, v := range h {
		req.Header[k] = v
	}
	req.Header.Set("User-Agent", "signet-cli aws-cli-compatible")
	req.ContentLength = int64(len(body))
	return req, body, nil
}

func joinPath(base, p string) string {
	return strings.TrimSuffix(base, "/") + p
}

func escapeGreedy(s string) string {
	parts := strings.Split(s, "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return strings.Join(parts, "/")
}

// encodeQuery sorts keys for a stable request line; the model's literal
// query ("aws_iam=t") comes first in botocore too only by accident.
func encodeQuery(q url.Values) string {
	if len(q) == 0 {
		return ""
	}
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		for _, v := range q[k] {
			parts = append(parts, url.QueryEscape(k)+"="+url.QueryEscape(v))
		}
	}
	return strings.Join(parts, "&")
}

// toWire renames structure members to their wire names.
func toWire(svc *Service, sh *Shape, v any) any {
	switch sh.Type {
	case "structure":
		o, ok := v.(*Obj)
		if !ok {
			return v
		}
		out := newObj()
		for _, m := range sh.Members {
			if mv, ok := o.M[m.Name]; ok {
				out.Set(m.WireName(), toWire(svc, svc.Shapes[m.Shape], mv))
			}
		}
		return out
	case "list":
		l, ok := v.([]any)
		if !ok {
			return v
		}
		out := make([]any, len(l))
		for i, e := range l {
			out[i] = toWire(svc, svc.Shapes[sh.Member], e)
		}
		return out
	case "map":
		if o, ok := v.(*Obj); ok {
			out := newObj()
			for _, k := range o.Keys {
				out.Set(k, toWire(svc, svc.Shapes[sh.Value], o.M[k]))
			}
			return out
		}
	}
	return v
}

func writeCompactJSON(b *strings.Builder, v any) {
	switch v := v.(type) {
	case *Obj:
		b.WriteByte('{')
		for i, k := range v.Keys {
			if i > 0 {
				b.WriteByte(',')
			}
			writeJSONString(b, k)
			b.WriteByte(':')
			writeCompactJSON(b, v.M[k])
		}
		b.WriteByte('}')
	case []any:
		b.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				b.WriteByte(',')
			}
			writeCompactJSON(b, e)
		}
		b.WriteByte(']')
	default:
		writeJSON(b, v, 0)
	}
}

// parseResponse maps the body onto the output shape: members in model
// order, wire names back to member names, unmodelled keys dropped.
func (c *caller) parseResponse(data []byte) (any, error) {
	out := c.svc.Shapes[c.op.Output]
	if out == nil {
		return newObj(), nil
	}
	if c.svc.Protocol == "query" {
		return parseQueryXML(out, c.op.Wrapper, data)
	}
	var doc any = newObj()
	if len(bytes.TrimSpace(data)) > 0 {
		d, err := decodeJSON(data)
		if err != nil {
			return nil, err
		}
		doc = d
	}
	if out.Payload != "" {
		res := newObj()
		m, _ := out.member(out.Payload)
		if o, ok := doc.(*Obj); ok && len(o.Keys) == 0 {
			return res, nil
		}
		res.Set(out.Payload, fromWire(c.svc, c.svc.Shapes[m.Shape], doc))
		return res, nil
	}
	return fromWire(c.svc, out, doc), nil
}

func fromWire(svc *Service, sh *Shape, v any) any {
	switch sh.Type {
	case "structure":
		o, ok := v.(*Obj)
		if !ok {
			return v
		}
		out := newObj()
		for _, m := range sh.Members {
			if m.Location != "" {
				continue
			}
			if mv, ok := o.M[m.WireName()]; ok && mv != nil {
				out.Set(m.Name, fromWire(svc, svc.Shapes[m.Shape], mv))
			}
		}
		return out
	case "list":
		l, ok := v.([]any)
		if !ok {
			return v
		}
		out := make([]any, len(l))
		for i, e := range l {
			out[i] = fromWire(svc, svc.Shapes[sh.Member], e)
		}
		return out
	case "map":
		if o, ok := v.(*Obj); ok {
			out := newObj()
			for _, k := range o.Keys {
				out.Set(k, fromWire(svc, svc.Shapes[sh.Value], o.M[k]))
			}
			return out
		}
	case "integer", "long":
		if n, ok := v.(json.Number); ok {
			if i, err := n.Int64(); err == nil {
				return i
			}
		}
	}
	return v
}

// parseQueryXML reads <XResponse><XResult>members</XResult></XResponse>.
func parseQueryXML(out *Shape, wrapper string, data []byte) (any, error) {
	var doc struct {
		Inner []struct {
			XMLName xml.Name
			Fields  []struct {
				XMLName xml.Name
				Value   string `xml:",chardata"`
			} `xml:",any"`
		} `xml:",any"`
	}
	if err := xml.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	res := newObj()
	for _, in := range doc.Inner {
		if in.XMLName.Local != wrapper {
			continue
		}
		vals := map[string]string{}
		for _, f := range in.Fields {
			vals[f.XMLName.Local] = f.Value
		}
		for _, m := range out.Members {
			if v, ok := vals[m.WireName()]; ok {
				res.Set(m.Name, v)
			}
		}
	}
	return res, nil
}

// parseError finds the error code and message as botocore does: for
// rest-json the x-amzn-ErrorType header, then the body's code/Code, then
// __type, then the HTTP status; the message from message/Message (and, for
// sso-oidc, error_description).
func (c *caller) parseError(resp *http.Response, data []byte) *serviceError {
	se := &serviceError{op: c.op.Name, code: strconv.Itoa(resp.StatusCode)}
	if c.svc.Protocol == "query" {
		var doc struct {
			Error struct {
				Code    string `xml:"Code"`
				Message string `xml:"Message"`
			} `xml:"Error"`
		}
		if err := xml.Unmarshal(data, &doc); err == nil && doc.Error.Code != "" {
			se.code, se.message = doc.Error.Code, doc.Error.Message
		} else {
			se.message = http.StatusText(resp.StatusCode)
		}
		return se
	}
	body := map[string]any{}
	_ = json.Unmarshal(data, &body)
	str := func(k string) (string, bool) {
		v, ok := body[k].(string)
		return v, ok
	}
	if m, ok := str("message"); ok {
		se.message = m
	} else if m, ok := str("Message"); ok {
		se.message = m
	} else if m, ok := str("error_description"); ok && c.svc.Name == "sso-oidc" && m != "" {
		se.message = m
	}
	code := ""
	if t, ok := str("__type"); ok {
		code = t
	}
	if h := resp.Header.Get("X-Amzn-Errortype"); h != "" {
		code = h
	} else if v, ok := str("code"); ok {
		code = v
	} else if v, ok := str("Code"); ok {
		code = v
	}
	if code != "" {
		code, _, _ = strings.Cut(code, ":")
		if i := strings.LastIndex(code, "#"); i >= 0 {
			code = code[i+1:]
		}
		se.code = code
	}
	return se
}
