package signin_test

import (
	"net/http"
	"sync"
	"testing"

	"github.com/signet-auth/signet/internal/signintest"
)

// TestCC03_SimultaneousRefreshesOneResult sends 20 refreshes of one
// DPoP-bound refresh token at once, each with its own proof from the same
// key, as a client retrying over several connections does. Every answer is
// 200 and the same token set: the credentials are minted once for the
// refresh token, never forked into several lineages, and expiresIn stays
// within the model's 1–900.
func TestCC03_SimultaneousRefreshesOneResult(t *testing.T) {
	const n = 20
	e := signintest.New(t, signintest.Options{})
	h := newHolder(t, e)
	rt := h.login().str("refreshToken")

	// Proofs are made up front, on the test goroutine.
	proofs := make([]string, n)
	for i := range proofs {
		proofs[i] = h.proof()
	}
	replies := make([]reply, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			replies[i] = post(t, e, "application/json", refreshBody(rt), proofs[i])
		})
	}
	close(start)
	wg.Wait()

	for i, r := range replies {
		if r.Status != http.StatusOK {
			t.Fatalf("refresh %d: %d %s", i, r.Status, r.Raw)
		}
		if r.Raw != replies[0].Raw {
			t.Fatalf("refresh %d forked the lineage:\n%s\nrefresh 0:\n%s", i, r.Raw, replies[0].Raw)
		}
	}
	if n, _ := replies[0].Body["expiresIn"].(float64); n < 1 || n > 900 {
		t.Fatalf("expiresIn %v outside 1–900", replies[0].Body["expiresIn"])
	}
	// The one successor carries the lineage on.
	wantOK(t, h.refresh(replies[0].str("refreshToken")))
}
