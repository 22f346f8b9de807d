package authserver

import (
	"testing"
	"time"
)

// benchClientCache is the engine's client cache as `signet serve` sets it
// by default (--client-cache).
func benchClientCache(c *Config) { c.ClientCache = 10000 }

// BenchmarkRefresh measures one refresh through the engine and the store:
// syntax, client authentication (its client from the node's cache), one
// Rotate round trip, derivation.
func BenchmarkRefresh(b *testing.B) { benchRefresh(b, benchClientCache) }

// BenchmarkRefreshNoClientCache is BenchmarkRefresh with --client-cache 0:
// every refresh reads its client.
func BenchmarkRefreshNoClientCache(b *testing.B) { benchRefresh(b) }

func benchRefresh(b *testing.B, mutate ...func(*Config)) {
	f := newFixture(b, mutate...)
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
	f := newFixture(b, benchClientCache)
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
