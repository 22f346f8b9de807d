package cluster

import (
	"crypto/rand"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"

	"github.com/signet-auth/signet/secret"
)

// The user-code failure budgets the nodes of TestDV07CC08 run with. Each
// is small, so that a budget multiplied by the three nodes is plainly
// told from the budget itself, and each window is its own length, so that
// a 429's Retry-After says which budget was spent.
const (
	ucSessionMisses = 4 // per browser session
	ucSessionWindow = 10 * time.Minute
	ucIPMisses      = 5 // per client address
	ucIPWindow      = 20 * time.Minute
	ucGlobalMisses  = 12 // for the whole deployment
	ucGlobalWindow  = 40 * time.Minute
)

// DV-07, CC-08: user-code guessing on the device verification page (RFC
// 8628 §3.3), spread round-robin over three nodes, is refused once each
// budget is spent in total, counted in the shared store, not once per
// node: per browser session, per client address and for the whole
// deployment (RFC 8628 §5.1). Once a budget is spent every node answers
// 429 with Retry-After and the HTML error page, the live code typed
// correctly included; misses are not counted past the limit, and keys
// whose budgets are untouched still get through until the deployment-wide
// budget is spent too.
//
// The test stands for the load balancer in front of the nodes: they trust
// 127.0.0.1 as a proxy and the test says the client address in
// X-Forwarded-For. The browser session is a cookie sealed under the master
// key the nodes share, not a database row: one browser sends one cookie to
// every node (cookies are not scoped by port, RFC 6265 §8.5), and every
// node opens it, as behind one origin.
//
// The phases share the counters, so they run in order and stop at the
// first that fails.
func TestDV07CC08_UserCodeGuessingAcrossNodes(t *testing.T) {
	limit := func(n int, per time.Duration) string { return fmt.Sprintf("%d/%s", n, per) }
	c := startCluster(t, "--trusted-proxy", "127.0.0.1/32",
		"--rate-limit-user-code-session", limit(ucSessionMisses, ucSessionWindow),
		"--rate-limit-user-code-ip", limit(ucIPMisses, ucIPWindow),
		"--rate-limit-user-code-global", limit(ucGlobalMisses, ucGlobalWindow))
	g := &guessing{c: c, code: liveUserCode(t, c)}

	// The window of the deployment-wide budget opens at the first miss.
	globalFrom := time.Now()
	phases := []struct {
		name string
		run  func(*testing.T)
	}{
		{"OneSessionManyAddresses", g.oneSession},
		{"OneAddressManySessions", g.oneAddress},
		{"DeploymentWide", func(t *testing.T) { g.deploymentWide(t, globalFrom) }},
	}
	for _, p := range phases {
		if !t.Run(p.name, p.run) {
			return
		}
	}
}

// guessing is the state the phases share: the live code, whose turn it
// is, and the addresses handed out.
type guessing struct {
	c     *cluster
	code  string // the live user code, as the device shows it
	turn  int
	addrs int
}

// next is the node whose turn it is: requests go round-robin.
func (g *guessing) next() *node {
	n := g.c.nodes[g.turn%len(g.c.nodes)]
	g.turn++
	return n
}

// freshIP is a client address no request has come from yet (RFC 2544's
// benchmarking range).
func (g *guessing) freshIP() string {
	g.addrs++
	return fmt.Sprintf("198.18.%d.%d", g.addrs/250, g.addrs%250+1)
}

// miss types a wrong code and wants it counted: 400, "not recognised".
func (g *guessing) miss(t *testing.T, b *browser, n *node, ip, csrf string) {
	t.Helper()
	if a := submitCode(t, b, n, ip, csrf, wrongCode(t, g.code)); a.status != http.StatusBadRequest || !strings.Contains(a.body, "not recognised") {
		t.Fatalf("wrong code on %s from %s: %d, want 400 (not recognised) (%s)", n.name, ip, a.status, gist(a.body))
	}
}

// accepted wants the live code accepted: 303 to the confirmation page.
func (g *guessing) accepted(t *testing.T, b *browser, n *node, ip, csrf string) {
	t.Helper()
	if a := submitCode(t, b, n, ip, csrf, g.code); a.status != http.StatusSeeOther || !strings.HasPrefix(a.location, "/device/confirm?t=") {
		t.Errorf("live code on %s from %s: %d to %q, want 303 to /device/confirm (%s)", n.name, ip, a.status, a.location, gist(a.body))
	}
}

// limited wants a wrong code and then the live code refused on every node
// by the budget whose window is window and opened no earlier than from.
// who gives each attempt its browser, client address and form token.
func (g *guessing) limited(t *testing.T, window time.Duration, from time.Time, who func(*node) (*browser, string, string)) {
	t.Helper()
	for _, n := range g.c.nodes {
		for _, code := range []string{wrongCode(t, g.code), g.code} {
			b, ip, csrf := who(n)
			wantTooMany(t, submitCode(t, b, n, ip, csrf, code), window, from, fmt.Sprintf("code %s on %s from %s", code, n.name, ip))
		}
	}
}

// oneSession: a signed-in browser, one session across all nodes, guessing
// from a new address each time. Its budget is spent after
// ucSessionMisses misses in all.
func (g *guessing) oneSession(t *testing.T) {
	c := g.c
	b := newBrowser(t)
	if next := b.signIn(c.nodes[0].base, devUser, c.password, "/device"); next != "/device" {
		t.Fatalf("sign-in sent the browser to %q, want /device", next)
	}
	// The same session, and so the same form token, on every node.
	csrf := ""
	for _, n := range c.nodes {
		a := visit(t, b, http.MethodGet, n.base+"/device", g.freshIP(), nil)
		tok := page{body: a.body}.form().Get("csrf")
		if a.status != http.StatusOK || !strings.Contains(a.body, "Signed in as <strong>"+devUser+"</strong>") || tok == "" {
			t.Fatalf("device form on %s: %d, want the form for the signed-in %s (%s)", n.name, a.status, devUser, gist(a.body))
		}
		if csrf != "" && tok != csrf {
			t.Fatalf("device form on %s: another session than on %s", n.name, c.nodes[0].name)
		}
		csrf = tok
	}

	from := time.Now()
	for range ucSessionMisses {
		g.miss(t, b, g.next(), g.freshIP(), csrf)
	}
	g.limited(t, ucSessionWindow, from, func(*node) (*browser, string, string) { return b, g.freshIP(), csrf })

	// Another browser is not held back by this session's budget.
	other := newBrowser(t)
	n, ip := g.next(), g.freshIP()
	g.accepted(t, other, n, ip, formToken(t, other, n, ip))
}

// oneAddress: a new browser for every guess, all from one address. The
// address's budget is spent after ucIPMisses misses in all.
func (g *guessing) oneAddress(t *testing.T) {
	ip := g.freshIP()
	fresh := func(n *node) (*browser, string, string) {
		b := newBrowser(t)
		return b, ip, formToken(t, b, n, ip)
	}
	from := time.Now()
	for range ucIPMisses {
		n := g.next()
		b, _, csrf := fresh(n)
		g.miss(t, b, n, ip, csrf)
	}
	g.limited(t, ucIPWindow, from, fresh)

	// Another address is not held back by this one's budget.
	other := newBrowser(t)
	n, otherIP := g.next(), g.freshIP()
	g.accepted(t, other, n, otherIP, formToken(t, other, n, otherIP))
}

// deploymentWide: a new browser and address for every guess, as a botnet
// would; the misses of the phases before count too. The deployment's
// budget is spent after ucGlobalMisses misses in all, and then nobody's
// code gets through, not even a signed-in user's.
func (g *guessing) deploymentWide(t *testing.T, from time.Time) {
	fresh := func(n *node) (*browser, string, string) {
		b, ip := newBrowser(t), g.freshIP()
		return b, ip, formToken(t, b, n, ip)
	}
	for range ucGlobalMisses - ucSessionMisses - ucIPMisses {
		n := g.next()
		b, ip, csrf := fresh(n)
		g.miss(t, b, n, ip, csrf)
	}
	g.limited(t, ucGlobalWindow, from, fresh)

	user := newBrowser(t)
	user.signIn(g.c.nodes[1].base, devUser, g.c.password, "/device")
	for _, n := range g.c.nodes {
		ip := g.freshIP()
		a := submitCode(t, user, n, ip, formToken(t, user, n, ip), g.code)
		wantTooMany(t, a, ucGlobalWindow, from, fmt.Sprintf("the signed-in user's live code on %s", n.name))
	}
}

// liveUserCode starts a device authorization (`aws sso login
// --use-device-code`) and returns the user code the device shows.
func liveUserCode(t *testing.T, c *cluster) string {
	t.Helper()
	id, clientSecret := c.registerSSO(t)
	out, err := ssoClient(c.nodes[0].base).StartDeviceAuthorization(t.Context(), &ssooidc.StartDeviceAuthorizationInput{
		ClientId: aws.String(id), ClientSecret: aws.String(clientSecret), StartUrl: aws.String(startURL),
	})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.UserCode)
}

// wrongCode draws a well-formed user code other than live.
func wrongCode(t *testing.T, live string) string {
	t.Helper()
	alphabet := secret.UserCodeAlphabet
	for {
		b := make([]byte, 0, 9)
		for i := range 8 {
			if i == 4 {
				b = append(b, '-')
			}
			k, err := rand.Int(rand.Reader, big.NewInt(int64(len(alphabet))))
			if err != nil {
				t.Fatal(err)
			}
			b = append(b, alphabet[k.Int64()])
		}
		if s := string(b); s != live {
			return s
		}
	}
}

var (
	headingRe = regexp.MustCompile(`<h1>([^<]*)</h1>`)
	alertRe   = regexp.MustCompile(`role="alert"[^>]*>([^<]*)<`)
)

// gist is what a page says: its heading and any error shown on the form.
func gist(body string) string {
	var parts []string
	for _, re := range []*regexp.Regexp{headingRe, alertRe} {
		if m := re.FindStringSubmatch(body); m != nil {
			parts = append(parts, unescape.Replace(m[1]))
		}
	}
	if parts == nil {
		return tail(body, 300)
	}
	return "page: " + strings.Join(parts, ": ")
}

// answer is one response of a node, with the headers the limit sets.
type answer struct {
	status                                  int
	location, retryAfter, contentType, body string
}

// visit sends one request from b, coming from client address ip.
func visit(t *testing.T, b *browser, method, u, ip string, form url.Values) answer {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("X-Forwarded-For", ip)
	resp, err := b.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	h := resp.Header
	return answer{resp.StatusCode, h.Get("Location"), h.Get("Retry-After"), h.Get("Content-Type"), string(raw)}
}

// formToken opens the device form on n from ip (starting b's session if
// it has none) and returns its CSRF token.
func formToken(t *testing.T, b *browser, n *node, ip string) string {
	t.Helper()
	a := visit(t, b, http.MethodGet, n.base+"/device", ip, nil)
	tok := page{body: a.body}.form().Get("csrf")
	if a.status != http.StatusOK || tok == "" {
		t.Fatalf("device form on %s: %d, no CSRF token (%s)", n.name, a.status, gist(a.body))
	}
	return tok
}

// submitCode posts code to the device form on n from ip.
func submitCode(t *testing.T, b *browser, n *node, ip, csrf, code string) answer {
	t.Helper()
	return visit(t, b, http.MethodPost, n.base+"/device", ip, url.Values{"csrf": {csrf}, "user_code": {code}})
}

// wantTooMany wants the 429 page of a spent budget whose window is window
// and opened no earlier than from: Retry-After in whole seconds until the
// window ends (RFC 9110 §10.2.3, RFC 6585 §4), and an HTML page for the
// person at the browser.
func wantTooMany(t *testing.T, a answer, window time.Duration, from time.Time, what string) {
	t.Helper()
	if a.status != http.StatusTooManyRequests {
		t.Errorf("%s: %d, want 429 once the budget is spent (%s)", what, a.status, gist(a.body))
		return
	}
	// The window ends at least window after from, and at most window
	// from now; a second of slack for the rounding up and the store's
	// milliseconds.
	lo, hi := int((window-time.Since(from)).Seconds())-1, int(window/time.Second)
	if ra, err := strconv.Atoi(a.retryAfter); err != nil || ra < lo || ra > hi {
		t.Errorf("%s: Retry-After %q, want whole seconds in [%d, %d]", what, a.retryAfter, lo, hi)
	}
	if !strings.HasPrefix(a.contentType, "text/html") || !strings.Contains(a.body, "<!doctype html>") ||
		!strings.Contains(a.body, "Too many attempts") {
		t.Errorf("%s: 429 with Content-Type %q, want the HTML page \"Too many attempts\" (%s)", what, a.contentType, gist(a.body))
	}
}
