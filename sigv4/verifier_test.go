package sigv4

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/signet-auth/signet/internal/testsupport"
)

const jsonBody = `{"grantType":"authorization_code","clientId":"arn:aws:sso::123456789012:application/ssoins-1/apl-2"}`

// The SDK's signer, header form, over a real HTTP server: long-term and
// temporary keys, bodies, queries, escaped paths, folded header values.
func TestSDKSignerHeaderForm(t *testing.T) {
	f := newFixture(t, nil)
	cases := []struct {
		name, method, path, body string
		creds                    aws.Credentials
		header                   [2]string
		arn                      string
	}{
		{"post json, long-term key", "POST", "/token?aws_iam=t", jsonBody, longTerm, [2]string{}, broker.ARN},
		{"post json, temporary key", "POST", "/v1/token?x-amz-client-auth-method=iam", jsonBody, temporary, [2]string{}, alice.ARN},
		{"get, no body", "GET", "/", "", longTerm, [2]string{}, broker.ARN},
		{"query to canonicalise", "GET", "/?b=2&a=1&a=0&c=x%2Fy&d=hello%20world&e=%E2%9C%93&f", "", longTerm, [2]string{}, broker.ARN},
		{"escaped path", "POST", "/tokens/fig%20ma/refresh", jsonBody, longTerm, [2]string{}, broker.ARN},
		{"header value folded", "POST", "/", jsonBody, temporary, [2]string{"X-Amz-Meta-Note", "  two   spaces  and\ttab "}, alice.ARN},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := f.with(t)
			r := f.request(c.method, c.path, c.body)
			if c.header[0] != "" {
				r.Header.Set(c.header[0], c.header[1])
			}
			sign(t, r, c.creds, c.body, "sts", "us-east-1", testNow)
			got := f.wantOK(r, c.arn)
			if got["body"] != c.body {
				t.Fatalf("handler saw body %q, want %q (the verifier must put the body back)", got["body"], c.body)
			}
			if got["key"] != c.creds.AccessKeyID || got["region"] != "us-east-1" {
				t.Fatalf("caller %v", got)
			}
		})
	}
}

// The SDK's signer, presigned form: the signature and the hoisted X-Amz-*
// headers travel in the query.
func TestSDKSignerPresigned(t *testing.T) {
	f := newFixture(t, nil)
	for _, creds := range []aws.Credentials{longTerm, temporary} {
		t.Run(creds.AccessKeyID, func(t *testing.T) {
			f := f.with(t)
			r := f.request("GET", "/?Action=GetCallerIdentity&Version=2011-06-15", "")
			r.Header.Set("X-Amz-Meta-Hoisted", "yes")
			q := r.URL.Query()
			q.Set("X-Amz-Expires", "60")
			r.URL.RawQuery = q.Encode()
			u, hdr, err := v4.NewSigner().PresignHTTP(context.Background(), creds, r, payloadHash(""), "sts", "us-east-1", testNow)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(u, "X-Amz-Signature=") {
				t.Fatalf("not presigned: %s", u)
			}
			presigned := func() *http.Request {
				pr, _ := http.NewRequest("GET", u, nil)
				for k, vs := range hdr {
					if k != "Host" {
						pr.Header[k] = vs
					}
				}
				return pr
			}
			arn := map[string]string{longTerm.AccessKeyID: broker.ARN, temporary.AccessKeyID: alice.ARN}[creds.AccessKeyID]
			f.wantOK(presigned(), arn)

			// Within X-Amz-Expires the URL keeps working; after it, not.
			f.clock.Add(50 * time.Second)
			f.wantOK(presigned(), arn)
			f.clock.Add(20 * time.Second)
			f.wantError(presigned(), 403, "ExpiredTokenException")
			f.clock.Add(-70 * time.Second)
		})
	}
}

// A query that reaches the server in another (equivalent) encoding and
// order than the SDK sent verifies: the server canonicalises it.
func TestQueryCanonicalisedOnServer(t *testing.T) {
	f := newFixture(t, nil)
	r := f.request("GET", "/?b=2&a=1&c=x%2Fy", "")
	sign(t, r, longTerm, "", "sts", "us-east-1", testNow)
	r.URL.RawQuery = "c=x%2fy&%61=1&b=2" // lower-case escape, escaped 'a', another order
	f.wantOK(r, broker.ARN)
}

// botocore signs the normalised path (dot and empty segments removed) and
// sends the path as given; the Go SDK signs the path as sent. Both verify.
func TestPathNormalisation(t *testing.T) {
	f := newFixture(t, nil)

	r := f.request("GET", "/a/b/c", "")
	sign(t, r, longTerm, "", "sts", "us-east-1", testNow)
	r.URL.Opaque = "//" + r.URL.Host + "/a/./x/../b//c" // sent raw
	f.wantOK(r, broker.ARN)

	r = f.request("GET", "/a/./b//c", "")
	r.URL.Opaque = "//" + r.URL.Host + "/a/./b//c"
	sign(t, r, longTerm, "", "sts", "us-east-1", testNow)
	f.wantOK(r, broker.ARN)
}

func TestUnsignedPayloadAndDeclaredHash(t *testing.T) {
	f := newFixture(t, nil)

	// UNSIGNED-PAYLOAD leaves the body out of the signature, by design.
	r := f.request("POST", "/", jsonBody)
	r.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
	v4.NewSigner().SignHTTP(context.Background(), longTerm, r, "UNSIGNED-PAYLOAD", "sts", "us-east-1", testNow)
	rebody(r, strings.ToUpper(jsonBody)) // same length: content-length is signed
	if got := f.wantOK(r, broker.ARN); got["body"] != strings.ToUpper(jsonBody) {
		t.Fatalf("body %q", got["body"])
	}

	// A declared hash binds the body.
	r = f.request("POST", "/", jsonBody)
	r.Header.Set("X-Amz-Content-Sha256", payloadHash(jsonBody))
	sign(t, r, longTerm, jsonBody, "sts", "us-east-1", testNow)
	f.wantOK(r, broker.ARN)
	r = f.request("POST", "/", jsonBody)
	r.Header.Set("X-Amz-Content-Sha256", payloadHash(jsonBody))
	sign(t, r, longTerm, jsonBody, "sts", "us-east-1", testNow)
	rebody(r, strings.ToUpper(jsonBody))
	f.wantError(r, 403, "InvalidSignatureException")
}

// Every rule of the verifier, broken once. Each case fails if its rule is
// removed. By default a case signs POST / with the long-term key for sts in
// us-east-1 now, then applies edit.
func TestNegative(t *testing.T) {
	wrongSecret := aws.Credentials{AccessKeyID: longTerm.AccessKeyID, SecretAccessKey: "wrong" + longTerm.SecretAccessKey[5:]}
	noToken := aws.Credentials{AccessKeyID: temporary.AccessKeyID, SecretAccessKey: temporary.SecretAccessKey}
	unknown := aws.Credentials{AccessKeyID: "AKIAUNKNOWNUNKNOWN22", SecretAccessKey: "x"}
	setHeader := func(k, v string) func(*http.Request) { return func(r *http.Request) { r.Header.Set(k, v) } }
	editAuth := func(old, new string) func(*http.Request) {
		return func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), old, new, 1))
		}
	}
	presign := func(f *fixture, path string) string {
		u, _, err := v4.NewSigner().PresignHTTP(context.Background(), longTerm, f.request("GET", path, ""), payloadHash(""), "sts", "us-east-1", testNow)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	cases := []struct {
		name    string
		opts    func(*Options)
		path    string          // default "/"
		creds   aws.Credentials // default longTerm
		service string          // default "sts"
		region  string          // default "us-east-1"
		at      time.Duration   // signing time - testNow
		pre     func(*http.Request)
		edit    func(*http.Request)
		build   func(f *fixture) *http.Request // replaces all of the above
		status  int
		code    string
	}{
		{name: "no authentication", build: func(f *fixture) *http.Request { return f.request("POST", "/", jsonBody) },
			status: 403, code: "MissingAuthenticationTokenException"},
		{name: "wrong secret", creds: wrongSecret, status: 403, code: "InvalidSignatureException"},
		{name: "signed header altered", edit: setHeader("Content-Type", "text/plain"), status: 403, code: "InvalidSignatureException"},
		{name: "signed header removed", edit: func(r *http.Request) { r.Header.Del("Amz-Sdk-Invocation-Id") }, status: 403, code: "InvalidSignatureException"},
		{name: "body altered", edit: func(r *http.Request) { rebody(r, strings.ToUpper(jsonBody)) }, status: 403, code: "InvalidSignatureException"},
		{name: "query altered", path: "/token?aws_iam=t", edit: func(r *http.Request) { r.URL.RawQuery = "aws_iam=f" }, status: 403, code: "InvalidSignatureException"},
		{name: "query parameter added", path: "/token?aws_iam=t", edit: func(r *http.Request) { r.URL.RawQuery += "&x=1" }, status: 403, code: "InvalidSignatureException"},
		{name: "path altered", path: "/token", edit: func(r *http.Request) { r.URL.Path = "/revoke" }, status: 403, code: "InvalidSignatureException"},
		{name: "method altered", edit: func(r *http.Request) { r.Method = "PUT" }, status: 403, code: "InvalidSignatureException"},
		{name: "host not signed", edit: editAuth(";host;", ";"), status: 400, code: "IncompleteSignatureException"},
		{name: "date 6 minutes old", at: -6 * time.Minute, status: 403, code: "ExpiredTokenException"},
		{name: "date 6 minutes ahead", at: 6 * time.Minute, status: 403, code: "ExpiredTokenException"},
		{name: "X-Amz-Date altered", edit: setHeader("X-Amz-Date", testNow.Add(time.Minute).Format(amzDateLayout)), status: 403, code: "InvalidSignatureException"},
		{name: "scope date differs from X-Amz-Date", edit: editAuth("/20261121/", "/20261120/"), status: 403, code: "InvalidSignatureException"},
		{name: "wrong service in scope", service: "sso-oauth", status: 403, code: "InvalidSignatureException"},
		{name: "region not allowed", opts: func(o *Options) { o.Regions = []string{"us-east-1"} }, region: "eu-west-1", status: 403, code: "InvalidSignatureException"},
		{name: "region not a region", region: "US_EAST", status: 400, code: "IncompleteSignatureException"},
		{name: "temporary key without session token", creds: noToken, status: 403, code: "UnrecognizedClientException"},
		{name: "session token removed after signing", creds: temporary, edit: func(r *http.Request) { r.Header.Del("X-Amz-Security-Token") }, status: 403, code: "UnrecognizedClientException"},
		{name: "unknown access key", creds: unknown, status: 403, code: "UnrecognizedClientException"},
		{name: "header and presigned query", path: "/?X-Amz-Algorithm=AWS4-HMAC-SHA256", status: 400, code: "IncompleteSignatureException"},
		{name: "presigned parameter altered", build: func(f *fixture) *http.Request {
			r, _ := http.NewRequest("GET", strings.Replace(presign(f, "/?Action=GetCallerIdentity"), "Action=GetCallerIdentity", "Action=AssumeRole", 1), nil)
			return r
		}, status: 403, code: "InvalidSignatureException"},
		{name: "presigned expiry beyond the bound", build: func(f *fixture) *http.Request {
			r, _ := http.NewRequest("GET", presign(f, "/?X-Amz-Expires=3600"), nil)
			return r
		}, status: 400, code: "IncompleteSignatureException"},
		{name: "body beyond the bound", opts: func(o *Options) { o.MaxBodyBytes = 16 }, status: 413, code: "RequestEntityTooLargeException"},
		{name: "declared payload hash malformed", pre: setHeader("X-Amz-Content-Sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"), status: 400, code: "IncompleteSignatureException"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t, c.opts)
			var r *http.Request
			if c.build != nil {
				r = c.build(f)
			} else {
				r = f.request("POST", cmp.Or(c.path, "/"), jsonBody)
				if c.pre != nil {
					c.pre(r)
				}
				creds := c.creds
				if creds.AccessKeyID == "" {
					creds = longTerm
				}
				sign(t, r, creds, jsonBody, cmp.Or(c.service, "sts"), cmp.Or(c.region, "us-east-1"), testNow.Add(c.at))
				if c.edit != nil {
					c.edit(r)
				}
			}
			// What the server would have expected must never be told.
			want := expectedSignature(t, r)
			msg := f.wantError(r, c.status, c.code)
			if want != "" && strings.Contains(msg, want) || strings.Contains(msg, "\n") || strings.Contains(msg, "Canonical") {
				t.Fatalf("message reveals the expected signature or canonical request: %q", msg)
			}
		})
	}
}

// expectedSignature re-signs a copy of r with the right secret, to check
// that no error message contains it.
func expectedSignature(t *testing.T, r *http.Request) string {
	t.Helper()
	a := r.Header.Get("Authorization")
	if a == "" {
		return ""
	}
	c := r.Clone(context.Background())
	c.Body = nil
	sign(t, c, longTerm, "", "sts", "us-east-1", testNow)
	_, sig, _ := strings.Cut(c.Header.Get("Authorization"), "Signature=")
	return sig
}

func TestWithinWindow(t *testing.T) {
	f := newFixture(t, nil)
	for _, d := range []time.Duration{-5 * time.Minute, -4 * time.Minute, 4 * time.Minute, 5 * time.Minute} {
		r := f.request("POST", "/", jsonBody)
		sign(t, r, longTerm, jsonBody, "sts", "us-east-1", testNow.Add(d))
		f.wantOK(r, broker.ARN)
	}
}

func TestAcceptAnySignature(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.AcceptAnySignature = true })
	bad := aws.Credentials{AccessKeyID: longTerm.AccessKeyID, SecretAccessKey: "not the secret"}

	r := f.request("POST", "/", jsonBody)
	sign(t, r, bad, jsonBody, "sts", "us-east-1", testNow)
	f.wantOK(r, broker.ARN) // known key: its principal, any signature

	r = f.request("POST", "/", jsonBody)
	sign(t, r, aws.Credentials{AccessKeyID: "AKIAEMULATEDEXAMPLE1", SecretAccessKey: "x"}, jsonBody, "sts", "us-east-1", testNow)
	f.wantOK(r, "arn:aws:iam::000000000000:user/AKIAEMULATEDEXAMPLE1")

	// Still enforced: the shape of the key id, the header syntax, the
	// scope, the window, the token of ASIA keys.
	for _, c := range []struct {
		name  string
		creds aws.Credentials
		svc   string
		at    time.Time
		edit  func(*http.Request)
		code  string
	}{
		{"key id not AWS-shaped", aws.Credentials{AccessKeyID: "test_test_test_test", SecretAccessKey: "x"}, "sts", testNow, nil, "UnrecognizedClientException"},
		{"wrong service", bad, "signin", testNow, nil, "InvalidSignatureException"},
		{"expired date", bad, "sts", testNow.Add(-time.Hour), nil, "ExpiredTokenException"},
		{"ASIA without token", aws.Credentials{AccessKeyID: "ASIAEMULATEDEXAMPLE1", SecretAccessKey: "x"}, "sts", testNow, nil, "UnrecognizedClientException"},
		{"malformed header", bad, "sts", testNow, func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "Signature=", "Signature=zz", 1))
		}, "IncompleteSignatureException"},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := f.with(t)
			r := f.request("POST", "/", jsonBody)
			sign(t, r, c.creds, jsonBody, c.svc, "us-east-1", c.at)
			if c.edit != nil {
				c.edit(r)
			}
			status := 403
			if c.code == "IncompleteSignatureException" {
				status = 400
			}
			f.wantError(r, status, c.code)
		})
	}
}

func TestCheckEmulation(t *testing.T) {
	for _, c := range []struct {
		accept bool
		addr   string
		force  bool
		ok     bool
	}{
		{false, ":8080", false, true},
		{true, "127.0.0.1:8080", false, true},
		{true, "[::1]:8080", false, true},
		{true, "localhost:8080", false, true},
		{true, ":8080", false, false},
		{true, "0.0.0.0:8080", false, false},
		{true, "192.168.1.2:8080", false, false},
		{true, ":8080", true, true},
	} {
		if err := CheckEmulation(c.accept, c.addr, c.force); (err == nil) != c.ok {
			t.Errorf("CheckEmulation(%v, %q, %v) = %v", c.accept, c.addr, c.force, err)
		}
	}
}

func TestSigningKeyCacheBounded(t *testing.T) {
	v, err := New(Options{Credentials: testCreds(), Clock: testsupport.NewClock(testNow), Rand: rand.Reader, KeyCacheSize: 8})
	if err != nil {
		t.Fatal(err)
	}
	a := &auth{date: "20261121", region: "us-east-1", service: "sts"}
	for i := range 100 {
		s := strings.Repeat("k", i+1)
		if got, want := v.signingKey(s, a), DeriveSigningKey(s, a.date, a.region, a.service); got != want {
			t.Fatal("cached key differs from the derived one")
		}
		if got, want := v.signingKey(s, a), DeriveSigningKey(s, a.date, a.region, a.service); got != want {
			t.Fatal("key from the cache differs from the derived one")
		}
	}
	if n := v.keys.Len(); n > 8 {
		t.Fatalf("cache holds %d keys, bound 8", n)
	}
}

// Known answers from AWS: the signing key of the documentation's example
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html)
// and the get-vanilla case of the SigV4 test suite.
func TestKnownAnswers(t *testing.T) {
	const secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
	sk := DeriveSigningKey(secret, "20150830", "us-east-1", "iam")
	if got := hex.EncodeToString(sk[:]); got != "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9" {
		t.Fatalf("signing key %s", got)
	}

	at := time.Date(2015, 8, 30, 12, 36, 0, 0, time.UTC)
	v, err := New(Options{
		Credentials: staticCreds{"AKIDEXAMPLE": {p: broker, secret: secret}},
		Clock:       testsupport.NewClock(at), Rand: rand.Reader,
	})
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest("GET", "http://example.amazonaws.com/", nil)
	r.Header.Set("X-Amz-Date", "20150830T123600Z")
	r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")
	if _, err := v.Verify(r, "service"); err != nil {
		t.Fatalf("get-vanilla: %v", err)
	}
	r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "5fa00fa3", "5fa00fa4", 1))
	if _, err := v.Verify(r, "service"); err == nil {
		t.Fatal("get-vanilla with one signature digit changed verified")
	}
}
