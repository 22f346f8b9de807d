package sigv4

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/awscreds"
	"github.com/signet-auth/signet/internal/testsupport"
)

// testNow is where the tests' clock stands.
var testNow = time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)

// staticCreds is a CredentialSource of fixed keys.
type staticCreds map[string]staticKey

type staticKey struct {
	p      awscreds.Principal
	secret string
	token  string
}

func (s staticCreds) Lookup(_ context.Context, id, token string) (awscreds.Principal, string, error) {
	k, ok := s[id]
	if !ok || k.token != token {
		return awscreds.Principal{}, "", signet.Errorf(signet.CodeInvalidClient, "unknown key")
	}
	return k.p, k.secret, nil
}

// Test principals and keys (the secrets are the AWS documentation's).
var (
	alice = awscreds.Principal{
		ARN: "arn:aws:sts::123456789012:assumed-role/Admin/alice", AccountID: "123456789012",
		UserID: "AROAEXAMPLEEXAMPLEXX:alice", SessionID: "s1",
	}
	broker = awscreds.Principal{ARN: "arn:aws:iam::123456789012:user/broker", AccountID: "123456789012", UserID: "AIDAEXAMPLEEXAMPLEXX"}

	longTerm  = aws.Credentials{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}
	temporary = aws.Credentials{AccessKeyID: "ASIAIOSFODNN7EXAMPLE", SecretAccessKey: "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY", SessionToken: "AQoDYXdzEJr-session-token"}
)

func testCreds() staticCreds {
	return staticCreds{
		longTerm.AccessKeyID:  {p: broker, secret: longTerm.SecretAccessKey},
		temporary.AccessKeyID: {p: alice, secret: temporary.SecretAccessKey, token: temporary.SessionToken},
	}
}

type fixture struct {
	t     *testing.T
	clock *testsupport.Clock
	v     *Verifier
	srv   *httptest.Server
}

// newFixture starts a real HTTP server whose every path requires a SigV4
// signature for service "sts" and echoes the verified caller and the body.
func newFixture(t *testing.T, mod func(*Options)) *fixture {
	t.Helper()
	f := &fixture{t: t, clock: testsupport.NewClock(testNow)}
	o := Options{Credentials: testCreds(), Clock: f.clock, Rand: rand.Reader}
	if mod != nil {
		mod(&o)
	}
	v, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	f.v = v
	echo := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, ok := CallerFrom(r.Context())
		if !ok {
			http.Error(w, "no caller in context", 500)
			return
		}
		body, _ := io.ReadAll(r.Body)
		json.NewEncoder(w).Encode(map[string]string{"arn": c.Principal.ARN, "key": c.AccessKeyID, "region": c.Region, "body": string(body)})
	})
	f.srv = httptest.NewServer(v.Require("sts", jsonErrors)(echo))
	t.Cleanup(f.srv.Close)
	return f
}

// with returns the fixture reporting to t (a subtest's).
func (f *fixture) with(t *testing.T) *fixture { c := *f; c.t = t; return &c }

// request builds a request to the fixture's server.
func (f *fixture) request(method, pathQuery, body string) *http.Request {
	f.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	r, err := http.NewRequest(method, f.srv.URL+pathQuery, rd)
	if err != nil {
		f.t.Fatal(err)
	}
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	r.Header.Set("Amz-Sdk-Invocation-Id", "2f1c1d7e-0000-4000-8000-000000000000")
	return r
}

func payloadHash(body string) string {
	s := sha256.Sum256([]byte(body))
	return hex.EncodeToString(s[:])
}

// sign signs r in the header form with the SDK's signer.
func sign(t *testing.T, r *http.Request, creds aws.Credentials, body, service, region string, at time.Time) {
	t.Helper()
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, r, payloadHash(body), service, region, at); err != nil {
		t.Fatal(err)
	}
}

// do sends r and returns the status, the headers and the body.
func (f *fixture) do(r *http.Request) (int, http.Header, string) {
	f.t.Helper()
	resp, err := f.srv.Client().Do(r)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

// wantOK asserts a 200 from the echo handler for principal arn.
func (f *fixture) wantOK(r *http.Request, arn string) map[string]string {
	f.t.Helper()
	status, _, body := f.do(r)
	if status != 200 {
		f.t.Fatalf("status %d, body %s; want 200", status, body)
	}
	var got map[string]string
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		f.t.Fatal(err)
	}
	if got["arn"] != arn {
		f.t.Fatalf("principal %q, want %q", got["arn"], arn)
	}
	return got
}

// wantError asserts an AWS JSON error of the given type and status.
func (f *fixture) wantError(r *http.Request, status int, code string) string {
	f.t.Helper()
	gotStatus, h, body := f.do(r)
	var e struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}
	if err := json.Unmarshal([]byte(body), &e); err != nil {
		f.t.Fatalf("body %q is not JSON: %v", body, err)
	}
	if gotStatus != status || e.Type != code || h.Get("X-Amzn-Errortype") != code {
		f.t.Fatalf("got %d %s (header %q) %q; want %d %s", gotStatus, e.Type, h.Get("X-Amzn-Errortype"), e.Message, status, code)
	}
	if h.Get("X-Amzn-Requestid") == "" {
		f.t.Fatal("no x-amzn-RequestId")
	}
	if e.Message == "" {
		f.t.Fatal("empty message")
	}
	return e.Message
}

// rebody replaces the body of a signed request.
func rebody(r *http.Request, body string) {
	r.Body = io.NopCloser(bytes.NewReader([]byte(body)))
	r.ContentLength = int64(len(body))
}

// jsonErrors renders failures as the JSON protocols' surfaces do
// (awsjson.SigV4Error, which imports this package): the exception name in
// x-amzn-ErrorType and __type, the request id in x-amzn-RequestId.
func jsonErrors(w http.ResponseWriter, _ *http.Request, e *Error) string {
	b, _ := json.Marshal(map[string]string{"__type": e.Kind.Code(), "message": e.Message})
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-Requestid", e.RequestID)
	w.Header().Set("X-Amzn-ErrorType", e.Kind.Code())
	w.WriteHeader(e.Kind.Status())
	w.Write(b)
	return e.Kind.Code()
}
