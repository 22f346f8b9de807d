package ratelimit_test

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/signet-auth/signet/ratelimit"
)

// withGrant is r presenting grant, as the token endpoints mark it.
func withGrant(r *http.Request, grant string) *http.Request {
	return r.WithContext(ratelimit.WithGrant(r.Context(), grant))
}

// AB-02: 32 parallel presentations of one refresh token from one address
// (parallel CLI commands at expiry) spend one token of the client's
// bucket, whatever the order; a retry from another address pays; after
// the retry window a presentation pays again.
func TestAB02_GrantRetriesAreFree(t *testing.T) {
	c := newClock()
	l := newLimiter(t, ratelimit.NewMemoryStore(0), only(func(p *ratelimit.Policy) {
		p.Client = ratelimit.Limit{N: 2, Per: time.Minute}
		p.IP = ratelimit.Limit{N: 3, Per: time.Minute}
		p.Retry = time.Minute
	}), c)
	var wg sync.WaitGroup
	refused := make(chan error, 32)
	for range 32 {
		wg.Go(func() {
			if e := l.Request(withGrant(from("203.0.113.7:1"), "rt-1"), ratelimit.ClassToken, "cli"); e != nil {
				refused <- e
			}
		})
	}
	wg.Wait()
	close(refused)
	for e := range refused {
		t.Errorf("parallel retry refused: %v", e)
	}
	// One token of the address's three was spent: two other grants pass,
	// the third is refused by the address's bucket.
	for i := range 2 {
		if e := l.Request(withGrant(from("203.0.113.7:1"), fmt.Sprint("rt-other-", i)), ratelimit.ClassToken, "cli"); e != nil {
			t.Fatalf("grant %d: %v", i, e)
		}
	}
	if e := l.Request(withGrant(from("203.0.113.7:1"), "rt-3"), ratelimit.ClassToken, "cli"); code(e) != "too_many_requests" {
		t.Errorf("fourth new grant from the address: %v, want too_many_requests", e)
	}
	// Retries from the address stay free; from another address they pay.
	if e := l.Request(withGrant(from("203.0.113.7:1"), "rt-1"), ratelimit.ClassToken, "cli"); e != nil {
		t.Errorf("retry: %v", e)
	}
	// From another address the first presentation pays: that address's
	// bucket then holds two.
	for i := range 4 {
		g := "rt-1"
		if i > 0 {
			g = fmt.Sprint("rt-elsewhere-", i)
		}
		if e := l.Request(withGrant(from("198.51.100.1:1"), g), ratelimit.ClassToken, "cli"); (e == nil) != (i < 3) {
			t.Errorf("presentation %d from another address: %v", i, e)
		}
	}
	// After the window a presentation is new again.
	c.Add(time.Minute)
	for i := range 3 {
		if e := l.Request(withGrant(from("203.0.113.7:1"), "rt-1"), ratelimit.ClassToken, "cli"); e != nil {
			t.Fatalf("after the window, call %d: %v", i, e)
		}
	}
}

// AB-02: Sign-In's shared client id keys nothing on its own: each grant
// has its own bucket, so a thousand users behind one address, refreshing
// in a morning rush of 20 a second, are bounded by the address's bucket
// alone, while device-code polls pay every time.
func TestAB02_SharedClientKeyedByGrant(t *testing.T) {
	c := newClock()
	p := ratelimit.DefaultPolicy()
	l := newLimiter(t, ratelimit.NewMemoryStore(0), p, c)
	si := l.SignIn()
	for i := range 1000 {
		if ok, _ := si.Allow("203.0.113.7", fmt.Sprint("rt-", i), c.Now()); !ok {
			t.Fatalf("user %d refused", i)
		}
		c.Add(50 * time.Millisecond)
	}
	// Polls of one device code, faster than the bucket allows, pay.
	refused := false
	for range p.Client.N + 1 {
		r := from("203.0.113.7:1")
		r = r.WithContext(ratelimit.WithDeviceCode(r.Context(), "dc-1"))
		refused = refused || l.Request(r, ratelimit.ClassToken, "cli") != nil
	}
	if !refused {
		t.Errorf("%d polls of one device code in an instant all admitted", p.Client.N+1)
	}
}
