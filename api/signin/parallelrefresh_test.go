package signin_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/signin"
	"github.com/aws/aws-sdk-go-v2/service/signin/types"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/internal/signintest"
	"github.com/signet-auth/signet/internal/testsupport"
	"github.com/signet-auth/signet/ratelimit"
)

// withDefaultLimits starts a server whose Sign-In endpoint has the default
// rate-limit policy, as `signet serve` runs it (the Sign-In limiter's
// buckets are per node, in memory, and read the time the handler gives).
// Every request comes from one address (the test's loopback).
func withDefaultLimits(t *testing.T) *signintest.Env {
	t.Helper()
	l, err := ratelimit.New(ratelimit.Config{Store: ratelimit.NewMemoryStore(0), Policy: ratelimit.DefaultPolicy(), Clock: signet.SystemClock{}})
	if err != nil {
		t.Fatal(err)
	}
	return signintest.New(t, signintest.Options{Limiter: l.SignIn()})
}

// AB-02: 20 and 32 parallel CLI commands at expiry refresh one Sign-In
// token at once from one machine, through aws-sdk-go-v2's signin client;
// every one succeeds with the same answer, at the default limits.
func TestAB02_ParallelSignInRefreshesOfOneToken(t *testing.T) {
	e := withDefaultLimits(t)
	for _, n := range []int{20, 32} {
		h := newHolder(t, e)
		rt := h.login().str("refreshToken")
		c := sdkClient(e, aws.AnonymousCredentials{})
		got := make([]string, n)
		errs := testsupport.Parallel(n, func(i int) error {
			out, err := c.CreateOAuth2Token(context.Background(), &signin.CreateOAuth2TokenInput{TokenInput: &types.CreateOAuth2TokenRequestBody{
				ClientId: aws.String(sameDevice), GrantType: aws.String("refresh_token"), RefreshToken: aws.String(rt),
			}}, withDPoP(h.key))
			if err == nil {
				got[i] = aws.ToString(out.TokenOutput.RefreshToken)
			}
			return err
		})
		for i, err := range errs {
			if err != nil {
				t.Fatalf("%d parallel refreshes: call %d: %v", n, i, err)
			}
			if got[i] != got[0] {
				t.Errorf("%d parallel refreshes: call %d got another refresh token", n, i)
			}
		}
	}
}

// AB-02: 32 parallel `aws login` on one machine redeem their codes at
// once with the client id every AWS CLI shares; every one succeeds.
func TestAB02_ParallelSignInCodeRedemptions(t *testing.T) {
	e := withDefaultLimits(t)
	const n = 32
	codes := make([]string, n)
	holders := make([]*holder, n)
	for i := range n {
		codes[i], holders[i] = e.Code(t, sameDevice, redirect, verifier), newHolder(t, e)
	}
	c := sdkClient(e, aws.AnonymousCredentials{})
	for i, err := range testsupport.Parallel(n, func(i int) error {
		_, err := c.CreateOAuth2Token(context.Background(), &signin.CreateOAuth2TokenInput{TokenInput: &types.CreateOAuth2TokenRequestBody{
			ClientId: aws.String(sameDevice), GrantType: aws.String("authorization_code"), Code: aws.String(codes[i]),
			RedirectUri: aws.String(redirect), CodeVerifier: aws.String(verifier),
		}}, withDPoP(holders[i].key))
		return err
	}) {
		if err != nil {
			t.Errorf("redemption %d: %v", i, err)
		}
	}
}

// AB-02: a thousand users behind one NAT address, all with the Sign-In
// client id, sign in during a morning rush (20 a second) and refresh when
// their credentials expire (15 minutes later, at the same pace): nobody
// sees a 429. The time passes on the injected clock.
func TestAB02_ThousandUsersBehindOneAddress(t *testing.T) {
	if testing.Short() {
		t.Skip("a thousand sign-ins")
	}
	e := withDefaultLimits(t)
	const users = 1000
	const pace = 50 * time.Millisecond
	holders := make([]*holder, users)
	tokens := make([]string, users)
	for i := range users {
		holders[i] = newHolder(t, e)
		r := holders[i].redeem(sameDevice, e.Code(t, sameDevice, redirect, verifier), redirect, verifier)
		if r.Status != http.StatusOK {
			t.Fatalf("user %d sign-in: %d %s", i, r.Status, r.Raw)
		}
		tokens[i] = r.str("refreshToken")
		e.Clock.Add(pace)
	}
	e.Clock.Add(15*time.Minute - users*pace)
	for i, h := range holders {
		if r := h.refresh(tokens[i]); r.Status != http.StatusOK {
			t.Fatalf("user %d refresh: %d %s", i, r.Status, r.Raw)
		}
		e.Clock.Add(pace)
	}
}
