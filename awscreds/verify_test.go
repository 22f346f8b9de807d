package awscreds_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/signet-auth/signet/api/awsjson"
	"github.com/signet-auth/signet/awscreds"
	"github.com/signet-auth/signet/sigv4"
)

// The authority behind the SigV4 verifier, over a real HTTP server, signed
// by the SDK's signer: what verifies and what each bad credential answers.
func TestVerifiedOverHTTP(t *testing.T) {
	e := newEnv(t)
	v, err := sigv4.New(sigv4.Options{Credentials: e.a, Clock: e.clock, Rand: rand.Reader})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(v.Require("signin", awsjson.SigV4Error)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, _ := sigv4.PrincipalFrom(r.Context())
		io.WriteString(w, p.ARN)
	})))
	defer srv.Close()
	send := func(c aws.Credentials) (int, string) {
		t.Helper()
		const body = `{"grant_type":"client_credentials","resource":"aws-mcp.amazonaws.com"}`
		r, _ := http.NewRequest("POST", srv.URL+"/v1/token?x-amz-client-auth-method=iam", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		if err := v4.NewSigner().SignHTTP(context.Background(), c, r, sha256Hex(body), "signin", "us-east-1", e.clock.Now()); err != nil {
			t.Fatal(err)
		}
		resp, err := srv.Client().Do(r)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode == 200 {
			return 200, string(b)
		}
		var eb struct {
			Type string `json:"__type"`
		}
		json.Unmarshal(b, &eb)
		return resp.StatusCode, eb.Type
	}
	sdk := func(c awscreds.Credentials) aws.Credentials {
		return aws.Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken}
	}
	want := func(name string, c aws.Credentials, status int, what string) {
		t.Helper()
		if gotStatus, got := send(c); gotStatus != status || got != what {
			t.Errorf("%s: %d %s, want %d %s", name, gotStatus, got, status, what)
		}
	}

	tmp, _ := e.a.Mint(e.alice, e.clock.Now().Add(15*time.Minute))
	want("temporary credentials", sdk(tmp), 200, e.alice.ARN)

	k, sec, _ := e.a.CreateAccessKey(context.Background(), "arn:aws:iam::123456789012:user/broker")
	want("long-term key", aws.Credentials{AccessKeyID: k.ID, SecretAccessKey: sec}, 200, "arn:aws:iam::123456789012:user/broker")

	noToken := sdk(tmp)
	noToken.SessionToken = ""
	want("ASIA key without token", noToken, 403, "UnrecognizedClientException")

	raw, _ := base64.StdEncoding.DecodeString(tmp.SessionToken)
	raw[len(raw)/2] ^= 0x20
	tampered := sdk(tmp)
	tampered.SessionToken = base64.StdEncoding.EncodeToString(raw)
	want("tampered session token", tampered, 403, "UnrecognizedClientException")

	wrong := sdk(tmp)
	wrong.SecretAccessKey = strings.ToLower(wrong.SecretAccessKey)
	want("wrong secret", wrong, 403, "InvalidSignatureException")

	e.a.DeleteAccessKey(context.Background(), k.ID)
	want("deleted long-term key", aws.Credentials{AccessKeyID: k.ID, SecretAccessKey: sec}, 403, "UnrecognizedClientException")

	short, _ := e.a.Mint(e.alice, e.clock.Now().Add(time.Minute))
	e.clock.Add(time.Minute)
	want("expired session token", sdk(short), 403, "ExpiredTokenException")

	e.sess.Revoke(e.alice.SessionID)
	e.clock.Add(awscreds.DefaultSessionCacheTTL)
	want("revoked session", sdk(tmp), 403, "AccessDeniedException")
}

// FuzzLookup: the session token parser (base64, format byte, AEAD, claims)
// behind Lookup never panics, and nothing but the minted token opens.
func FuzzLookup(f *testing.F) {
	e := newEnv(f)
	c, err := e.a.Mint(e.alice, testNow.Add(15*time.Minute))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(c.AccessKeyID, c.SessionToken)
	f.Add(c.AccessKeyID, c.SessionToken[:len(c.SessionToken)-4])
	f.Add(c.AccessKeyID, "")
	f.Add("AKIAABCDEFGHIJKLMN23", c.SessionToken)
	f.Add("ASIAABCDEFGHIJKLMN23", "AQ==")
	f.Add(c.AccessKeyID, strings.Repeat("A", 5000))
	f.Fuzz(func(t *testing.T, id, token string) {
		p, sec, err := e.a.Lookup(context.Background(), id, token)
		if err != nil {
			return
		}
		if id != c.AccessKeyID || p != e.alice || sec != c.SecretAccessKey {
			t.Fatalf("Lookup(%q, %q) = %+v, %q", id, token, p, sec)
		}
	})
}
