package sts_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awssts "github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/api/sts"
	"github.com/signet-auth/signet/awscreds"
	"github.com/signet-auth/signet/awscreds/awscredstest"
	"github.com/signet-auth/signet/internal/testsupport"
	"github.com/signet-auth/signet/sigv4"
)

// zeros is a random source of zero bytes: request ids become
// 00000000-0000-4000-8000-000000000000, so whole bodies can be compared.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

const zeroRequestID = "00000000-0000-4000-8000-000000000000"

type env struct {
	srv   *httptest.Server
	auth  *awscreds.Authority
	clock *testsupport.Clock
	alice awscreds.Principal
	sess  *awscredstest.Sessions
	logs  *testsupport.Logs
}

// newEnv serves STS (and, beside it, another route) on a real server. The
// clock stands at the wall-clock time the test starts, since the SDKs sign
// with the wall clock.
func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{clock: testsupport.NewClock(time.Now().UTC()), sess: &awscredstest.Sessions{}, logs: &testsupport.Logs{}}
	e.auth = awscredstest.NewAuthority(t, e.clock, e.sess, awscredstest.NewAccessKeys())
	v, err := sigv4.New(sigv4.Options{Credentials: e.auth, Clock: e.clock, Rand: zeros{}, Logger: e.logs.Logger()})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	(&sts.Handler{Verifier: v, Rand: zeros{}}).Mount(mux)
	mux.HandleFunc("POST /v1/token", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "other route") })
	e.srv = httptest.NewServer(mux)
	t.Cleanup(e.srv.Close)
	e.alice, _ = awscreds.AssumedRole(signet.Assignment{AccountID: "123456789012", RoleName: "Admin"}, "alice", "sess-1")
	return e
}

func (e *env) mint(t *testing.T, ttl time.Duration) aws.Credentials {
	t.Helper()
	c, err := e.auth.Mint(e.alice, e.clock.Now().Add(ttl))
	if err != nil {
		t.Fatal(err)
	}
	return aws.Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken}
}

func (e *env) accessKey(t *testing.T, arn string) aws.Credentials {
	t.Helper()
	k, sec, err := e.auth.CreateAccessKey(context.Background(), arn)
	if err != nil {
		t.Fatal(err)
	}
	return aws.Credentials{AccessKeyID: k.ID, SecretAccessKey: sec}
}

func (e *env) client(c aws.Credentials) *awssts.Client {
	return awssts.New(awssts.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(e.srv.URL),
		Credentials:      credentials.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey, c.SessionToken),
		HTTPClient:       e.srv.Client(),
		RetryMaxAttempts: 1,
	})
}

// The Go SDK's STS client proves minted temporary credentials and a
// long-term key real.
func TestGoSTSClient(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct {
		name             string
		creds            aws.Credentials
		arn, userID, acc string
	}{
		{"temporary", e.mint(t, 15*time.Minute), e.alice.ARN, e.alice.UserID, "123456789012"},
		{"long-term", e.accessKey(t, "arn:aws:iam::210987654321:user/figma-broker"), "arn:aws:iam::210987654321:user/figma-broker", "", "210987654321"},
	} {
		t.Run(c.name, func(t *testing.T) {
			out, err := e.client(c.creds).GetCallerIdentity(context.Background(), &awssts.GetCallerIdentityInput{})
			if err != nil {
				t.Fatal(err)
			}
			if aws.ToString(out.Arn) != c.arn || aws.ToString(out.Account) != c.acc {
				t.Fatalf("got %s %s, want %s %s", aws.ToString(out.Arn), aws.ToString(out.Account), c.arn, c.acc)
			}
			if c.userID != "" && aws.ToString(out.UserId) != c.userID || !strings.HasPrefix(aws.ToString(out.UserId), "A") {
				t.Fatalf("UserId %s", aws.ToString(out.UserId))
			}
		})
	}
}

// What the SDK sees for credentials that are not good.
func TestGoSTSClientRefused(t *testing.T) {
	e := newEnv(t)
	good := e.mint(t, 15*time.Minute)
	wrongSecret := good
	wrongSecret.SecretAccessKey = strings.ToLower(good.SecretAccessKey)
	noToken := good
	noToken.SessionToken = ""
	short := e.mint(t, time.Minute)
	unknown := aws.Credentials{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}

	call := func(c aws.Credentials) (int, string) {
		_, err := e.client(c).GetCallerIdentity(context.Background(), &awssts.GetCallerIdentityInput{})
		var api smithy.APIError
		var resp *awshttp.ResponseError
		if !errors.As(err, &api) || !errors.As(err, &resp) {
			t.Fatalf("not an API error: %v", err)
		}
		return resp.HTTPStatusCode(), api.ErrorCode()
	}
	for _, c := range []struct {
		name   string
		creds  func() aws.Credentials
		status int
		code   string
	}{
		{"wrong secret", func() aws.Credentials { return wrongSecret }, 403, "SignatureDoesNotMatch"},
		{"ASIA key without token", func() aws.Credentials { return noToken }, 403, "InvalidClientTokenId"},
		{"unknown key", func() aws.Credentials { return unknown }, 403, "InvalidClientTokenId"},
		{"expired credentials", func() aws.Credentials { e.clock.Add(time.Minute); return short }, 403, "ExpiredToken"},
		{"revoked session", func() aws.Credentials {
			e.sess.Revoke("sess-1")
			e.auth.ForgetSession("sess-1")
			return good
		}, 403, "AccessDenied"},
	} {
		if status, code := call(c.creds()); status != c.status || code != c.code {
			t.Errorf("%s: %d %s, want %d %s", c.name, status, code, c.status, c.code)
		}
		// The log names the code the caller received, not the JSON
		// protocols' name for the same failure.
		var logged any
		for _, rec := range e.logs.Find("code") {
			if rec["msg"] == "sigv4: request refused" {
				logged = rec["code"]
			}
		}
		if logged != c.code {
			t.Errorf("%s: logged code %v, want %s", c.name, logged, c.code)
		}
	}
}

func sha256Hex(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// The wire, byte for byte, for raw requests signed by the SDK's signer.
func TestWire(t *testing.T) {
	e := newEnv(t)
	creds := e.mint(t, 15*time.Minute)
	send := func(method, path, body string, signed bool) (int, http.Header, string) {
		t.Helper()
		var rd io.Reader
		if body != "" {
			rd = strings.NewReader(body)
		}
		r, _ := http.NewRequest(method, e.srv.URL+path, rd)
		if body != "" {
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
		}
		if signed {
			if err := v4.NewSigner().SignHTTP(context.Background(), creds, r, sha256Hex(body), "sts", "us-east-1", time.Now()); err != nil {
				t.Fatal(err)
			}
		}
		resp, err := e.srv.Client().Do(r)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header, string(b)
	}
	success := `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <GetCallerIdentityResult>
    <Arn>arn:aws:sts::123456789012:assumed-role/Admin/alice</Arn>
    <UserId>` + e.alice.UserID + `</UserId>
    <Account>123456789012</Account>
  </GetCallerIdentityResult>
  <ResponseMetadata>
    <RequestId>` + zeroRequestID + `</RequestId>
  </ResponseMetadata>
</GetCallerIdentityResponse>
`
	errorBody := func(code, msg string) string {
		return `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <Error>
    <Type>Sender</Type>
    <Code>` + code + `</Code>
    <Message>` + msg + `</Message>
  </Error>
  <RequestId>` + zeroRequestID + `</RequestId>
</ErrorResponse>
`
	}
	invalidAction := errorBody("InvalidAction", "The action or operation requested is invalid. Verify that the action is typed correctly.")
	for _, c := range []struct {
		name, method, path, body string
		signed                   bool
		status                   int
		want                     string
	}{
		{"POST form", "POST", "/", "Action=GetCallerIdentity&Version=2011-06-15", true, 200, success},
		{"GET query", "GET", "/?Action=GetCallerIdentity&Version=2011-06-15", "", true, 200, success},
		{"unknown action", "POST", "/", "Action=AssumeRole&Version=2011-06-15", true, 400, invalidAction},
		{"unknown version", "POST", "/", "Action=GetCallerIdentity&Version=2011-06-16", true, 400, invalidAction},
		{"no action", "POST", "/", "Version=2011-06-15", true, 400, errorBody("MissingAction", "Missing Action")},
		{"unsigned", "POST", "/", "Action=GetCallerIdentity&Version=2011-06-15", false, 403, errorBody("MissingAuthenticationToken", "Request is missing Authentication Token")},
	} {
		t.Run(c.name, func(t *testing.T) {
			status, h, body := send(c.method, c.path, c.body, c.signed)
			if status != c.status || body != c.want {
				t.Fatalf("got %d\n%s\nwant %d\n%s", status, body, c.status, c.want)
			}
			if h.Get("Content-Type") != "text/xml" || h.Get("X-Amzn-Requestid") != zeroRequestID {
				t.Fatalf("headers %v", h)
			}
		})
	}

	// "/{$}" leaves every other path to its own route.
	if status, _, body := send("POST", "/v1/token", "x=1", false); status != 200 || body != "other route" {
		t.Fatalf("POST /v1/token: %d %q", status, body)
	}
	if status, _, body := send("POST", "/nothing", "", false); status != 404 || strings.Contains(body, "ErrorResponse") {
		t.Fatalf("POST /nothing: %d %q", status, body)
	}
}
