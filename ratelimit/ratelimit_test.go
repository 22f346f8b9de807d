package ratelimit_test

import (
	"math"
	"net/http"
	"net/netip"
	"testing"
	"time"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/authserver"
	"github.com/signet-auth/signet/httpserver"
	"github.com/signet-auth/signet/ratelimit"
	"github.com/signet-auth/signet/ratelimit/ratelimittest"
)

// The engine's failure budget is the Limiter.
var _ authserver.ClientAuthLimiter = (*ratelimit.Limiter)(nil)

func TestParseLimit(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want ratelimit.Limit
		str  string
		bad  bool
	}{
		{in: "10/s", want: ratelimit.Limit{N: 10, Per: time.Second}, str: "10/s"},
		{in: "5/15m", want: ratelimit.Limit{N: 5, Per: 15 * time.Minute}, str: "5/15m"},
		{in: "100/h", want: ratelimit.Limit{N: 100, Per: time.Hour}, str: "100/h"},
		{in: " 7/m ", want: ratelimit.Limit{N: 7, Per: time.Minute}, str: "7/m"},
		{in: "3/1h30m", want: ratelimit.Limit{N: 3, Per: 90 * time.Minute}, str: "3/1h30m"},
		{in: "2/10s", want: ratelimit.Limit{N: 2, Per: 10 * time.Second}, str: "2/10s"},
		{in: "off", str: "off"},
		{in: "0", str: "off"},
		{in: "", bad: true},
		{in: "10", bad: true},
		{in: "-1/s", bad: true},
		{in: "0/s", bad: true},
		{in: "x/s", bad: true},
		{in: "5/fortnight", bad: true},
		{in: "5/25h", bad: true},
		{in: "5/0s", bad: true},
		{in: "99999999999/s", bad: true},
	} {
		got, err := ratelimit.ParseLimit(tc.in)
		if tc.bad {
			if err == nil {
				t.Errorf("ParseLimit(%q) = %v, want an error", tc.in, got)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseLimit(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
		if got.String() != tc.str {
			t.Errorf("%q: String() = %q, want %q", tc.in, got.String(), tc.str)
		}
		again, err := ratelimit.ParseLimit(got.String())
		if err != nil || again != got {
			t.Errorf("%q: String does not parse back: %v, %v", tc.in, again, err)
		}
	}
}

func FuzzParseLimit(f *testing.F) {
	for _, s := range []string{"10/s", "5/15m", "off", "0", "3/1h30m", "/", "1/", "/s", "1/-1s"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l, err := ratelimit.ParseLimit(s)
		if err != nil {
			return
		}
		if !l.Off() && (l.N < 1 || l.Per < time.Millisecond || l.Per > 24*time.Hour) {
			t.Fatalf("ParseLimit(%q) = %+v: outside the bounds", s, l)
		}
		again, err := ratelimit.ParseLimit(l.String())
		if err != nil || again != l {
			t.Fatalf("ParseLimit(%q) = %+v renders as %q, which parses as %+v, %v", s, l, l.String(), again, err)
		}
	})
}

// DV-07: the default deployment-wide user-code budget keeps a live code's
// odds of being guessed during its life at or below 2^-32 (RFC 8628 §5.1),
// counting the worst span (two fixed windows), and is the largest that
// does.
func TestDV07_UserCodeBudgetOdds(t *testing.T) {
	space := math.Pow(20, 8)
	if space != ratelimit.UserCodeSpace {
		t.Fatalf("UserCodeSpace = %d, want 20^8", int64(ratelimit.UserCodeSpace))
	}
	for _, life := range []time.Duration{time.Minute, 10 * time.Minute, 15 * time.Minute} {
		l, err := ratelimit.UserCodeGuesses(space, life)
		if err != nil {
			t.Fatal(err)
		}
		if l.Per != life {
			t.Errorf("window %v, want the code lifetime %v", l.Per, life)
		}
		worst := 2 * float64(l.N) / space
		if worst > math.Pow(2, -32) {
			t.Errorf("N = %d: worst-span odds %g exceed 2^-32", l.N, worst)
		}
		if next := 2 * float64(l.N+1) / space; next <= math.Pow(2, -32) {
			t.Errorf("N = %d is not the largest budget within 2^-32", l.N)
		}
	}
	def := ratelimit.DefaultPolicy().UserCodeGlobal
	if def.N != 2 || def.Per != ratelimit.DefaultDeviceLifetime {
		t.Errorf("default global user-code budget = %v, want 2/10m", def)
	}
	if _, err := ratelimit.UserCodeGuesses(0, time.Minute); err == nil {
		t.Error("an empty code space was accepted")
	}
}

// RL-01 (the limiter side of Sign-In's /v1/token budget): per client and
// address, a burst of Policy.Client then too_many_requests with a
// Retry-After; another client or another address is unaffected; the bucket
// refills.
func TestRL01_SignInBudgetPerClientAndAddress(t *testing.T) {
	c := newClock()
	l := newLimiter(t, ratelimit.NewMemoryStore(0), only(func(p *ratelimit.Policy) {
		p.Client = ratelimit.Limit{N: 3, Per: 3 * time.Second}
	}), c)
	a := from("192.0.2.1:1000")
	for i := range 3 {
		if e := l.Request(a, ratelimit.ClassSignIn, "arn:aws:signin:::devtools/same-device"); e != nil {
			t.Fatalf("request %d refused: %v", i, e)
		}
	}
	e := l.Request(a, ratelimit.ClassSignIn, "arn:aws:signin:::devtools/same-device")
	if code(e) != signet.CodeTooManyRequests || e.RetryAfter < time.Second {
		t.Fatalf("over budget: %v, want too_many_requests with a Retry-After of at least 1 s", e)
	}
	if e := l.Request(a, ratelimit.ClassSignIn, "arn:aws:signin:::devtools/cross-device"); e != nil {
		t.Errorf("another client from the same address: %v", e)
	}
	if e := l.Request(from("192.0.2.2:1000"), ratelimit.ClassSignIn, "arn:aws:signin:::devtools/same-device"); e != nil {
		t.Errorf("the same client from another address: %v", e)
	}
	c.Add(time.Second)
	if e := l.Request(a, ratelimit.ClassSignIn, "arn:aws:signin:::devtools/same-device"); e != nil {
		t.Errorf("after a refill: %v", e)
	}
	// The adapter api/signin calls before it reads the body: per address.
	si := l.SignIn()
	for i := range 3 {
		if ok, _ := si.Allow("203.0.113.7", c.Now()); !ok {
			t.Fatalf("Sign-In call %d refused", i)
		}
	}
	if ok, wait := si.Allow("203.0.113.7", c.Now()); ok || wait < 500*time.Millisecond {
		t.Errorf("over budget: ok=%v wait=%v, want a refusal with a wait", ok, wait)
	}
	if ok, _ := si.Allow("203.0.113.8", c.Now()); !ok {
		t.Error("another address refused")
	}
}

// RL-03: registrations per address, per node and then across nodes (the
// shared budget bounds storage whatever the number of nodes).
func TestRL03_RegistrationsPerAddress(t *testing.T) {
	c := newClock()
	t.Run("per node", func(t *testing.T) {
		l := newLimiter(t, ratelimit.NewMemoryStore(0), only(func(p *ratelimit.Policy) {
			p.Register = ratelimit.Limit{N: 10, Per: time.Minute}
		}), c)
		for i := range 10 {
			if e := l.Request(from("198.51.100.7:1"), ratelimit.ClassRegister, ""); e != nil {
				t.Fatalf("registration %d refused: %v", i, e)
			}
		}
		e := l.Request(from("198.51.100.7:2"), ratelimit.ClassRegister, "")
		if code(e) != signet.CodeTooManyRequests || e.RetryAfter < time.Second {
			t.Fatalf("11th registration: %v, want too_many_requests", e)
		}
		if e := l.Request(from("198.51.100.8:1"), ratelimit.ClassRegister, ""); e != nil {
			t.Errorf("another address: %v", e)
		}
	})
	t.Run("across nodes", func(t *testing.T) {
		a, b, _ := twoNodes(t)
		p := only(func(p *ratelimit.Policy) { p.RegisterShared = ratelimit.Limit{N: 5, Per: time.Hour} })
		nodes := []*ratelimit.Limiter{newLimiter(t, a, p, c), newLimiter(t, b, p, c)}
		admitted := 0
		for i := range 20 {
			if nodes[i%2].Request(from("203.0.113.9:1"), ratelimit.ClassRegister, "") == nil {
				admitted++
			}
		}
		if admitted != 5 {
			t.Errorf("two nodes admitted %d registrations, want 5 in all", admitted)
		}
	})
}

// RL-05: one client is one key however it spells its address: IPv6 hosts
// inside one /64 share a bucket, IPv4-mapped IPv6 is IPv4, and
// X-Forwarded-For counts only from a trusted proxy, so rotating it buys
// nothing.
func TestRL05_CanonicalAddressesShareABucket(t *testing.T) {
	proxies := httpserver.Proxies{Trusted: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}
	mk := func() *ratelimit.Limiter {
		l, err := ratelimit.New(ratelimit.Config{
			Store:    ratelimit.NewMemoryStore(0),
			Policy:   only(func(p *ratelimit.Policy) { p.IP = ratelimit.Limit{N: 2, Per: time.Hour} }),
			Clock:    newClock(),
			ClientIP: func(r *http.Request) netip.Addr { return proxies.Resolve(r).ClientIP },
		})
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	xff := func(peer, hdr string) *http.Request {
		r := from(peer)
		r.Header.Set("X-Forwarded-For", hdr)
		return r
	}
	for _, tc := range []struct {
		name  string
		reqs  []*http.Request // the first two spend the bucket
		third *http.Request
		want  bool // the third is refused
	}{
		{"IPv6 in one /64", []*http.Request{from("[2001:db8:1:2::1]:1"), from("[2001:db8:1:2:ffff::9]:1")},
			from("[2001:DB8:1:2:aaaa:bbbb:cccc:dddd]:1"), true},
		{"IPv6 in another /64", []*http.Request{from("[2001:db8:1:2::1]:1"), from("[2001:db8:1:2::2]:1")},
			from("[2001:db8:1:3::1]:1"), false},
		{"IPv4-mapped is IPv4", []*http.Request{from("192.0.2.1:1"), from("[::ffff:192.0.2.1]:1")},
			from("[::FFFF:c000:0201]:2"), true},
		{"rotating X-Forwarded-For from an untrusted peer", []*http.Request{xff("192.0.2.5:1", "198.51.100.1"), xff("192.0.2.5:2", "198.51.100.2")},
			xff("192.0.2.5:3", "198.51.100.3"), true},
		{"X-Forwarded-For from a trusted proxy", []*http.Request{xff("10.1.1.1:1", "198.51.100.1"), xff("10.1.1.1:2", "198.51.100.1")},
			xff("10.1.1.1:3", "198.51.100.2"), false},
		{"a trusted proxy's own clients share by their address", []*http.Request{xff("10.1.1.1:1", "198.51.100.1"), xff("10.2.2.2:2", "198.51.100.1")},
			xff("10.3.3.3:3", "203.0.113.1, 198.51.100.1"), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := mk()
			for i, r := range tc.reqs {
				if e := l.Request(r, ratelimit.ClassToken, "c"); e != nil {
					t.Fatalf("request %d refused: %v", i, e)
				}
			}
			e := l.Request(tc.third, ratelimit.ClassToken, "c")
			if got := code(e) == signet.CodeTooManyRequests; got != tc.want {
				t.Errorf("third request refused = %v, want %v (%v)", got, tc.want, e)
			}
		})
	}
}

// RL-06: the cadence a legitimate client keeps is never throttled by the
// default policy: a device flow polled at the smallest interval signet
// allows (1 s) for the longest device lifetime (30 min) by several
// clients behind one address, then refreshes near expiry.
func TestRL06_LegitimateCadenceNeverThrottled(t *testing.T) {
	c := newClock()
	l := newLimiter(t, ratelimit.NewMemoryStore(0), ratelimit.DefaultPolicy(), c)
	office := from("192.0.2.10:4000")
	clients := []string{"cli-1", "cli-2", "cli-3", "cli-4", "cli-5"}
	for _, id := range clients {
		if e := l.Request(office, ratelimit.ClassRegister, ""); e != nil {
			t.Fatalf("RegisterClient of %s: %v", id, e)
		}
		if e := l.Request(office, ratelimit.ClassDevice, id); e != nil {
			t.Fatalf("StartDeviceAuthorization of %s: %v", id, e)
		}
	}
	for tick := range int(30 * time.Minute / time.Second) {
		for _, id := range clients {
			if e := l.Request(office, ratelimit.ClassToken, id); e != nil {
				t.Fatalf("poll %d of %s: %v", tick, id, e)
			}
		}
		c.Add(time.Second)
	}
	// Refresh near expiry, with a retry as SDKs do.
	c.Add(55 * time.Minute)
	for _, id := range clients {
		for range 2 {
			if e := l.Request(office, ratelimit.ClassToken, id); e != nil {
				t.Fatalf("refresh of %s: %v", id, e)
			}
		}
	}
}

// RL-06: when the store fails, the brute-forceable limits fail closed
// (client authentication refused as unavailable, the pages' counters
// report the error, which the pages answer with an error page) and the
// others fail open (registration admitted).
func TestRL06_StoreFailure(t *testing.T) {
	l := newLimiter(t, ratelimittest.DownStore{}, ratelimit.DefaultPolicy(), newClock())
	r := from("192.0.2.1:1")
	if e := clientAuth(l, r, "c"); code(e) != signet.CodeUnavailable || e.RetryAfter <= 0 {
		t.Errorf("client authentication with the store down: %v, want temporarily_unavailable with Retry-After", e)
	}
	if _, _, err := l.Pages().Failures(r.Context(), "device:global", t0); err == nil {
		t.Error("the pages' counter hid a store failure")
	}
	if err := l.Pages().Fail(r.Context(), "device:global", time.Minute, t0); err == nil {
		t.Error("the pages' counter hid a store failure")
	}
	if e := l.Request(r, ratelimit.ClassRegister, ""); e != nil {
		t.Errorf("registration with the store down: %v, want admitted", e)
	}
	if e := l.Request(r, ratelimit.ClassToken, "c"); e != nil {
		t.Errorf("token request with the store down: %v, want admitted (per-node buckets need no store)", e)
	}
}

// CL-04: failed client authentications are counted per client and
// address: the guessing address is locked out of that client, the real
// client calling from elsewhere is not, other clients are not, and the
// lock ends with the window. Only invalid_client counts.
func TestCL04_ClientSecretGuessingPerClientAndAddress(t *testing.T) {
	c := newClock()
	a, b, _ := twoNodes(t)
	p := only(func(p *ratelimit.Policy) { p.ClientAuth = ratelimit.Limit{N: 3, Per: 15 * time.Minute} })
	// Two nodes: the guesses land on both, the budget is one (CC-08).
	nodes := []*ratelimit.Limiter{newLimiter(t, a, p, c), newLimiter(t, b, p, c)}
	attacker, real := from("203.0.113.66:1"), from("198.51.100.20:1")
	wrong := &signet.Error{Code: signet.CodeInvalidClient}
	for i := range 3 {
		n := nodes[i%2]
		if e := clientAuth(n, attacker, "victim"); e != nil {
			t.Fatalf("guess %d refused early: %v", i, e)
		}
		clientAuthResult(n, attacker, "victim", wrong)
	}
	// Answers that are not invalid_client are not guesses.
	clientAuthResult(nodes[0], attacker, "other", &signet.Error{Code: signet.CodeInvalidGrant})
	clientAuthResult(nodes[0], attacker, "other", nil)
	for i, n := range nodes {
		e := clientAuth(n, attacker, "victim")
		if code(e) != signet.CodeTooManyRequests || e.RetryAfter < time.Minute {
			t.Errorf("node %d: the guessing address: %v, want too_many_requests until the window ends", i, e)
		}
		if e := clientAuth(n, real, "victim"); e != nil {
			t.Errorf("node %d: the real client from its own address: %v", i, e)
		}
		if e := clientAuth(n, attacker, "other"); e != nil {
			t.Errorf("node %d: another client from the guessing address: %v", i, e)
		}
	}
	c.Add(15 * time.Minute)
	if e := clientAuth(nodes[1], attacker, "victim"); e != nil {
		t.Errorf("after the window: %v", e)
	}
}

// CC-08: N nodes do not multiply a shared budget. 40 login failures for
// one account from one address, spread over two nodes at once: the
// budget is spent after exactly LoginAccount.N of them, on both nodes.
func TestCC08_NodesShareOneBudget(t *testing.T) {
	c := newClock()
	a, b, _ := twoNodes(t)
	p := ratelimit.DefaultPolicy()
	nodes := []ratelimit.Pages{newLimiter(t, a, p, c).Pages(), newLimiter(t, b, p, c).Pages()}
	key := "login:account:203.0.113.1|alice"
	done := make(chan error, 40)
	for i := range 40 {
		go func() { done <- nodes[i%2].Fail(t.Context(), key, p.LoginAccount.Per, c.Now()) }()
	}
	for range 40 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	for i, n := range nodes {
		got, reset, err := n.Failures(t.Context(), key, c.Now())
		if err != nil {
			t.Fatal(err)
		}
		if got != 40 || !reset.Equal(t0.Add(p.LoginAccount.Per)) {
			t.Errorf("node %d sees %d failures until %v, want 40 until %v", i, got, reset, t0.Add(p.LoginAccount.Per))
		}
	}
}

// DV-07: user-code misses are counted in the store: a miss on one node
// counts on the other, the deployment-wide budget is spent by misses
// anywhere, and the counts survive a restart (a new handle on the same
// database).
func TestDV07_UserCodeMissesSharedAcrossNodesAndRestarts(t *testing.T) {
	c := newClock()
	a, b, path := twoNodes(t)
	p := ratelimit.DefaultPolicy()
	nodeA, nodeB := newLimiter(t, a, p, c).Pages(), newLimiter(t, b, p, c).Pages()
	// The keys web's device page counts a miss under.
	global, ip := "device:global", "device:ip:203.0.113.1"
	for i, n := range []ratelimit.Pages{nodeA, nodeB} {
		for _, k := range []string{global, ip} {
			if err := n.Fail(t.Context(), k, p.UserCodeGlobal.Per, c.Now()); err != nil {
				t.Fatalf("miss %d: %v", i, err)
			}
		}
	}
	restarted := newLimiter(t, openDB(t, path), p, c).Pages()
	for name, n := range map[string]ratelimit.Pages{"A": nodeA, "B": nodeB, "restarted": restarted} {
		got, _, err := n.Failures(t.Context(), global, c.Now())
		if err != nil {
			t.Fatal(err)
		}
		if got < p.UserCodeGlobal.N {
			t.Errorf("node %s sees %d deployment-wide misses: the budget of %d is not spent", name, got, p.UserCodeGlobal.N)
		}
		if got, _, _ := n.Failures(t.Context(), ip, c.Now()); got != 2 {
			t.Errorf("node %s sees %d misses from the address, want 2", name, got)
		}
	}
	if err := nodeB.Reset(t.Context(), ip); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := nodeA.Failures(t.Context(), ip, c.Now()); got != 0 {
		t.Errorf("a reset on one node left %d failures on the other", got)
	}
	c.Add(p.UserCodeGlobal.Per)
	if got, _, _ := restarted.Failures(t.Context(), global, c.Now()); got != 0 {
		t.Errorf("%d misses counted after the window ended", got)
	}
}

// The node ceiling caps every limited request, whoever sends it.
func TestNodeCeiling(t *testing.T) {
	l := newLimiter(t, ratelimit.NewMemoryStore(0), only(func(p *ratelimit.Policy) {
		p.Node = ratelimit.Limit{N: 5, Per: time.Second}
	}), newClock())
	for i := range 5 {
		if e := l.Request(from(netip.AddrFrom4([4]byte{192, 0, 2, byte(i)}).String()+":1"), ratelimit.ClassToken, "c"); e != nil {
			t.Fatalf("request %d: %v", i, e)
		}
	}
	if e := l.Request(from("198.51.100.1:1"), ratelimit.ClassIntrospect, "rs"); code(e) != signet.CodeTooManyRequests {
		t.Errorf("over the ceiling: %v", e)
	}
}

// A nil Limiter admits everything: surfaces run without one.
func TestNilLimiter(t *testing.T) {
	var l *ratelimit.Limiter
	r := from("192.0.2.1:1")
	if l.Request(r, ratelimit.ClassToken, "c") != nil || clientAuth(l, r, "c") != nil {
		t.Error("a nil Limiter refused")
	}
	clientAuthResult(l, r, "c", &signet.Error{Code: signet.CodeInvalidClient})
}

func TestMemoryStore(t *testing.T) {
	m := ratelimit.NewMemoryStore(2)
	ctx := t.Context()
	k1, k2, k3 := signet.Digest{1}, signet.Digest{2}, signet.Digest{3}
	for i, want := range []int64{1, 2} {
		n, reset, err := m.Hit(ctx, k1, time.Minute, t0.Add(time.Duration(i)*time.Second))
		if err != nil || n != want || !reset.Equal(t0.Add(time.Minute)) {
			t.Fatalf("hit %d: %d, %v, %v", i, n, reset, err)
		}
	}
	if _, _, err := m.Hit(ctx, k2, time.Second, t0); err != nil {
		t.Fatal(err)
	}
	if _, _, err := m.Hit(ctx, k3, time.Minute, t0); err == nil {
		t.Error("a full store of open windows took a new key")
	}
	// Once k2's window ended there is room again.
	if n, _, err := m.Hit(ctx, k3, time.Minute, t0.Add(2*time.Second)); err != nil || n != 1 {
		t.Errorf("after a window ended: %d, %v", n, err)
	}
	if n, _, _ := m.Count(ctx, k1, t0.Add(time.Minute)); n != 0 {
		t.Errorf("Count after the window: %d", n)
	}
	if err := m.Reset(ctx, k3); err != nil {
		t.Fatal(err)
	}
	if n, _, _ := m.Count(ctx, k3, t0.Add(3*time.Second)); n != 0 {
		t.Errorf("Count after Reset: %d", n)
	}
}
