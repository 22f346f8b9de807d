package authserver

import (
	"testing"
	"time"
)

// BenchmarkRefresh measures one refresh through the engine and the store:
// syntax, client authentication, one Rotate round trip, derivation.
func BenchmarkRefresh(b *testing.B) {
	f := newFixture(b)
	c, u := f.ssoClient(), f.user("alice")
	rt := f.login(c, u).RefreshToken
	b.ReportAllocs()
	for b.Loop() {
		f.clock.Add(time.Millisecond)
		resp, err := f.srv.Token(f.ctx, f.refreshRequest(c, rt))
		if err != nil {
			b.Fatal(err)
		}
		rt = resp.RefreshToken
	}
}

// BenchmarkRefreshParallel is BenchmarkRefresh from many clients at once,
// each rotating its own chain, as a loaded server sees it: what the store's
// single writer (and its group commit) does under contention.
func BenchmarkRefreshParallel(b *testing.B) {
	f := newFixture(b)
	c, u := f.ssoClient(), f.user("alice")
	chains := make(chan string, 256)
	for range cap(chains) {
		chains <- f.login(c, u).RefreshToken
	}
	b.SetParallelism(8)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		rt := <-chains
		for pb.Next() {
			resp, err := f.srv.Token(f.ctx, f.refreshRequest(c, rt))
			if err != nil {
				b.Error(err)
				return
			}
			rt = resp.RefreshToken
		}
	})
}
