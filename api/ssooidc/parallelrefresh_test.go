package ssooidc_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc/types"

	"github.com/signet-auth/signet/internal/testenv"
	"github.com/signet-auth/signet/internal/testsupport"
	"github.com/signet-auth/signet/ratelimit"
)

// withDefaultLimits starts a server with the default rate-limit policy, as
// `signet serve` runs it; every request comes from one address.
func withDefaultLimits(t *testing.T) *testenv.Env {
	t.Helper()
	p := ratelimit.DefaultPolicy()
	return testenv.New(t, testenv.Options{RateLimits: &p})
}

// AB-02: 20 and 32 parallel CLI commands refresh one SSO token at once
// from one machine, with the client the CLI registered, through
// aws-sdk-go-v2's ssooidc client; every one succeeds at the default limits.
func TestAB02_ParallelSSORefreshesOfOneToken(t *testing.T) {
	e := withDefaultLimits(t)
	oc := oidcClient(e, nil)
	for _, n := range []int{20, 32} {
		c := register(t, e)
		rt := tokens(t, e, c).str("refreshToken")
		for i, err := range testsupport.Parallel(n, func(int) error {
			_, err := oc.CreateToken(context.Background(), &ssooidc.CreateTokenInput{ClientId: aws.String(c.ID), ClientSecret: aws.String(c.Secret),
				GrantType: aws.String("refresh_token"), RefreshToken: aws.String(rt)})
			return err
		}) {
			if err != nil {
				t.Fatalf("%d parallel refreshes: call %d: %v", n, i, err)
			}
		}
	}
}

// AB-02: 32 parallel `aws sso login` on one machine share the client the
// CLI registered and redeem their authorization codes at once; every one
// succeeds.
func TestAB02_ParallelSSOCodeRedemptions(t *testing.T) {
	e := withDefaultLimits(t)
	oc := oidcClient(e, nil)
	c := registerPKCE(t, e)
	const n = 32
	codes, verifiers := make([]string, n), make([]string, n)
	for i := range n {
		p := newPKCE(t)
		codes[i], verifiers[i] = authorize(t, e, c, loopback, p), p.Verifier
	}
	for i, err := range testsupport.Parallel(n, func(i int) error {
		_, err := oc.CreateToken(context.Background(), &ssooidc.CreateTokenInput{ClientId: aws.String(c.ID), ClientSecret: aws.String(c.Secret),
			GrantType: aws.String("authorization_code"), Code: aws.String(codes[i]), RedirectUri: aws.String(loopback), CodeVerifier: aws.String(verifiers[i])})
		return err
	}) {
		if err != nil {
			t.Errorf("redemption %d: %v", i, err)
		}
	}
}

// AB-02: with retries free and buckets keyed by grant, guessing stays
// bounded at the default limits: wrong client secrets presented with one
// refresh token, wrong user codes, and wrong passwords are each refused
// once their failure budget is spent.
func TestAB02_GuessingStaysBounded(t *testing.T) {
	e := withDefaultLimits(t)
	p := ratelimit.DefaultPolicy()
	oc := oidcClient(e, nil)
	c := register(t, e)
	rt := tokens(t, e, c).str("refreshToken")

	// Client secrets, the same refresh token every time.
	guess := func(secret string) error {
		_, err := oc.CreateToken(context.Background(), &ssooidc.CreateTokenInput{ClientId: aws.String(c.ID), ClientSecret: aws.String(secret),
			GrantType: aws.String("refresh_token"), RefreshToken: aws.String(rt)})
		return err
	}
	for i := range p.ClientAuth.N {
		var ic *types.InvalidClientException
		if err := guess("wrong-secret"); !errors.As(err, &ic) {
			t.Fatalf("wrong secret %d: %v, want InvalidClientException", i, err)
		}
	}
	var slow *types.SlowDownException
	if err := guess(c.Secret); !errors.As(err, &slow) {
		t.Errorf("right secret after %d wrong ones: %v, want SlowDownException", p.ClientAuth.N, err)
	}

	// User codes, by a signed-in browser (for another client: this
	// address is locked out of c).
	c2 := register(t, e)
	d := startDevice(t, e, c2)
	g := e.Browser(t)
	g.SignIn()
	miss := func(code string) int {
		f := g.Get("/device").Hidden()
		f.Set("user_code", code)
		return g.Post("/device", f).Status
	}
	wrong := strings.Repeat("B", len(strings.ReplaceAll(d.UserCode, "-", "")))
	if wrong == strings.ReplaceAll(d.UserCode, "-", "") {
		wrong = strings.Repeat("C", len(wrong))
	}
	for i := range p.UserCodeAccount.N {
		if s := miss(wrong); s != http.StatusBadRequest {
			t.Fatalf("wrong user code %d: %d, want 400", i, s)
		}
	}
	if s := miss(d.UserCode); s != http.StatusTooManyRequests {
		t.Errorf("live user code after %d misses: %d, want 429", p.UserCodeAccount.N, s)
	}
	e.Clock.Add(p.UserCodeAccount.Per)
	if s := miss(startDevice(t, e, c2).UserCode); s != http.StatusSeeOther {
		t.Errorf("a live user code after the window: %d, want 303", s)
	}

	// Passwords.
	b := e.Browser(t)
	for i := range p.LoginAccount.N {
		form := b.Get("/login").Hidden()
		form.Set("username", testenv.UserName)
		form.Set("password", "wrong password")
		if pg := b.Post("/login", form); pg.Status != http.StatusBadRequest && pg.Status != http.StatusUnauthorized {
			t.Fatalf("wrong password %d: %d", i, pg.Status)
		}
	}
	form := b.Get("/login").Hidden()
	form.Set("username", testenv.UserName)
	form.Set("password", testenv.UserPassword)
	if pg := b.Post("/login", form); pg.Status != http.StatusTooManyRequests {
		t.Errorf("right password after %d wrong ones: %d, want 429", p.LoginAccount.N, pg.Status)
	}
}
