package broker

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// newHTTPClient returns the one client every upstream call goes through
// (catalogue BR-03, BR-04): a dialer that refuses internal addresses after
// DNS resolution, bounded connect and TLS handshake, verified TLS (1.2 at
// least), no proxy from the environment (a proxy would dial on our behalf
// and bypass the address check), and redirects never followed.
func newHTTPClient(u UpstreamConfig, roots *x509.CertPool) *http.Client {
	d := &net.Dialer{
		Timeout:   u.ConnectTimeout,
		KeepAlive: 30 * time.Second,
		Control:   dialGuard(u.AllowPrivateNetworks),
	}
	t := &http.Transport{
		Proxy:                  nil,
		DialContext:            d.DialContext,
		TLSClientConfig:        &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: roots},
		TLSHandshakeTimeout:    u.ConnectTimeout,
		ResponseHeaderTimeout:  u.Timeout,
		MaxIdleConns:           32,
		MaxIdleConnsPerHost:    8,
		IdleConnTimeout:        60 * time.Second,
		MaxResponseHeaderBytes: 16 << 10,
		ForceAttemptHTTP2:      true,
	}
	return &http.Client{
		Transport: t,
		// A token endpoint has no business redirecting; following one
		// would let the upstream (or whoever answers for it) point signet
		// at an internal address. The 3xx is returned and treated as a
		// broken upstream.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// errDialRefused marks a dial the address guard refused.
var errDialRefused = errors.New("broker: upstream address refused")

// dialGuard returns a net.Dialer Control function. It runs after DNS
// resolution, once per address tried, before connect(2), so a host name
// that resolves to an internal address (or is re-bound to one) is refused
// all the same (CWE-918).
func dialGuard(allowPrivate bool) func(network, address string, _ syscall.RawConn) error {
	return func(network, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return fmt.Errorf("%w: %s", errDialRefused, address)
		}
		if !addrAllowed(ap.Addr(), allowPrivate) {
			return fmt.Errorf("%w: %s is not a public address", errDialRefused, ap.Addr())
		}
		return nil
	}
}

// cgnat is RFC 6598's shared address space, internal like RFC 1918's.
var cgnat = netip.MustParsePrefix("100.64.0.0/10")

// addrAllowed says whether the broker may connect to a. Link-local
// (including the 169.254.169.254 metadata services), unspecified and
// multicast addresses are always refused; loopback, RFC 1918, RFC 6598 and
// unique-local (fc00::/7) addresses only with allowPrivate. An IPv6 address
// that carries an IPv4 one (embed.go) is judged like what it carries.
func addrAllowed(a netip.Addr, allowPrivate bool) bool {
	a = a.Unmap()
	if v4s, private, ok := embeddedIPv4(a); ok {
		if private && !allowPrivate {
			return false
		}
		for _, v4 := range v4s {
			if !addrAllowed(v4, allowPrivate) {
				return false
			}
		}
		return true
	}
	switch {
	case !a.IsValid(), a.IsUnspecified(), a.IsMulticast(),
		a.IsLinkLocalUnicast(), a.IsLinkLocalMulticast(), a.IsInterfaceLocalMulticast():
		return false
	case a.IsLoopback(), a.IsPrivate(), a.Is4() && cgnat.Contains(a):
		return allowPrivate
	case a.Is4() && a.As4()[0] == 0: // 0.0.0.0/8, "this network"
		return false
	}
	return true
}

// upstreamRequest is one form POST to a provider.
type upstreamRequest struct {
	url  string
	form url.Values
	// basicUser/basicPass, when basicUser is set, go in an Authorization:
	// Basic header.
	basicUser, basicPass string
}

// upstreamResult is what came back, before interpretation.
type upstreamResult struct {
	status     int
	header     http.Header
	body       []byte
	tooLarge   bool
	statusOnly bool // the body was not read (3xx)
}

// callError is a failed upstream call, classified for the outcome, the
// log and the decision to retry.
type callError struct {
	outcome Outcome
	detail  string // for the log: never a token, code or secret
	err     error
	// notSent: the request certainly never reached the provider (the
	// connection or the TLS handshake failed), so a code is not spent.
	notSent bool
	// retry: a connection failure worth one more attempt (not a timeout,
	// not a refused address, not a certificate the broker will never
	// accept).
	retry bool
}

func (e *callError) Error() string {
	if e.err != nil {
		return e.detail + ": " + e.err.Error()
	}
	return e.detail
}

func (e *callError) Unwrap() error { return e.err }

// post sends r once and reads at most maxBytes of the answer. Errors are
// *callError.
func post(ctx context.Context, c *http.Client, r upstreamRequest, maxBytes int64) (upstreamResult, error) {
	var res upstreamResult
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.url, strings.NewReader(r.form.Encode()))
	if err != nil {
		return res, &callError{outcome: OutcomeUpstreamError, detail: "building the upstream request", err: err, notSent: true}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	if r.basicUser != "" {
		req.SetBasicAuth(r.basicUser, r.basicPass)
	}
	resp, err := c.Do(req)
	if err != nil {
		// The *url.Error names the URL (configuration without user info,
		// see checkUpstreamURL) and the cause; the form is not in it.
		return res, classify(ctx, err)
	}
	defer resp.Body.Close()
	res.status, res.header = resp.StatusCode, resp.Header
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		res.statusOnly = true
		return res, nil
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBytes+1))
	if err != nil || ctx.Err() != nil {
		// A body cut short by the deadline can read as a clean end; the
		// context says what happened.
		if ctx.Err() != nil || isTimeout(err) {
			return res, &callError{outcome: OutcomeTimeout, detail: "upstream response body did not arrive in time", err: err}
		}
		return res, &callError{outcome: OutcomeUpstreamError, detail: "reading the upstream response failed", err: err}
	}
	if int64(len(body)) > maxBytes {
		res.tooLarge = true
		body = nil
	}
	res.body = body
	return res, nil
}

func classify(ctx context.Context, err error) *callError {
	var (
		op  *net.OpError
		cve *tls.CertificateVerificationError
		uae x509.UnknownAuthorityError
		hne x509.HostnameError
		rhe tls.RecordHeaderError
	)
	switch {
	case errors.Is(err, errDialRefused):
		return &callError{outcome: OutcomeUpstreamError, detail: "upstream address refused", err: err, notSent: true}
	case ctx.Err() != nil || isTimeout(err):
		return &callError{outcome: OutcomeTimeout, detail: "upstream did not answer in time", err: err}
	case errors.As(err, &cve), errors.As(err, &uae), errors.As(err, &hne), errors.As(err, &rhe):
		return &callError{outcome: OutcomeUpstreamError, detail: "upstream TLS verification failed", err: err, notSent: true}
	case errors.As(err, &op) && op.Op == "dial":
		return &callError{outcome: OutcomeUpstreamError, detail: "upstream connection failed", err: err, notSent: true, retry: true}
	}
	return &callError{outcome: OutcomeUpstreamError, detail: "upstream connection failed", err: err, retry: true}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()
}

// tokenResponse is RFC 6749 §5.1's success body, which Figma follows (with
// user_id_string beside it, which the broker does not pass on).
type tokenResponse struct {
	AccessToken  string          `json:"access_token"`
	TokenType    string          `json:"token_type"`
	ExpiresIn    json.RawMessage `json:"expires_in"`
	RefreshToken string          `json:"refresh_token"`
	Error        json.RawMessage `json:"error"`
}

// parseTokens interprets a 200 answer (catalogue BR-06): one JSON object
// with a non-empty access_token, an expires_in of 1 s to maxExpires
// (a number, or a string of digits as some providers send), and, when
// wantRefresh, a refresh_token. Anything else is a broken upstream; nothing
// of it reaches the caller.
func parseTokens(body []byte, wantRefresh bool, maxExpires time.Duration) (Tokens, error) {
	var tr tokenResponse
	dec := json.NewDecoder(strings.NewReader(string(body)))
	if err := dec.Decode(&tr); err != nil {
		return Tokens{}, errors.New("upstream 200 body is not a JSON token response")
	}
	if dec.More() {
		return Tokens{}, errors.New("upstream 200 body has data after the JSON object")
	}
	if len(tr.Error) > 0 && string(tr.Error) != "null" && string(tr.Error) != "false" {
		return Tokens{}, errors.New("upstream 200 body carries an error member")
	}
	if tr.AccessToken == "" {
		return Tokens{}, errors.New("upstream response has no access_token")
	}
	if tr.TokenType != "" && !strings.EqualFold(tr.TokenType, "bearer") {
		return Tokens{}, errors.New("upstream token_type is not bearer")
	}
	exp, err := parseExpiresIn(tr.ExpiresIn)
	if err != nil {
		return Tokens{}, err
	}
	if exp <= 0 || time.Duration(exp)*time.Second > maxExpires {
		return Tokens{}, fmt.Errorf("upstream expires_in %d is out of range (1 to %d)", exp, int64(maxExpires/time.Second))
	}
	if wantRefresh && tr.RefreshToken == "" {
		return Tokens{}, errors.New("upstream response has no refresh_token")
	}
	return Tokens{AccessToken: tr.AccessToken, RefreshToken: tr.RefreshToken, ExpiresIn: exp}, nil
}

func parseExpiresIn(raw json.RawMessage) (int64, error) {
	s := string(raw)
	if s == "" || s == "null" {
		return 0, errors.New("upstream response has no expires_in")
	}
	if unq, err := strconv.Unquote(s); err == nil {
		s = unq
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, errors.New("upstream expires_in is not an integer")
	}
	return n, nil
}

// oauthError is RFC 6749 §5.2's error body; Figma answers
// {"error":true,"status":400,"message":"…"} instead, which leaves Code
// empty.
type oauthError struct {
	Code string `json:"error"`
}

func errorCode(body []byte) string {
	var e oauthError
	if json.Unmarshal(body, &e) != nil {
		return ""
	}
	return e.Code
}

// retryAfter reads a Retry-After header (RFC 9110 §10.2.3: seconds or an
// HTTP date), bounded to a minute; 0 if absent or unreadable.
func retryAfter(h http.Header, now time.Time) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	var d time.Duration
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		d = time.Duration(min(max(n, 0), 3600)) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	return min(max(d, 0), time.Minute)
}
