package authserver

import (
	"testing"
	"time"

	"github.com/signet-auth/signet"
)

// BenchmarkRefreshSignIn is BenchmarkRefresh for a Sign-In session bound
// to a DPoP key: the engine's part of a Sign-In refresh (the Sign-In
// policy read, the bound-key check, the rotation). The proof itself is
// verified by api/signin before the engine is called (dpop.BenchmarkVerify).
// One account has sign-in policies enabled, as `signet serve` reads them.
func BenchmarkRefreshSignIn(b *testing.B) {
	const jkt = "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"
	var policies signet.SigninPolicyStore
	f := newFixture(b, benchClientCache, func(c *Config) {
		policies = c.Users.(signet.SigninPolicyStore)
		c.SigninPolicies = policies
	})
	if err := policies.SetConsoleAuthorization(f.ctx, "111122223333", true, f.clock.Now()); err != nil {
		b.Fatal(err)
	}
	c, u := f.signInClient(), f.user("alice")
	rt := f.loginDPoP(c, u, jkt).RefreshToken
	b.ReportAllocs()
	for b.Loop() {
		f.clock.Add(time.Millisecond)
		r := f.refreshRequest(c, rt)
		r.DPoPJKT = jkt
		resp, err := f.srv.Token(f.ctx, r)
		if err != nil {
			b.Fatal(err)
		}
		rt = resp.RefreshToken
	}
}
