package sigv4

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/awscreds"
	"github.com/signet-auth/signet/httpserver"
	"github.com/signet-auth/signet/internal/boundcache"
)

// CredentialSource finds the principal and secret of an access key.
// Failures are *signet.Error values: CodeInvalidClient or CodeNotFound for
// an unknown, disabled or malformed key or session token
// (UnrecognizedClientException), CodeExpiredToken for expired temporary
// credentials, CodeAccessDenied for a principal that may no longer act (a
// revoked session); anything else is an internal failure. *awscreds.Authority
// implements it.
type CredentialSource interface {
	Lookup(ctx context.Context, accessKeyID, sessionToken string) (p awscreds.Principal, secretAccessKey string, err error)
}

var _ CredentialSource = (*awscreds.Authority)(nil)

// Defaults.
const (
	DefaultMaxSkew            = 5 * time.Minute // AWS's window for X-Amz-Date
	DefaultMaxBodyBytes       = 1 << 20
	DefaultMaxPresignExpires  = 15 * time.Minute
	DefaultKeyCacheSize       = 1024
	DefaultEmulationAccountID = "000000000000"
)

// Options configures a Verifier.
type Options struct {
	Credentials CredentialSource
	Clock       signet.Clock
	Rand        io.Reader    // request ids of error responses
	Logger      *slog.Logger // nil: discard

	// Regions lists the regions a credential scope may name; empty: any
	// syntactically valid region.
	Regions []string
	// MaxSkew bounds |X-Amz-Date - now|; 0: DefaultMaxSkew.
	MaxSkew time.Duration
	// MaxBodyBytes bounds the body read to compute its hash; 0:
	// DefaultMaxBodyBytes. A larger body gets 413.
	MaxBodyBytes int64
	// MaxPresignExpires bounds X-Amz-Expires of presigned requests (AWS
	// allows up to 7 days; signet's APIs need minutes); 0:
	// DefaultMaxPresignExpires.
	MaxPresignExpires time.Duration
	// KeyCacheSize bounds the signing-key cache; 0: DefaultKeyCacheSize.
	KeyCacheSize int

	// AcceptAnySignature turns on the emulation mode: the signature value is
	// not checked, and an AWS-shaped access key id the credential source does
	// not know acts as arn:aws:iam::<EmulationAccountID>:user/<key id>.
	// Everything else (syntax, scope, date window, session token for ASIA
	// keys, expired or revoked known credentials) is still enforced. Never
	// for a listener other people can reach: see CheckEmulation.
	AcceptAnySignature bool
	EmulationAccountID string // 0: DefaultEmulationAccountID
}

// Verifier checks SigV4 signatures. It is safe for concurrent use.
type Verifier struct {
	o       Options
	log     *slog.Logger
	keys    *boundcache.Cache[keyCacheKey, [32]byte]
	scratch sync.Pool
}

// New returns a Verifier.
func New(o Options) (*Verifier, error) {
	switch {
	case o.Credentials == nil:
		return nil, errors.New("sigv4: Options.Credentials is required")
	case o.Clock == nil:
		return nil, errors.New("sigv4: Options.Clock is required")
	case o.Rand == nil:
		return nil, errors.New("sigv4: Options.Rand is required")
	}
	for _, r := range o.Regions {
		if !validRegion(r) {
			return nil, fmt.Errorf("sigv4: %q is not a region name", r)
		}
	}
	if o.MaxSkew <= 0 {
		o.MaxSkew = DefaultMaxSkew
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if o.MaxPresignExpires <= 0 {
		o.MaxPresignExpires = DefaultMaxPresignExpires
	}
	if o.KeyCacheSize <= 0 {
		o.KeyCacheSize = DefaultKeyCacheSize
	}
	if o.EmulationAccountID == "" {
		o.EmulationAccountID = DefaultEmulationAccountID
	}
	log := signet.LoggerOr(o.Logger)
	v := &Verifier{o: o, log: log, keys: boundcache.New[keyCacheKey, [32]byte](o.KeyCacheSize)}
	v.scratch.New = func() any { return &scratch{h: sha256.New()} }
	return v, nil
}

// Caller is who signed a verified request.
type Caller struct {
	Principal   awscreds.Principal
	AccessKeyID string
	Region      string // the credential scope's region
}

type callerKey struct{}

// WithCaller returns ctx carrying c (what Require does for a verified
// request).
func WithCaller(ctx context.Context, c Caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

// CallerFrom returns the verified caller of the request ctx belongs to.
func CallerFrom(ctx context.Context) (Caller, bool) {
	c, ok := ctx.Value(callerKey{}).(Caller)
	return c, ok
}

// PrincipalFrom returns the verified principal of the request ctx belongs
// to.
func PrincipalFrom(ctx context.Context) (awscreds.Principal, bool) {
	c, ok := CallerFrom(ctx)
	return c.Principal, ok
}

// Require returns middleware that lets a request through only if it is
// SigV4-signed for service (the route's signing name) by a known principal,
// which it puts in the request context. Failures are written by render,
// the surface's wire dialect; Require panics without one.
func (v *Verifier) Require(service string, render ErrorRenderer) func(http.Handler) http.Handler {
	if render == nil {
		panic("sigv4: Require needs an ErrorRenderer")
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			c, err := v.Verify(r, service)
			if err != nil {
				var e *Error
				if !errors.As(err, &e) {
					e = &Error{Kind: KindInternal, Message: msgInternal, Err: err}
				}
				e.RequestID = w.Header().Get(RequestIDHeader)
				if e.RequestID == "" {
					e.RequestID = RequestID(r, v.o.Rand)
				}
				code := render(w, r, e)
				v.log.LogAttrs(r.Context(), slog.LevelInfo, "sigv4: request refused",
					slog.String("code", code), slog.String("service", service),
					slog.String("access_key_id", e.AccessKeyID), slog.String("request_id", e.RequestID),
					slog.Any("cause", e.Err))
				return
			}
			next.ServeHTTP(w, r.WithContext(WithCaller(r.Context(), c)))
		})
	}
}

// Verify checks the signature of r for service. On failure the error is an
// *Error. Verify may read the body (to hash it) and puts it back.
func (v *Verifier) Verify(r *http.Request, service string) (Caller, error) {
	var a auth
	e := v.verify(r, service, &a)
	if e != nil {
		e.AccessKeyID = a.keyID
		return Caller{}, e
	}
	return a.caller, nil
}

type scratch struct {
	h       hash.Hash
	cr      []byte // the canonical request
	sts     []byte // the string to sign
	payload []byte // the hashed payload, hex
	pad     [sha256.BlockSize]byte
	sum     [sha256.Size]byte
	mac     [sha256.Size]byte
}

func (v *Verifier) verify(r *http.Request, service string, a *auth) *Error {
	if e := parseRequest(r, a); e != nil {
		return e
	}
	if e := v.checkScope(a, service); e != nil {
		return e
	}
	if e := v.checkTime(a); e != nil {
		return e
	}
	secret, e := v.lookup(r.Context(), a)
	if e != nil || v.o.AcceptAnySignature {
		return e
	}

	st := v.scratch.Get().(*scratch)
	defer v.scratch.Put(st)
	var err *Error
	if st.payload, err = v.appendPayloadHash(st.payload[:0], r); err != nil {
		return err
	}
	path := requestPath(r)
	sk := v.signingKey(secret, a)
	for _, normalise := range []bool{true, false} {
		if !normalise && isNormalPath(path) {
			break // the same canonical request again
		}
		if e := v.canonicalRequest(st, r, a, path, normalise); e != nil {
			return e
		}
		if st.matches(&sk, a) {
			return nil
		}
	}
	return &Error{Kind: KindInvalidSignature, Message: msgMismatch, Err: errors.New("signature mismatch")}
}

// parseRequest finds the one authentication mechanism of r and parses it.
func parseRequest(r *http.Request, a *auth) *Error {
	authz := r.Header["Authorization"]
	raw := r.URL.RawQuery
	presigned := strings.HasPrefix(raw, qAlgorithm+"=") || strings.Contains(raw, "&"+qAlgorithm+"=")
	switch {
	case len(authz) > 0 && presigned:
		return fail(KindIncompleteSignature, "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter or the Authorization header should be specified.")
	case len(authz) > 1:
		return fail(KindIncompleteSignature, "Only one Authorization header is allowed.")
	case len(authz) == 1:
		if e := parseAuthorization(authz[0], a); e != nil {
			return e
		}
		dates := r.Header["X-Amz-Date"]
		if len(dates) != 1 {
			return fail(KindIncompleteSignature, "Authorization header requires existence of a 'X-Amz-Date' header.")
		}
		if e := a.parseDate(dates[0]); e != nil {
			return e
		}
		switch toks := r.Header["X-Amz-Security-Token"]; len(toks) {
		case 0:
		case 1:
			a.token = toks[0]
		default:
			return fail(KindIncompleteSignature, "Only one X-Amz-Security-Token header is allowed.")
		}
		return nil
	case presigned:
		q, ok := parseQuery(raw)
		if !ok {
			return fail(KindIncompleteSignature, "The query string is not validly encoded.")
		}
		return parsePresigned(q, a)
	}
	return fail(KindMissingAuthentication, msgMissing)
}

func (v *Verifier) checkScope(a *auth, service string) *Error {
	if a.service != service {
		return fail(KindInvalidSignature, "Credential should be scoped to correct service: '"+service+"'.")
	}
	if len(v.o.Regions) > 0 && !slices.Contains(v.o.Regions, a.region) {
		return fail(KindInvalidSignature, "Credential should be scoped to a valid region.")
	}
	if a.date != a.amzDate[:8] {
		return fail(KindInvalidSignature, "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP.")
	}
	return nil
}

// checkTime enforces AWS's window: X-Amz-Date at most MaxSkew from now; a
// presigned request with X-Amz-Expires is good from X-Amz-Date - MaxSkew to
// X-Amz-Date + X-Amz-Expires.
func (v *Verifier) checkTime(a *auth) *Error {
	now := v.o.Clock.Now().UTC()
	skew := v.o.MaxSkew
	skewText := func() string {
		if skew%time.Minute != 0 {
			return skew.String()
		}
		return fmt.Sprintf("%d min.", int(skew/time.Minute))
	}
	if a.t.After(now.Add(skew)) {
		return fail(KindSignatureExpired, fmt.Sprintf("Signature not yet current: %s is still later than %s (%s + %s)",
			a.amzDate, now.Add(skew).Format(amzDateLayout), now.Format(amzDateLayout), skewText()))
	}
	if a.expires > 0 {
		if a.expires > v.o.MaxPresignExpires {
			return fail(KindIncompleteSignature, "X-Amz-Expires exceeds the longest lifetime this service allows for a presigned request.")
		}
		if now.After(a.t.Add(a.expires)) {
			return fail(KindSignatureExpired, "Signature expired: the presigned request expired at "+a.t.Add(a.expires).Format(amzDateLayout)+".")
		}
		return nil
	}
	if a.t.Before(now.Add(-skew)) {
		return fail(KindSignatureExpired, fmt.Sprintf("Signature expired: %s is now earlier than %s (%s - %s)",
			a.amzDate, now.Add(-skew).Format(amzDateLayout), now.Format(amzDateLayout), skewText()))
	}
	return nil
}

// lookup asks the credential source for the key's principal and secret and
// records the caller in a.
func (v *Verifier) lookup(ctx context.Context, a *auth) (string, *Error) {
	if strings.HasPrefix(a.keyID, awscreds.PrefixTemporary) && a.token == "" {
		return "", &Error{Kind: KindUnrecognizedClient, Message: msgInvalidToken, Err: errors.New("temporary access key without X-Amz-Security-Token")}
	}
	p, secret, err := v.o.Credentials.Lookup(ctx, a.keyID, a.token)
	if err == nil {
		a.caller = Caller{Principal: p, AccessKeyID: a.keyID, Region: a.region}
		return secret, nil
	}
	k := kindOf(err)
	if k == KindUnrecognizedClient && v.o.AcceptAnySignature && awsShapedKeyID(a.keyID) {
		acct := v.o.EmulationAccountID
		a.caller = Caller{
			Principal:   awscreds.Principal{ARN: "arn:aws:iam::" + acct + ":user/" + a.keyID, AccountID: acct, UserID: a.keyID},
			AccessKeyID: a.keyID, Region: a.region,
		}
		return "", nil
	}
	return "", &Error{Kind: k, Message: lookupMessage(k), Err: err}
}

func lookupMessage(k Kind) string {
	switch k {
	case KindUnrecognizedClient:
		return msgInvalidToken
	case KindExpiredToken:
		return msgExpiredToken
	case KindAccessDenied:
		return "Access denied."
	}
	return msgInternal
}

func kindOf(err error) Kind {
	switch signet.ErrorCodeOf(err) {
	case signet.CodeExpiredToken:
		return KindExpiredToken
	case signet.CodeAccessDenied:
		return KindAccessDenied
	case signet.CodeInvalidClient, signet.CodeNotFound, signet.CodeInvalidRequest, signet.CodeInvalidGrant:
		return KindUnrecognizedClient
	}
	return KindInternal
}

// awsShapedKeyID: AKIA or ASIA followed by 12 to 124 upper-case letters
// and digits, the shape of every AWS access key id.
func awsShapedKeyID(id string) bool {
	if len(id) < 16 || !(strings.HasPrefix(id, awscreds.PrefixLongTerm) || strings.HasPrefix(id, awscreds.PrefixTemporary)) {
		return false
	}
	for i := range len(id) {
		if c := id[i]; !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// appendPayloadHash appends the hashed payload: X-Amz-Content-Sha256 when
// present (UNSIGNED-PAYLOAD, or a hash that must match the body), else the
// SHA-256 of the body.
func (v *Verifier) appendPayloadHash(b []byte, r *http.Request) ([]byte, *Error) {
	declared := r.Header["X-Amz-Content-Sha256"]
	switch {
	case len(declared) > 1:
		return b, fail(KindIncompleteSignature, "Only one X-Amz-Content-Sha256 header is allowed.")
	case len(declared) == 1 && declared[0] == unsignedPayload:
		return append(b, unsignedPayload...), nil
	case len(declared) == 1 && (len(declared[0]) != 2*sha256.Size || !isLowerHex(declared[0])):
		return b, fail(KindIncompleteSignature, "X-Amz-Content-Sha256 must be UNSIGNED-PAYLOAD or the hex SHA-256 of the body.")
	}
	body, e := v.readBody(r)
	if e != nil {
		return b, e
	}
	sum := sha256.Sum256(body)
	n := len(b)
	b = hex.AppendEncode(b, sum[:])
	if len(declared) == 1 && declared[0] != string(b[n:]) {
		return b, &Error{Kind: KindInvalidSignature, Message: "The provided 'x-amz-content-sha256' header does not match what was computed.", Err: errors.New("body hash mismatch")}
	}
	return b, nil
}

// readBody reads the whole body, up to MaxBodyBytes, and puts it back for
// the handler.
func (v *Verifier) readBody(r *http.Request) ([]byte, *Error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	tooLarge := func() *Error { return fail(KindRequestTooLarge, "The request body is too large.") }
	if r.ContentLength > v.o.MaxBodyBytes {
		return nil, tooLarge()
	}
	var body []byte
	var err error
	if r.ContentLength >= 0 {
		body = make([]byte, r.ContentLength)
		_, err = io.ReadFull(r.Body, body)
	} else {
		body, err = io.ReadAll(io.LimitReader(r.Body, v.o.MaxBodyBytes+1))
		if int64(len(body)) > v.o.MaxBodyBytes {
			return nil, tooLarge()
		}
	}
	if httpserver.BodyTooLarge(err) {
		// Over the HTTP shell's cap, which is lower than this verifier's.
		return nil, tooLarge()
	}
	if err != nil {
		return nil, &Error{Kind: KindIncompleteSignature, Message: "The request body could not be read.", Err: err}
	}
	rb := &replayBody{}
	rb.Reset(body)
	r.Body = rb
	return body, nil
}

// replayBody gives the handler the body the verifier read (one allocation,
// where io.NopCloser(bytes.NewReader(b)) takes two).
type replayBody struct{ bytes.Reader }

func (*replayBody) Close() error { return nil }

// canonicalRequest writes the canonical request of r into st.cr.
func (v *Verifier) canonicalRequest(st *scratch, r *http.Request, a *auth, path string, normalise bool) *Error {
	b := append(st.cr[:0], r.Method...)
	b = append(b, '\n')
	b = appendCanonicalURI(b, path, normalise)
	b = append(b, '\n')
	switch raw := r.URL.RawQuery; {
	case a.presigned:
		b = appendCanonicalQuery(b, a.query, qSignature)
	case isCanonicalQuery(raw):
		b = append(b, raw...)
	default:
		q, ok := parseQuery(raw)
		if !ok {
			return fail(KindIncompleteSignature, "The query string is not validly encoded.")
		}
		b = appendCanonicalQuery(b, q, "")
	}
	b = append(b, '\n')
	b, missing := appendCanonicalHeaders(b, r, a.signedHeaders)
	st.cr = b
	if missing != "" {
		return &Error{Kind: KindInvalidSignature, Message: msgMismatch, Err: fmt.Errorf("signed header %q absent", missing)}
	}
	b = append(b, '\n')
	b = append(b, a.signedHeaders...)
	b = append(b, '\n')
	st.cr = append(b, st.payload...)
	return nil
}

// matches computes the signature of the canonical request in st.cr and
// compares it with the one presented, in constant time.
func (st *scratch) matches(signingKey *[32]byte, a *auth) bool {
	st.h.Reset()
	st.h.Write(st.cr)
	b := append(st.sts[:0], algorithm+"\n"...)
	b = append(b, a.amzDate...)
	b = append(b, '\n')
	b = a.appendScope(b)
	b = append(b, '\n')
	b = hex.AppendEncode(b, st.h.Sum(st.sum[:0]))
	st.sts = b
	st.hmac(signingKey, st.sts)
	return subtle.ConstantTimeCompare(st.mac[:], a.signature[:]) == 1
}

// hmac computes HMAC-SHA-256 (RFC 2104) of msg into st.mac with the pooled
// hash, which spares hmac.New's allocations on every request.
func (st *scratch) hmac(key *[32]byte, msg []byte) {
	st.h.Reset()
	st.h.Write(st.keyPad(key, 0x36))
	st.h.Write(msg)
	inner := st.h.Sum(st.sum[:0])
	st.h.Reset()
	st.h.Write(st.keyPad(key, 0x5c))
	st.h.Write(inner)
	st.h.Sum(st.mac[:0])
}

// keyPad returns the key padded to the block size and XORed with pad.
func (st *scratch) keyPad(key *[32]byte, pad byte) []byte {
	for i := range st.pad {
		st.pad[i] = pad
	}
	for i, k := range key {
		st.pad[i] ^= k
	}
	return st.pad[:]
}

type keyCacheKey struct{ secret, date, region, service string }

// signingKey returns the SigV4 signing key, derived once per (secret, day,
// region, service) and cached.
func (v *Verifier) signingKey(secret string, a *auth) [32]byte {
	k := keyCacheKey{secret, a.date, a.region, a.service}
	if sk, ok := v.keys.Get(k); ok {
		return sk
	}
	sk := DeriveSigningKey(secret, a.date, a.region, a.service)
	v.keys.Put(keyCacheKey{strings.Clone(secret), strings.Clone(a.date), strings.Clone(a.region), strings.Clone(a.service)}, sk)
	return sk
}

// DeriveSigningKey returns the SigV4 signing key
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html#derive-signing-key):
// HMAC chained over the date, region, service and "aws4_request", starting
// from "AWS4" + secret.
func DeriveSigningKey(secret, date, region, service string) [32]byte {
	k := []byte("AWS4" + secret)
	for _, s := range []string{date, region, service, terminator} {
		m := hmac.New(sha256.New, k)
		m.Write([]byte(s))
		k = m.Sum(nil)
	}
	return [32]byte(k)
}
