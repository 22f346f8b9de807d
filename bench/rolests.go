package bench

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// The role-credentials-sts scenario: the SSO portal's GetRoleCredentials
// for an assignment bound to an IAM role (signet admin role set), so that
// every step makes signet sign a web identity token and call STS
// AssumeRoleWithWebIdentity at --aws-sts-endpoint. Its baseline,
// sts-direct, sends AssumeRoleWithWebIdentity straight to that STS with a
// token minted once, at the same concurrency in the same run; the report's
// "added by signet" line is the difference of their percentiles.

// Who a server this tool starts binds: serve's default dev assignment
// (--dev-account, --dev-role), bound to a role of the STS's account.
const (
	devAccount   = "000000000000"
	devRole      = "Developer"
	benchRoleARN = "arn:aws:iam::" + devAccount + ":role/signet-bench"
)

// stsScenarios are the scenarios that need an STS (--aws-sts-endpoint, or
// moto's server started by this tool).
var stsScenarios = []string{"sts-direct", "role-credentials-sts"}

type portalRoleWorker struct {
	c *client
	a portalAssignment
}

func (w *portalRoleWorker) Step(ctx context.Context) error {
	creds, err := w.a.credentials(ctx, w.c)
	if err == nil && (creds.AccessKeyID == "" || creds.SessionToken == "") {
		err = errors.New("bench: GetRoleCredentials answered without credentials")
	}
	return err
}

func prepareRoleCredentialsSTS(ctx context.Context, t *target) (newWorker, error) {
	if t.sts == "" {
		return nil, t.noSTS()
	}
	a, err := portalLogin(ctx, t.c)
	if err != nil {
		return nil, err
	}
	creds, err := a.credentials(ctx, t.c)
	if err != nil {
		return nil, err
	}
	// The credentials must be the STS's: its GetCallerIdentity names an
	// assumed role for them (moto names its default user for keys it did
	// not issue, and signet's own credentials are not its).
	arn, err := callerARN(ctx, t, creds)
	if err != nil || !strings.Contains(arn, ":assumed-role/") {
		return nil, fmt.Errorf("GetRoleCredentials for %s/%s did not return credentials of the STS at %s (its GetCallerIdentity: %q, %v): "+
			"bind the role with `signet admin role set` and give the server --aws-sts-endpoint %s", a.account, a.role, t.sts, arn, err, t.sts)
	}
	return func(context.Context) (Worker, error) { return &portalRoleWorker{c: t.c, a: a}, nil }, nil
}

// callerARN asks the STS at t.sts who creds are (GetCallerIdentity).
func callerARN(ctx context.Context, t *target, creds aws.Credentials) (string, error) {
	s := &signer{t: t, creds: creds, v4: v4.NewSigner()}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.sts, strings.NewReader(stsBody))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	if err := s.sign(ctx, req, stsBody, "sts"); err != nil {
		return "", err
	}
	var out struct {
		Arn string `xml:"GetCallerIdentityResult>Arn"`
	}
	err = stsCall(t.c, req, &out)
	return out.Arn, err
}

// stsCall sends an STS Query request and decodes its XML answer.
func stsCall(c *client, req *http.Request, out any) error {
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	return decodeSTS(resp.StatusCode, body, out)
}

// decodeSTS reads an STS answer: a 200's XML into out, or any other
// status as a statusError naming the error code of its ErrorResponse.
func decodeSTS(status int, body []byte, out any) error {
	if status != http.StatusOK {
		var e struct {
			Code string `xml:"Error>Code"`
		}
		xml.Unmarshal(body, &e)
		return &statusError{Status: status, Type: e.Code}
	}
	if err := xml.Unmarshal(body, out); err != nil {
		return fmt.Errorf("bench: decoding STS's answer: %w", err)
	}
	return nil
}

type stsDirectWorker struct {
	c        *client
	endpoint string
	body     string
}

func (w *stsDirectWorker) Step(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.endpoint, strings.NewReader(w.body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	var out struct {
		AccessKeyID string `xml:"AssumeRoleWithWebIdentityResult>Credentials>AccessKeyId"`
	}
	if err := stsCall(w.c, req, &out); err != nil {
		return err
	}
	if out.AccessKeyID == "" {
		return errors.New("bench: AssumeRoleWithWebIdentity answered without credentials")
	}
	return nil
}

func prepareSTSDirect(ctx context.Context, t *target) (newWorker, error) {
	if t.sts == "" {
		return nil, t.noSTS()
	}
	tok, err := webIdentityToken(t.c.rand, t.clock.Now())
	if err != nil {
		return nil, err
	}
	body := url.Values{
		"Action": {"AssumeRoleWithWebIdentity"}, "Version": {"2011-06-15"},
		"RoleArn": {benchRoleARN}, "RoleSessionName": {"signet-bench"},
		"WebIdentityToken": {tok}, "DurationSeconds": {"3600"},
	}.Encode()
	// One call before the loop, as role-credentials-sts makes one in its
	// prepare: the STS's first answer (a Python server importing its
	// handlers) is not part of either loop.
	w := &stsDirectWorker{c: t.c, endpoint: t.sts, body: body}
	if err := w.Step(ctx); err != nil {
		return nil, fmt.Errorf("AssumeRoleWithWebIdentity at %s: %w", t.sts, err)
	}
	return func(context.Context) (Worker, error) {
		return &stsDirectWorker{c: t.c, endpoint: t.sts, body: body}, nil
	}, nil
}

// webIdentityToken mints, once, a token of the shape and size signet
// sends (ES256, the same claims), signed with a key of this process: an
// STS that checks signatures refuses it, which is why sts-direct is for
// STS stand-ins such as moto's server.
func webIdentityToken(rand io.Reader, now time.Time) (string, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand)
	if err != nil {
		return "", err
	}
	enc := func(v any) string {
		b, _ := json.Marshal(v)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	head := enc(map[string]string{"alg": "ES256", "typ": "signet-web-identity+jwt", "kid": "signet-bench"})
	payload := enc(map[string]any{
		"iss": "https://signet.invalid", "sub": "signet-bench-user", "aud": "sts.amazonaws.com",
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(), "jti": "signet-bench",
		"https://aws.amazon.com/source_identity": "signet-bench",
		"https://aws.amazon.com/tags": map[string]any{
			"principal_tags":      map[string][]string{"signet-user": {"signet-bench"}, "signet-user-id": {"signet-bench-user"}},
			"transitive_tag_keys": []string{"signet-user", "signet-user-id"},
		},
	})
	sum := sha256.Sum256([]byte(head + "." + payload))
	r, s, err := ecdsa.Sign(rand, key, sum[:])
	if err != nil {
		return "", err
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return head + "." + payload + "." + base64.RawURLEncoding.EncodeToString(sig), nil
}
