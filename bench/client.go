package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"
)

// statusError is a response the scenario did not expect. Type is the
// error code the body named (AWS __type or error, RFC 6749 error), so that
// the report can count errors by what the server said.
type statusError struct {
	Status int
	Type   string
}

func (e *statusError) Error() string {
	if e.Type == "" {
		return fmt.Sprintf("HTTP %d", e.Status)
	}
	return fmt.Sprintf("HTTP %d %s", e.Status, e.Type)
}

// errorKind names an error for the report's errors-by-type table.
func errorKind(err error) string {
	var se *statusError
	var ne net.Error
	switch {
	case errors.As(err, &se):
		return se.Error()
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case errors.Is(err, errNoLocation):
		return "no redirect"
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		var oe *net.OpError
		if errors.As(ue.Err, &oe) {
			return "transport: " + oe.Op
		}
		return "transport"
	}
	return "other: " + err.Error()
}

var errNoLocation = errors.New("bench: redirect without a usable Location")

// countingTransport counts the HTTP requests that go out, so a flow's
// requests per iteration are measured rather than assumed.
type countingTransport struct {
	base http.RoundTripper
	n    atomic.Int64
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.base.RoundTrip(r)
}

// client is the load generator's HTTP side: one keep-alive pool sized for
// the concurrency, no redirects followed (the flows read every 303), and a
// per-request timeout.
type client struct {
	base  string // the target, without a trailing slash
	http  *http.Client
	count *countingTransport
	rand  io.Reader // PKCE verifiers, states, DPoP jtis
}

func newClient(base string, concurrency int, timeout time.Duration, rand io.Reader) *client {
	tr := &http.Transport{
		Proxy:               nil, // a loopback benchmark never goes through a proxy
		DialContext:         (&net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        concurrency * 2,
		MaxIdleConnsPerHost: concurrency * 2,
		IdleConnTimeout:     90 * time.Second,
	}
	ct := &countingTransport{base: tr}
	return &client{
		base:  strings.TrimSuffix(base, "/"),
		count: ct,
		rand:  rand,
		http: &http.Client{
			Transport:     ct,
			Timeout:       timeout,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}
}

func (c *client) close() { c.http.CloseIdleConnections() }

// do sends req and, on the wanted status, decodes a JSON body into out (if
// out is not nil). Any other status is a statusError naming the error code
// the body carries.
func (c *client) do(req *http.Request, want int, out any) (*http.Response, error) {
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != want {
		return resp, &statusError{Status: resp.StatusCode, Type: errorType(resp, body)}
	}
	if out != nil {
		if err := json.Unmarshal(body, out); err != nil {
			return resp, fmt.Errorf("bench: decoding %s: %w", req.URL.Path, err)
		}
	}
	return resp, nil
}

// errorType reads the error code of an error response in any of the
// server's dialects: X-Amzn-ErrorType, AWS JSON __type, RFC 6749 error.
func errorType(resp *http.Response, body []byte) string {
	if t := resp.Header.Get("X-Amzn-ErrorType"); t != "" {
		t, _, _ = strings.Cut(t, ":")
		return t
	}
	var e struct {
		Type  string `json:"__type"`
		Error string `json:"error"`
	}
	if json.Unmarshal(body, &e) == nil {
		if e.Type != "" {
			return e.Type
		}
		return e.Error
	}
	return ""
}

// postJSON posts v as JSON to path and decodes a 200 answer into out.
func (c *client) postJSON(ctx context.Context, path string, v, out any, header http.Header) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return c.post(ctx, path, "application/json", bytes.NewReader(b), out, header)
}

// postForm posts an application/x-www-form-urlencoded body.
func (c *client) postForm(ctx context.Context, path string, form url.Values, out any, header http.Header) error {
	return c.post(ctx, path, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()), out, header)
}

func (c *client) post(ctx context.Context, path, contentType string, body io.Reader, out any, header http.Header) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", contentType)
	for k, vs := range header {
		req.Header[k] = vs
	}
	_, err = c.do(req, http.StatusOK, out)
	return err
}

// redirect GETs path and returns the query of the 303's Location: the
// authorization endpoint answering with a code (or an error).
func (c *client) redirect(ctx context.Context, path string) (url.Values, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.do(req, http.StatusSeeOther, nil)
	if err != nil {
		return nil, err
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || loc.RawQuery == "" {
		return nil, errNoLocation
	}
	q := loc.Query()
	if e := q.Get("error"); e != "" {
		return nil, &statusError{Status: http.StatusSeeOther, Type: e}
	}
	return q, nil
}
