package signin_test

import (
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/signet-auth/signet/api/signin"
	"github.com/signet-auth/signet/authserver"
	"github.com/signet-auth/signet/internal/signintest"
)

var update = flag.Bool("update", false, "rewrite the golden wire snapshots in testdata/snapshots")

// snapshotHeaders are the response headers a snapshot keeps.
var snapshotHeaders = []string{"Cache-Control", "Content-Type", "Dpop-Nonce", "Pragma", "Retry-After", "X-Amzn-Errortype", "X-Amzn-Requestid"}

// normalisers replace what differs between runs with placeholders.
var normalisers = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`"accessKeyId":"ASIA[A-Z2-7]{16}"`), `"accessKeyId":"ASIA…"`},
	{regexp.MustCompile(`"secretAccessKey":"[^"]+"`), `"secretAccessKey":"…"`},
	{regexp.MustCompile(`"sessionToken":"[^"]+"`), `"sessionToken":"…"`},
	{regexp.MustCompile(`"refreshToken":"ASOR[^"]+"`), `"refreshToken":"ASOR…"`},
	{regexp.MustCompile(`"idToken":"[^"]+"`), `"idToken":"eyJ…"`},
	{regexp.MustCompile(`(?m)^(X-Amzn-Requestid|Dpop-Nonce): .+$`), `$1: …`},
}

// wire renders a reply as a snapshot: status line, the kept headers, a
// blank line, the body.
func wire(r reply) string {
	var b strings.Builder
	b.WriteString("HTTP/1.1 " + strconv.Itoa(r.Status) + " " + http.StatusText(r.Status) + "\n")
	for _, k := range snapshotHeaders {
		for _, v := range r.Header.Values(k) {
			b.WriteString(k + ": " + v + "\n")
		}
	}
	b.WriteString("\n" + r.Raw + "\n")
	s := b.String()
	for _, n := range normalisers {
		s = n.re.ReplaceAllString(s, n.with)
	}
	return s
}

func golden(t *testing.T, name string, r reply) {
	t.Helper()
	path := filepath.Join("testdata", "snapshots", name+".txt")
	got := wire(r)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (run with -update after checking):\n--- got\n%s--- want\n%s", name, got, want)
	}
}

// TestWireSnapshots pins the success responses and every error the token
// endpoint gives, header and body, normalised.
func TestWireSnapshots(t *testing.T) {
	e := signintest.New(t, signintest.Options{
		Lifetimes: authserver.Lifetimes{Session: 30 * time.Minute},
		Limiter:   signin.NewRateLimiter(100, 100, 100),
	})
	h := newHolder(t, e)
	code := e.Code(t, sameDevice, redirect, verifier)
	ok := h.redeem(sameDevice, code, redirect, verifier)
	golden(t, "authorization_code", ok)
	rt := ok.str("refreshToken")
	ref := h.refresh(rt)
	golden(t, "refresh_token", ref)
	other := h.login().str("refreshToken")
	golden(t, "reused_code_AUTHCODE_EXPIRED", h.redeem(sameDevice, code, redirect, verifier))
	golden(t, "no_dpop_INVALID_REQUEST", post(t, e, "application/json", refreshBody(ref.str("refreshToken"))))
	golden(t, "bad_client_INVALID_REQUEST", post(t, e, "application/json",
		jsonBody(map[string]string{"clientId": "x", "grantType": "refresh_token", "refreshToken": rt}), h.proof()))
	golden(t, "unknown_token_TOKEN_EXPIRED", h.refresh("ASORunknown"))

	e.Clock.Add(time.Second)
	if err := e.Engine.SetPassword(t.Context(), e.User.ID, "a brand new passphrase"); err != nil {
		t.Fatal(err)
	}
	golden(t, "password_changed_USER_CREDENTIALS_CHANGED", h.refresh(other))

	limited := signintest.New(t, signintest.Options{Limiter: signin.NewRateLimiter(0.5, 1, 10)})
	lh := newHolder(t, limited)
	post(t, limited, "application/json", "{}", lh.proof())
	golden(t, "throttled_TooManyRequestsError", post(t, limited, "application/json", "{}", lh.proof()))

	nonces := signintest.New(t, signintest.Options{DPoPNonces: true})
	nh := newHolder(t, nonces)
	golden(t, "dpop_nonce_required", post(t, nonces, "application/json", refreshBody("ASORx"), nh.proof()))
}
