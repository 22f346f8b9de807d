package cluster

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/signin"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/signet-auth/signet/internal/pgtest"
	"github.com/signet-auth/signet/internal/testsupport"
)

// signetBin is the binary TestMain builds; it is set once, before any test
// runs, and only read afterwards.
var signetBin string

func TestMain(m *testing.M) { os.Exit(runMain(m)) }

func runMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "signet-cluster-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	signetBin = dir + "/signet"
	args := []string{"build", "-o", signetBin}
	if raceBuild {
		args = append(args, "-race")
	}
	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	defer cancel()
	goTool, err := exec.LookPath("go")
	if err != nil {
		fmt.Fprintln(os.Stderr, "building signet needs the go command on PATH:", err)
		return 1
	}
	cmd := exec.CommandContext(ctx, goTool, append(args, "github.com/signet-auth/signet/cmd/signet")...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building signet:", err)
		return 1
	}
	return m.Run()
}

// Bounds on everything that waits. None is an assertion about speed: each
// only keeps a broken run from hanging.
const (
	buildTimeout = 5 * time.Minute
	startTimeout = 60 * time.Second // a -race binary on a busy machine
	stopTimeout  = 15 * time.Second
	adminTimeout = 60 * time.Second
	httpTimeout  = 30 * time.Second
)

const region = "us-east-1"

// masterKey draws the master key every node of one cluster shares.
func masterKey(t testing.TB) string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(b)
}

// baseEnv is the test's environment without SIGNET_* variables, so that
// nothing set on the machine changes a node's configuration.
func baseEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "SIGNET_") {
			env = append(env, kv)
		}
	}
	return append(env, extra...)
}

// sink is a process's standard stream. It keeps everything written and
// reports the first match of re.
type sink struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	re    *regexp.Regexp
	match chan string
	once  sync.Once
}

func newSink(re *regexp.Regexp) *sink { return &sink{re: re, match: make(chan string, 1)} }

func (s *sink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.buf.Write(p)
	if s.re != nil {
		if m := s.re.FindSubmatch(s.buf.Bytes()); m != nil {
			s.once.Do(func() { s.match <- string(m[1]) })
		}
	}
	return len(p), nil
}

func (s *sink) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

var (
	listeningRe   = regexp.MustCompile(`(?m)^listening on (\S+)\n`)
	devPasswordRe = regexp.MustCompile(`dev user: dev  password: (\S+)\n`)
)

// proc is one run of a node's process.
type proc struct {
	cmd            *exec.Cmd
	stdout, stderr *sink
	exited         chan struct{}
	err            error // set before exited is closed
}

// node is one `signet serve`. Restarts reuse the address of the first
// start, so clients and the issuer stay valid.
type node struct {
	name string
	args []string // serve's flags, without --addr
	env  []string
	addr string // host:port once started
	base string // http://addr

	mu    sync.Mutex
	procs []*proc
}

// newNode describes a node; start runs it. The process is stopped when
// the test ends, and its log is printed if the test failed or the race
// detector spoke.
func newNode(t testing.TB, name string, env []string, args ...string) *node {
	n := &node{name: name, args: args, env: env}
	t.Cleanup(func() {
		n.stop(syscall.SIGTERM)
		logs := n.logs()
		if strings.Contains(logs, "WARNING: DATA RACE") {
			t.Errorf("node %s: the race detector reported a data race", name)
		}
		if t.Failed() {
			t.Logf("node %s log (tail):\n%s", name, tail(logs, 6000))
		}
	})
	return n
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

// start runs the process and waits until it listens. It returns an error
// instead of failing the test, so that it may run off the test goroutine.
func (n *node) start() error {
	addr := n.addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	p := &proc{stdout: newSink(devPasswordRe), stderr: newSink(listeningRe), exited: make(chan struct{})}
	p.cmd = exec.Command(signetBin, append([]string{"serve", "--addr", addr}, n.args...)...)
	p.cmd.Env = n.env
	p.cmd.Stdout, p.cmd.Stderr = p.stdout, p.stderr
	if err := p.cmd.Start(); err != nil {
		return err
	}
	go func() { p.err = p.cmd.Wait(); close(p.exited) }()
	n.mu.Lock()
	n.procs = append(n.procs, p)
	n.mu.Unlock()
	timer := time.NewTimer(startTimeout)
	defer timer.Stop()
	select {
	case base := <-p.stderr.match:
		u, err := url.Parse(base)
		if err != nil {
			return err
		}
		if n.addr != "" && u.Host != n.addr {
			return fmt.Errorf("node %s restarted on %s, not %s", n.name, u.Host, n.addr)
		}
		n.addr, n.base = u.Host, base
		return nil
	case <-p.exited:
		return fmt.Errorf("node %s exited before listening: %v\n%s", n.name, p.err, tail(p.stderr.String(), 4000))
	case <-timer.C:
		_ = p.cmd.Process.Kill()
		<-p.exited
		return fmt.Errorf("node %s did not listen within %s\n%s", n.name, startTimeout, tail(p.stderr.String(), 4000))
	}
}

func (n *node) current() *proc {
	n.mu.Lock()
	defer n.mu.Unlock()
	if len(n.procs) == 0 {
		return nil
	}
	return n.procs[len(n.procs)-1]
}

// stop sends sig to the running process and waits for it to exit (killing
// it if it outlives stopTimeout). It returns the process's exit error.
func (n *node) stop(sig os.Signal) error {
	p := n.current()
	if p == nil {
		return nil
	}
	select {
	case <-p.exited:
		return p.err
	default:
	}
	_ = p.cmd.Process.Signal(sig)
	timer := time.NewTimer(stopTimeout)
	defer timer.Stop()
	select {
	case <-p.exited:
	case <-timer.C:
		_ = p.cmd.Process.Kill()
		<-p.exited
	}
	return p.err
}

// restart stops the node gracefully and starts it again on its address.
func (n *node) restart() error {
	if err := n.stop(syscall.SIGTERM); err != nil {
		return fmt.Errorf("node %s: stop: %v", n.name, err)
	}
	return n.start()
}

// logs is everything the node's processes wrote to stderr.
func (n *node) logs() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	var b strings.Builder
	for i, p := range n.procs {
		fmt.Fprintf(&b, "--- run %d\n%s", i+1, p.stderr.String())
	}
	return b.String()
}

// devPassword waits (bounded) for the dev user's password on stdout: only
// the node that created the user prints it.
func (n *node) devPassword() (string, error) {
	p := n.current()
	select {
	case pw := <-p.stdout.match:
		return pw, nil
	case <-time.After(stopTimeout):
		return "", fmt.Errorf("node %s printed no dev password: %q", n.name, p.stdout.String())
	}
}

// admin runs `signet admin ARGS` with env and returns its stdout.
func admin(t testing.TB, env []string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), adminTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, signetBin, append([]string{"admin"}, args...)...)
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("signet admin %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String()
}

// postgresDB returns SIGNET_TEST_POSTGRES_URL pointed at a fresh schema
// (dropped when the test ends) and a pool on that schema for the test's
// own queries. Without the variable the test skips, except on CI.
func postgresDB(t *testing.T) (string, *pgxpool.Pool) {
	t.Helper()
	u := pgtest.SchemaURL(t, "signet_cluster_")
	pool, err := pgxpool.New(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return u, pool
}

// browser is a person's browser on the pages: a cookie jar, no redirects
// followed.
type browser struct {
	t testing.TB
	c *http.Client
}

func newBrowser(t testing.TB) *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, c: &http.Client{
		Jar: jar, Timeout: httpTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

type page struct {
	status         int
	location, body string
}

func (b *browser) do(method, u string, form url.Values) page {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return page{resp.StatusCode, resp.Header.Get("Location"), string(raw)}
}

var (
	hiddenRe     = regexp.MustCompile(`<input type="hidden" name="([a-z]+)" value="([^"]*)">`)
	assignmentRe = regexp.MustCompile(`name="assignment" value="([^"]*)" required checked`)
	unescape     = strings.NewReplacer("&amp;", "&", "&#43;", "+", "&#34;", `"`, "&#39;", "'", "&lt;", "<", "&gt;", ">")
)

// form is the hidden inputs of a page's form (csrf, flow, return).
func (p page) form() url.Values {
	v := url.Values{}
	for _, m := range hiddenRe.FindAllStringSubmatch(p.body, -1) {
		v.Set(m[1], unescape.Replace(m[2]))
	}
	return v
}

// signIn submits the login form on base.
func (b *browser) signIn(base, user, password, returnTo string) string {
	b.t.Helper()
	f := b.do(http.MethodGet, base+"/login?return="+url.QueryEscape(returnTo), nil).form()
	f.Set("username", user)
	f.Set("password", password)
	p := b.do(http.MethodPost, base+"/login", f)
	if p.status != http.StatusSeeOther {
		b.t.Fatalf("login on %s: status %d, want 303", base, p.status)
	}
	return p.location
}

// authorize walks an authorization request (path and query) on base
// through sign-in and consent, approving with the preselected AWS
// assignment, and returns the code sent to redirectURI.
func (b *browser) authorize(base, request, user, password, redirectURI string) string {
	b.t.Helper()
	p := b.do(http.MethodGet, base+request, nil)
	if p.status == http.StatusSeeOther && strings.HasPrefix(p.location, "/login") {
		next := b.signIn(base, user, password, request)
		p = b.do(http.MethodGet, base+next, nil)
	}
	loc := p.location
	if p.status == http.StatusOK {
		if !strings.Contains(p.body, `action="/consent"`) {
			b.t.Fatalf("authorize on %s: not the consent page:\n%s", base, p.body)
		}
		f := p.form()
		f.Set("decision", "approve")
		if m := assignmentRe.FindStringSubmatch(p.body); m != nil {
			f.Set("assignment", unescape.Replace(m[1]))
		}
		p = b.do(http.MethodPost, base+"/consent", f)
		if p.status != http.StatusSeeOther {
			b.t.Fatalf("consent on %s: status %d:\n%s", base, p.status, p.body)
		}
		loc = p.location
	}
	code, err := codeFrom(loc, redirectURI)
	if err != nil {
		b.t.Fatalf("authorize on %s: %v", base, err)
	}
	return code
}

// codeFrom takes the code out of a redirect to redirectURI.
func codeFrom(location, redirectURI string) (string, error) {
	u, err := url.Parse(location)
	if err != nil || !strings.HasPrefix(location, redirectURI+"?") || u.Query().Get("code") == "" {
		return "", fmt.Errorf("redirect %q, want a code sent to %s", location, redirectURI)
	}
	return u.Query().Get("code"), nil
}

// pkce is an RFC 7636 verifier and its S256 challenge.
type pkce struct{ verifier, challenge string }

func newPKCE() pkce {
	v := rand.Text() + rand.Text() // 52 characters of [A-Z2-7], 260 bits
	sum := sha256.Sum256([]byte(v))
	return pkce{v, base64.RawURLEncoding.EncodeToString(sum[:])}
}

// authorizeQuery is the query of an authorization request.
func authorizeQuery(clientID, redirectURI string, p pkce, extra ...string) string {
	q := url.Values{
		"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {redirectURI},
		"state": {"st-" + rand.Text()[:8]}, "code_challenge": {p.challenge}, "code_challenge_method": {"S256"},
	}
	for i := 0; i+1 < len(extra); i += 2 {
		q.Set(extra[i], extra[i+1])
	}
	return q.Encode()
}

// The real SDK clients, one call each: no SDK retries, so every HTTP
// result the test sees is the server's.
func ssoClient(base string) *ssooidc.Client {
	return ssooidc.New(ssooidc.Options{
		Region: region, BaseEndpoint: aws.String(base), RetryMaxAttempts: 1,
		Credentials: aws.AnonymousCredentials{}, HTTPClient: &http.Client{Timeout: httpTimeout},
	})
}

func signinClient(base string) *signin.Client {
	return signin.New(signin.Options{
		Region: region, BaseEndpoint: aws.String(base), RetryMaxAttempts: 1,
		Credentials: aws.AnonymousCredentials{}, HTTPClient: &http.Client{Timeout: httpTimeout},
	})
}

// errorCode is the modelled error shape of an SDK error ("" for none).
func errorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// dpopKey is a client's DPoP key (RFC 9449), as aws login holds one.
type dpopKey struct{ priv *ecdsa.PrivateKey }

func newDPoPKey(t testing.TB) dpopKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return dpopKey{k}
}

// proof is a fresh DPoP proof (RFC 9449 §4.2) for POST htu: a new jti,
// iat now.
func (k dpopKey) proof(t testing.TB, htu string) string {
	t.Helper()
	return (&testsupport.Prover{Key: k.priv}).Proof(t, htu)
}

// sign appends the ES256 signature (JWS: raw r || s, RFC 7518 §3.4) of
// header.payload.
func (k dpopKey) sign(t testing.TB, msg string) string {
	t.Helper()
	sum := sha256.Sum256([]byte(msg))
	r, s, err := ecdsa.Sign(rand.Reader, k.priv, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return msg + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// withProof sends proof as the DPoP header, in the Finalize step as
// aws-sdk-go-v2's credentials/logincreds does. The same proof can so be
// sent twice, to one node or to two.
func withProof(proof string) func(*signin.Options) {
	return signin.WithAPIOptions(func(stack *middleware.Stack) error {
		return stack.Finalize.Add(middleware.FinalizeMiddlewareFunc("dpopProof",
			func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
				in.Request.(*smithyhttp.Request).Header.Set("DPoP", proof)
				return next.HandleFinalize(ctx, in)
			}), middleware.After)
	})
}

// jwksKids lists the key ids a node publishes.
func jwksKids(t testing.TB, base string) []string {
	t.Helper()
	c := &http.Client{Timeout: httpTimeout}
	resp, err := c.Get(base + "/.well-known/jwks.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var set struct {
		Keys []struct {
			Kid string `json:"kid"`
		} `json:"keys"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("JWKS of %s: %d %v", base, resp.StatusCode, err)
	}
	var kids []string
	for _, k := range set.Keys {
		kids = append(kids, k.Kid)
	}
	return kids
}

// jwtKid is the kid in a compact JWS's header.
func jwtKid(t testing.TB, token string) string {
	t.Helper()
	head, _, _ := strings.Cut(token, ".")
	raw, err := base64.RawURLEncoding.DecodeString(head)
	var h struct {
		Kid string `json:"kid"`
	}
	if err != nil || json.Unmarshal(raw, &h) != nil || h.Kid == "" {
		t.Fatalf("no kid in the JWT header %q", head)
	}
	return h.Kid
}
