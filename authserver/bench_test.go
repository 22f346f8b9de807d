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
		f.clock.Advance(time.Millisecond)
		resp, err := f.srv.Token(f.ctx, f.refreshRequest(c, rt))
		if err != nil {
			b.Fatal(err)
		}
		rt = resp.RefreshToken
	}
}
