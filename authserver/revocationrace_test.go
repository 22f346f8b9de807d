package authserver

import (
	"sync"
	"testing"
)

// TestCC04_RefreshRacingRevocation races a refresh against the RFC 7009
// revocation of the same refresh token, many times over. Whichever wins,
// once RevokeToken has returned without error nothing the concurrent
// refresh minted may be active, and its refresh token may not refresh
// (RFC 7009 §2.2: the grant is gone once revocation succeeded).
func TestCC04_RefreshRacingRevocation(t *testing.T) {
	f := newFixture(t)
	c, u := f.ssoClient(), f.user("alice")
	for i := range 30 {
		first := f.login(c, u)
		var (
			resp      TokenResponse
			refErr    error
			revokeErr error
			wg        sync.WaitGroup
		)
		start := make(chan struct{})
		wg.Go(func() {
			<-start
			resp, refErr = f.srv.Token(f.ctx, f.refreshRequest(c, first.RefreshToken))
		})
		wg.Go(func() {
			<-start
			revokeErr = f.srv.RevokeToken(f.ctx, c.Client.ID, first.RefreshToken)
		})
		close(start)
		wg.Wait()
		if revokeErr != nil {
			t.Fatalf("round %d: revocation: %v", i, revokeErr)
		}
		if f.active(first.AccessToken) {
			t.Fatalf("round %d: the original access token is active after revocation", i)
		}
		if refErr != nil {
			continue // revocation won
		}
		if f.active(resp.AccessToken) {
			t.Fatalf("round %d: an access token minted by the racing refresh is active after revocation", i)
		}
		if _, err := f.srv.Token(f.ctx, f.refreshRequest(c, resp.RefreshToken)); err == nil {
			t.Fatalf("round %d: the racing refresh's refresh token still refreshes after revocation", i)
		}
	}
}
