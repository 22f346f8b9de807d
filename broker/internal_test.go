package broker

import (
	"context"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/awscreds"
	"github.com/signet-auth/signet/broker/brokertest"
)

func TestAddrAllowed(t *testing.T) {
	for _, c := range []struct {
		addr          string
		public, local bool // allowed by default, allowed with AllowPrivateNetworks
	}{
		{"8.8.8.8", true, true},
		{"2606:4700::1111", true, true},
		{"127.0.0.1", false, true},
		{"127.5.5.5", false, true},
		{"::1", false, true},
		{"::ffff:127.0.0.1", false, true},
		{"10.1.2.3", false, true},
		{"172.31.255.255", false, true},
		{"192.168.0.1", false, true},
		{"100.64.0.1", false, true},
		{"fd12:3456::1", false, true},
		{"fc00::1", false, true},
		{"169.254.169.254", false, false},
		{"::ffff:169.254.169.254", false, false},
		{"fe80::1", false, false},
		{"0.0.0.0", false, false},
		{"0.1.2.3", false, false},
		{"::", false, false},
		{"224.0.0.1", false, false},
		{"ff02::1", false, false},
	} {
		a := netip.MustParseAddr(c.addr)
		if got := addrAllowed(a, false); got != c.public {
			t.Errorf("%s default: %v", c.addr, got)
		}
		if got := addrAllowed(a, true); got != c.local {
			t.Errorf("%s with private networks: %v", c.addr, got)
		}
	}
}

func TestARNMatch(t *testing.T) {
	for _, c := range []struct {
		pattern, arn string
		want         bool
	}{
		{"arn:aws:sts::123456789012:assumed-role/Studio/*", "arn:aws:sts::123456789012:assumed-role/Studio/alice", true},
		{"arn:aws:sts::123456789012:assumed-role/Studio/*", "arn:aws:sts::123456789012:assumed-role/Studio2/alice", false},
		{"arn:aws:sts::123456789012:assumed-role/*/alice", "arn:aws:sts::123456789012:assumed-role/Admin/alice", true},
		{"arn:aws:iam::123456789012:user/ci", "arn:aws:iam::123456789012:user/ci", true},
		{"arn:aws:iam::123456789012:user/ci", "arn:aws:iam::123456789012:user/ci2", false},
		{"arn:aws:*", "", false},
		{"arn:aws:*:x*y", "arn:aws:a:xzzy", true},
		{"arn:aws:*:x*y", "arn:aws:a:xzz", false},
	} {
		if got := arnMatch(c.pattern, c.arn); got != c.want {
			t.Errorf("arnMatch(%q, %q) = %v", c.pattern, c.arn, got)
		}
	}
}

// Parallel refreshes of one token through one client are one upstream
// call, and every caller gets its result.
func TestBR09_ParallelRefreshesCoalesced(t *testing.T) {
	up := brokertest.NewUpstream(t, map[string]string{"c": "secret-0123456789"})
	b, err := New(Config{
		Upstream: UpstreamConfig{AllowPrivateNetworks: true},
		Providers: []ProviderConfig{{Name: "figma", Kind: KindFigma, RefreshURL: up.URL() + brokertest.FigmaRefreshPath,
			Clients: []ClientConfig{{ID: "c", Secret: "secret-0123456789", RedirectURIs: []string{"https://app.example/cb"}, AllowedPrincipals: []string{"*"}}}}},
	}, Options{Clock: signet.SystemClock{}, RootCAs: up.RootCAs()})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	rt := up.IssueRefreshToken("c")
	entered, release := make(chan struct{}, 1), make(chan struct{})
	up.Script(brokertest.Gate(entered, release))

	const n = 10
	results := make([]Tokens, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	ctx, cancelFirst := context.WithCancel(context.Background())
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := context.Background()
			if i == 0 {
				c = ctx
			}
			results[i], errs[i] = b.Refresh(c, RefreshRequest{Provider: "figma", RefreshToken: rt, Principal: awscreds.Principal{ARN: "arn:aws:iam::123456789012:user/u", AccountID: "123456789012"}})
		}()
	}
	<-entered
	key := digest("refresh", "figma", "c", rt)
	waiters := func() int {
		b.mu.Lock()
		defer b.mu.Unlock()
		if f := b.flights[key]; f != nil {
			return f.waiters
		}
		return 0
	}
	for waiters() != n {
		time.Sleep(time.Millisecond)
	}
	// One caller leaving does not cancel the call the others wait for.
	cancelFirst()
	for waiters() != n-1 {
		time.Sleep(time.Millisecond)
	}
	close(release)
	wg.Wait()
	if errs[0] == nil {
		t.Fatal("the cancelled caller got a result")
	}
	for i := 1; i < n; i++ {
		if errs[i] != nil || results[i] != results[1] || results[i].AccessToken == "" {
			t.Fatalf("caller %d: %+v %v (caller 1: %+v)", i, results[i], errs[i], results[1])
		}
	}
	if c := up.Calls(brokertest.FigmaRefreshPath); c != 1 {
		t.Fatalf("%d upstream refreshes", c)
	}
	if up.Cancelled() != 0 {
		t.Fatal("the upstream call was cancelled")
	}
	// Once finished, nothing is remembered: the next refresh is a new call.
	if _, err := b.Refresh(context.Background(), RefreshRequest{Provider: "figma", RefreshToken: rt, Principal: awscreds.Principal{AccountID: "123456789012"}}); err != nil {
		t.Fatal(err)
	}
	if c := up.Calls(brokertest.FigmaRefreshPath); c != 2 {
		t.Fatalf("%d upstream refreshes", c)
	}
}

func FuzzParseTokens(f *testing.F) {
	for _, s := range []string{
		`{"access_token":"a","token_type":"bearer","expires_in":60,"refresh_token":"r"}`,
		`{"access_token":"a","expires_in":"60"}`,
		`{"user_id_string":"1","access_token":"a","token_type":"bearer","expires_in":7776000,"refresh_token":"r"}`,
		`{"error":true,"status":400,"message":"x"}`,
		`{"access_token":"a","expires_in":1e3}`, `[]`, `{`, `null`, `{"expires_in":"-1"}`,
	} {
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, body []byte, wantRefresh bool) {
		tok, err := parseTokens(body, wantRefresh, DefaultMaxExpiresIn)
		if err != nil {
			if tok != (Tokens{}) {
				t.Fatal("partial tokens with an error")
			}
			return
		}
		if tok.AccessToken == "" || tok.ExpiresIn <= 0 || tok.ExpiresIn > int64(DefaultMaxExpiresIn/time.Second) || wantRefresh && tok.RefreshToken == "" {
			t.Fatalf("accepted %+v", tok)
		}
	})
}
