package sigv4

import (
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/signet-auth/signet/awscreds/awscredstest"
	"github.com/signet-auth/signet/internal/testsupport"
)

// benchRequest is a CreateTokenWithIAM-like request as the SDK signs it,
// arriving at a server (RequestURI, Host set, Host header promoted).
func benchRequest(b *testing.B, creds aws.Credentials) (*http.Request, func()) {
	r := httptest.NewRequest("POST", "http://oidc.us-east-1.amazonaws.com/token?aws_iam=t", bytes.NewReader([]byte(jsonBody)))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("User-Agent", "aws-sdk-go-v2/1.47.7 os/linux lang/go#1.26 md/GOOS#linux md/GOARCH#amd64 api/ssooidc#1.44.3")
	r.Header.Set("Amz-Sdk-Invocation-Id", "2f1c1d7e-0000-4000-8000-000000000000")
	r.Header.Set("Amz-Sdk-Request", "attempt=1; max=3")
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, r, payloadHash(jsonBody), "sso-oauth", "us-east-1", testNow); err != nil {
		b.Fatal(err)
	}
	body := []byte(jsonBody)
	br := bytes.NewReader(body)
	rc := io.NopCloser(br)
	return r, func() { br.Reset(body); r.Body = rc }
}

func benchVerify(b *testing.B, v *Verifier, creds aws.Credentials) {
	r, reset := benchRequest(b, creds)
	reset()
	if _, err := v.Verify(r, "sso-oauth"); err != nil {
		b.Fatal(err) // also fills the signing-key cache
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		reset()
		if _, err := v.Verify(r, "sso-oauth"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerify: header form, long-term key from a map, signing key
// cached: the cost of the verification itself.
func BenchmarkVerify(b *testing.B) {
	v, err := New(Options{Credentials: testCreds(), Clock: testsupport.NewClock(testNow), Rand: rand.Reader})
	if err != nil {
		b.Fatal(err)
	}
	benchVerify(b, v, longTerm)
}

// BenchmarkVerifyMinted: header form with temporary credentials minted by
// the authority: adds opening the session token (AES-GCM) and the cached
// session liveness check (asked again every 5 s of the clock, which stands
// still here).
func BenchmarkVerifyMinted(b *testing.B) {
	clock := testsupport.NewClock(testNow)
	a := awscredstest.NewAuthority(b, clock, &awscredstest.Sessions{}, nil)
	c, err := a.Mint(alice, testNow.Add(15*time.Minute))
	if err != nil {
		b.Fatal(err)
	}
	v, _ := New(Options{Credentials: a, Clock: clock, Rand: rand.Reader})
	benchVerify(b, v, aws.Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken})
}
