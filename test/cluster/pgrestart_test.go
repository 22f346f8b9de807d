package cluster

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/signin"
	signintypes "github.com/aws/aws-sdk-go-v2/service/signin/types"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
	_ "github.com/jackc/pgx/v5/stdlib"

	apisignin "github.com/signet-auth/signet/api/signin"
)

// The restart run's bounds. The outages are short and few so that the
// whole test stays well under a minute; the deadlines only keep a broken
// run from hanging and assert nothing about speed.
const (
	pgOutages       = 3
	pgUpBefore      = time.Second             // load with PostgreSQL up before each crash
	pgDownFor       = 1500 * time.Millisecond // load with PostgreSQL down
	pgWorkersPerAPI = 2
	pgChainLen      = 3 // refreshes of one grant before its worker starts another
	recoverTimeout  = 30 * time.Second
	callTimeout     = 45 * time.Second // one request retried through an outage
	retryPause      = 50 * time.Millisecond
	pgCmdTimeout    = 90 * time.Second
)

// privatePG is a PostgreSQL cluster of the test's own, which it may crash
// at will: the machine's shared server serves other tests at the same time.
type privatePG struct {
	bin, dir, data, log string
	port                int
	cred                *syscall.Credential // the user the server runs as; nil: the test's
}

// missing skips the test when a part it needs is absent, except on CI,
// where that is a failure.
func missing(t *testing.T, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf(format, args...)
	}
	t.Skipf(format, args...)
}

// pgBinDir finds the directory of initdb, pg_ctl and postgres: pg_config's
// answer, else Debian's versioned directories.
func pgBinDir() string {
	has := func(dir string) bool {
		for _, f := range []string{"initdb", "pg_ctl", "postgres"} {
			if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.IsDir() {
				return false
			}
		}
		return true
	}
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		if dir := strings.TrimSpace(string(out)); has(dir) {
			return dir
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	for i := len(dirs) - 1; i >= 0; i-- { // the newest version first
		if has(dirs[i]) {
			return dirs[i]
		}
	}
	return ""
}

// startPrivatePG creates a cluster in a fresh directory, listening on a free
// loopback port with trust authentication, and starts it. fsync stays on:
// the test crashes the server and then relies on what it acknowledged.
func startPrivatePG(t *testing.T) *privatePG {
	t.Helper()
	bin := pgBinDir()
	if bin == "" {
		missing(t, "no PostgreSQL server binaries (initdb, pg_ctl, postgres) from pg_config --bindir or in /usr/lib/postgresql/*/bin")
	}
	p := &privatePG{bin: bin}
	uid, gid := -1, -1
	if os.Geteuid() == 0 {
		// initdb and postgres refuse to run as root.
		u, err := user.Lookup("postgres")
		if err != nil {
			missing(t, "running as root, and no postgres user to run the server as: %v", err)
		}
		uid, _ = strconv.Atoi(u.Uid)
		gid, _ = strconv.Atoi(u.Gid)
		p.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	}
	// Not t.TempDir: its parent is private to the test's user, and the
	// server's user must reach the directory.
	dir, err := os.MkdirTemp("", "signet-pgrestart-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if uid >= 0 {
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	p.dir, p.data, p.log = dir, filepath.Join(dir, "data"), filepath.Join(dir, "postgres.log")
	p.port = freePort(t)
	if err := p.run("initdb", "-D", p.data, "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--locale=C",
		"--no-sync", "--no-instructions"); err != nil {
		t.Fatal(err)
	}
	conf := fmt.Sprintf(`
listen_addresses = '127.0.0.1'
port = %d
unix_socket_directories = '%s'
fsync = on
synchronous_commit = on
full_page_writes = on
max_connections = 50
shared_buffers = 16MB
`, p.port, dir)
	f, err := os.OpenFile(filepath.Join(p.data, "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.WriteString(conf)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := p.start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = p.run("pg_ctl", "-D", p.data, "-m", "fast", "-w", "stop")
		if t.Failed() {
			log, _ := os.ReadFile(p.log)
			t.Logf("postgres log (tail):\n%s", tail(string(log), 4000))
		}
	})
	return p
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// run runs one of the server's programs as the server's user, in the
// cluster's directory, with none of the PG* variables of the environment.
func (p *privatePG) run(name string, args ...string) error {
	ctx, cancel := context.WithTimeout(context.Background(), pgCmdTimeout)
	defer cancel()
	out, err := os.CreateTemp(p.dir, "cmd-*.out")
	if err != nil {
		return err
	}
	defer os.Remove(out.Name())
	defer out.Close()
	cmd := exec.CommandContext(ctx, filepath.Join(p.bin, name), args...)
	cmd.Dir = p.dir
	env := []string{"HOME=" + p.dir, "LC_ALL=C"}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PG") && !strings.HasPrefix(kv, "HOME=") && !strings.HasPrefix(kv, "LC_") {
			env = append(env, kv)
		}
	}
	cmd.Env = env
	// A file, not a pipe: the server pg_ctl starts must not hold the
	// test's end of anything.
	cmd.Stdout, cmd.Stderr = out, out
	if p.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: p.cred}
	}
	if err := cmd.Run(); err != nil {
		text, _ := os.ReadFile(out.Name())
		return fmt.Errorf("%s %s: %v\n%s", name, strings.Join(args, " "), err, text)
	}
	return nil
}

// start starts the server and waits until it accepts connections (after
// crash recovery, when it was crashed).
func (p *privatePG) start() error {
	return p.run("pg_ctl", "-D", p.data, "-l", p.log, "-w", "-t", "60", "start")
}

// crash stops the server in immediate mode: every server process quits at
// once, without a checkpoint, and the next start runs crash recovery
// (https://www.postgresql.org/docs/15/app-pg-ctl.html).
func (p *privatePG) crash() error {
	return p.run("pg_ctl", "-D", p.data, "-m", "immediate", "-w", "-t", "60", "stop")
}

func (p *privatePG) url() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", p.port)
}

// reply is one HTTP answer as the client got it.
type reply struct {
	status int
	header http.Header
	body   []byte
}

func (r reply) String() string {
	if r.status == 0 {
		return "no reply"
	}
	return fmt.Sprintf("%d %s=%q body %s", r.status, "X-Amzn-ErrorType", r.header.Get("X-Amzn-ErrorType"), tail(string(r.body), 300))
}

// tap is a client's transport that keeps the last reply: the SDKs fold the
// status, the headers and the body into one error, and the test checks
// each. One worker makes one call at a time, so the last reply is the one
// of its last call.
type tap struct {
	mu   sync.Mutex
	last reply
}

func (tp *tap) RoundTrip(req *http.Request) (*http.Response, error) {
	tp.set(reply{})
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	tp.set(reply{resp.StatusCode, resp.Header.Clone(), body})
	return resp, nil
}

func (tp *tap) set(r reply) {
	tp.mu.Lock()
	tp.last = r
	tp.mu.Unlock()
}

func (tp *tap) reply() reply {
	tp.mu.Lock()
	defer tp.mu.Unlock()
	return tp.last
}

func (tp *tap) client() *http.Client {
	return &http.Client{Transport: tp, Timeout: httpTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// jsonBody decodes an error body; nil when it is not a JSON object.
func jsonBody(r reply) map[string]any {
	var m map[string]any
	if !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") || json.Unmarshal(r.body, &m) != nil {
		return nil
	}
	return m
}

// awsServerError says what is wrong with r as the AWS JSON answer to a
// storage failure, "" when nothing: 500 InternalServerException in the
// X-Amzn-ErrorType header and the body's __type, error "server_error",
// and the dialect's message member (sso-oidc.md §6.3, signin.md §3.1;
// catalogue CC-06 and "Error mapping").
func awsServerError(r reply, messageMember string) string {
	const shape = "InternalServerException"
	b := jsonBody(r)
	msg, _ := b[messageMember].(string)
	if r.status != http.StatusInternalServerError || r.header.Get("X-Amzn-ErrorType") != shape || b == nil ||
		b["__type"] != shape || b["error"] != "server_error" || msg == "" {
		return "want 500 " + shape + " server_error, got " + r.String()
	}
	return ""
}

// stdUnavailable says what is wrong with r as the RFC 6749 answer to a
// storage failure, "" when nothing: 503 with Retry-After and a JSON error
// (catalogue CC-06, SD-03; RFC 6749 §5.2, RFC 9110 §10.2.3), never cached.
func stdUnavailable(r reply) string {
	b := jsonBody(r)
	secs, err := strconv.Atoi(r.header.Get("Retry-After"))
	if r.status != http.StatusServiceUnavailable || err != nil || secs < 1 || b == nil ||
		b["error"] != "temporarily_unavailable" || r.header.Get("Cache-Control") != "no-store" {
		return fmt.Sprintf("want 503 temporarily_unavailable with Retry-After, got %d Retry-After %q body %s",
			r.status, r.header.Get("Retry-After"), tail(string(r.body), 300))
	}
	return ""
}

// result is how one try of a request ended.
type result int

const (
	resOK    result = iota // 200 (or the page's redirect with a code)
	resRetry               // a retryable 5xx in the API's own shape
	resGone                // a code refused as used after an earlier try of it got a 5xx: see the test
	resBad                 // anything else: a violation
)

// attempt is one try, timed from the client.
type attempt struct {
	api, op, node string
	start, end    time.Time
	res           result
}

// pgLoad is everything the clients saw.
type pgLoad struct {
	nodes  []*node
	issuer string
	// The SSO OIDC client's grants, in the crash test's ledger so that its
	// record checks apply.
	sso       *ledger
	ssoID     string
	ssoSecret string
	stdID     string
	stdSecret string

	mu         sync.Mutex
	attempts   []attempt
	violations []string
	lastOK     map[string]time.Time // worker → end of its last success
	si, std    []*pgChain
}

// pgChain is one Sign-In or standard grant as its client holds it.
type pgChain struct {
	rts []string // refresh tokens received with a 200, oldest first
	at  string   // the newest access token (standard only)
	key dpopKey  // the bound key (Sign-In only)
}

func (l *pgLoad) violation(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.violations = append(l.violations, fmt.Sprintf(format, args...))
}

// worker is one client: it sends its requests to the nodes in turn.
type pgWorker struct {
	l    *pgLoad
	name string
	tap  *tap
	hc   *http.Client
	next int
}

func (l *pgLoad) newWorker(name string, i int) *pgWorker {
	tp := &tap{}
	return &pgWorker{l: l, name: name, tap: tp, hc: tp.client(), next: i}
}

// call sends a request (try gets the node and the number of the try) and,
// after each retryable 5xx, sends it again, as a client does, until it
// gets an answer that is not a 5xx. Every try is recorded.
func (w *pgWorker) call(api, op string, try func(n *node, i int) (result, string)) result {
	deadline := time.Now().Add(callTimeout)
	for i := 0; ; i++ {
		n := w.l.nodes[w.next%len(w.l.nodes)]
		w.next++
		start := time.Now()
		res, why := try(n, i)
		end := time.Now()
		w.l.mu.Lock()
		w.l.attempts = append(w.l.attempts, attempt{api, op, n.name, start, end, res})
		if res == resOK {
			w.l.lastOK[w.name] = end
		}
		w.l.mu.Unlock()
		switch res {
		case resBad:
			w.l.violation("%s %s on %s (try %d): %s", api, op, n.name, i+1, why)
			time.Sleep(retryPause)
			return res
		case resOK, resGone:
			return res
		}
		if time.Now().After(deadline) {
			w.l.violation("%s %s: still a 5xx after retrying for %s", api, op, callTimeout)
			return res
		}
		time.Sleep(retryPause)
	}
}

// authorize runs the browser step (auto-approved) and returns the code.
func (w *pgWorker) authorize(api, path, query string) (string, bool) {
	var code string
	res := w.call(api, "authorize", func(n *node, _ int) (result, string) {
		resp, err := w.hc.Get(n.base + path + "?" + query)
		if err != nil {
			return resBad, err.Error()
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		loc := resp.Header.Get("Location")
		if resp.StatusCode == http.StatusServiceUnavailable && strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
			return resRetry, "" // the page could not reach the store
		}
		if u, err := url.Parse(loc); err == nil && resp.StatusCode == http.StatusSeeOther && strings.HasPrefix(loc, loopback+"?") &&
			u.Query().Get("error") == "temporarily_unavailable" && u.Query().Get("code") == "" {
			return resRetry, "" // the code could not be stored: RFC 6749 §4.1.2.1
		}
		c, err := codeFrom(loc, loopback)
		if resp.StatusCode != http.StatusSeeOther || err != nil {
			return resBad, fmt.Sprintf("%d %q %s", resp.StatusCode, loc, tail(string(body), 300))
		}
		code = c
		return resOK, ""
	})
	return code, res == resOK
}

// ssoWorker: aws sso login (authorization code + PKCE), then refreshes
// with the real ssooidc client.
func (w *pgWorker) ssoWorker(ctx context.Context) {
	clients := map[string]*ssooidc.Client{}
	for _, n := range w.l.nodes {
		clients[n.name] = ssooidc.New(ssooidc.Options{
			Region: region, BaseEndpoint: aws.String(n.base), RetryMaxAttempts: 1,
			Credentials: aws.AnonymousCredentials{}, HTTPClient: w.hc,
		})
	}
	classify := func(err error, i int, gone string) (result, string) {
		switch {
		case err == nil:
			return resOK, ""
		case i > 0 && gone != "" && errorCode(err) == gone:
			return resGone, ""
		}
		rep := w.tap.reply()
		if why := awsServerError(rep, "error_description"); why != "" {
			return resBad, fmt.Sprintf("%v: %s", err, why)
		}
		return resRetry, ""
	}
	var cur *chain
	for ctx.Err() == nil {
		if cur == nil || len(cur.rts) > pgChainLen {
			cur = nil
			p := newPKCE()
			code, ok := w.authorize("sso", "/authorize", authorizeQuery(w.l.ssoID, loopback, p, "scopes", ssoScope))
			if !ok {
				continue // the violation is recorded; the client starts over
			}
			var out *ssooidc.CreateTokenOutput
			retried := false
			res := w.call("sso", "redeem", func(n *node, i int) (result, string) {
				retried = i > 0
				var err error
				out, err = clients[n.name].CreateToken(context.Background(), &ssooidc.CreateTokenInput{
					ClientId: aws.String(w.l.ssoID), ClientSecret: aws.String(w.l.ssoSecret),
					GrantType: aws.String("authorization_code"), Code: aws.String(code),
					RedirectUri: aws.String(loopback), CodeVerifier: aws.String(p.verifier),
				})
				return classify(err, i, "InvalidGrantException")
			})
			w.l.sso.mu.Lock()
			switch {
			case res == resOK && !retried:
				w.l.sso.codes[code] = codeOK
			case res == resOK:
				w.l.sso.codes[code] = codeLostOK
			case res == resGone:
				w.l.sso.codes[code] = codeLostRejected
			default:
				w.l.sso.codes[code] = codeUnknown
			}
			if res == resOK {
				cur = &chain{rts: []string{aws.ToString(out.RefreshToken)}}
				w.l.sso.chains = append(w.l.sso.chains, cur)
			}
			w.l.sso.mu.Unlock()
			continue
		}
		rt := cur.rts[len(cur.rts)-1]
		w.l.sso.mu.Lock()
		w.l.sso.presented[rt] = true
		w.l.sso.mu.Unlock()
		var out *ssooidc.CreateTokenOutput
		var sent time.Time
		res := w.call("sso", "refresh", func(n *node, i int) (result, string) {
			sent = time.Now()
			var err error
			out, err = clients[n.name].CreateToken(context.Background(), &ssooidc.CreateTokenInput{
				ClientId: aws.String(w.l.ssoID), ClientSecret: aws.String(w.l.ssoSecret),
				GrantType: aws.String("refresh_token"), RefreshToken: aws.String(rt),
			})
			if i > 0 && err == nil {
				w.l.sso.mu.Lock()
				w.l.sso.retried[rt] = sent
				w.l.sso.mu.Unlock()
			}
			// A refresh that got a 5xx is retried with the same token: inside
			// the grace window it succeeds whether or not the failed try
			// committed (RT-02), so no refusal is right here.
			return classify(err, i, "")
		})
		if res != resOK {
			cur.stuck, cur = true, nil // the final check retries it
			continue
		}
		cur.rts = append(cur.rts, aws.ToString(out.RefreshToken))
	}
}

// siWorker: aws login (authorization code + PKCE, DPoP-bound), then
// refreshes with the real signin client and a fresh proof each time.
func (w *pgWorker) siWorker(t *testing.T, ctx context.Context) {
	clients := map[string]*signin.Client{}
	for _, n := range w.l.nodes {
		clients[n.name] = signin.New(signin.Options{
			Region: region, BaseEndpoint: aws.String(n.base), RetryMaxAttempts: 1,
			Credentials: aws.AnonymousCredentials{}, HTTPClient: w.hc,
		})
	}
	key := newDPoPKey(t)
	htu := w.l.issuer + "/v1/token"
	token := func(n *node, in *signintypes.CreateOAuth2TokenRequestBody) (*signintypes.CreateOAuth2TokenResponseBody, error) {
		in.ClientId = aws.String(apisignin.ClientSameDevice)
		out, err := clients[n.name].CreateOAuth2Token(context.Background(), &signin.CreateOAuth2TokenInput{TokenInput: in},
			withProof(key.proof(t, htu)))
		if err != nil {
			return nil, err
		}
		return out.TokenOutput, nil
	}
	classify := func(err error, i int, gone string) (result, string) {
		if err == nil {
			return resOK, ""
		}
		rep := w.tap.reply()
		if b := jsonBody(rep); i > 0 && gone != "" && rep.status == http.StatusUnauthorized && b["error"] == gone {
			return resGone, ""
		}
		if why := awsServerError(rep, "message"); why != "" {
			return resBad, fmt.Sprintf("%v: %s", err, why)
		}
		return resRetry, ""
	}
	var cur *pgChain
	for ctx.Err() == nil {
		if cur == nil || len(cur.rts) > pgChainLen {
			cur = nil
			p := newPKCE()
			code, ok := w.authorize("signin", "/v1/authorize", authorizeQuery(apisignin.ClientSameDevice, loopback, p,
				"scope", "openid", "code_challenge_method", "SHA-256"))
			if !ok {
				continue // the violation is recorded; the client starts over
			}
			var out *signintypes.CreateOAuth2TokenResponseBody
			res := w.call("signin", "redeem", func(n *node, i int) (result, string) {
				var err error
				out, err = token(n, &signintypes.CreateOAuth2TokenRequestBody{
					GrantType: aws.String("authorization_code"), Code: aws.String(code),
					RedirectUri: aws.String(loopback), CodeVerifier: aws.String(p.verifier),
				})
				return classify(err, i, "AUTHCODE_EXPIRED")
			})
			if res == resOK {
				cur = &pgChain{rts: []string{aws.ToString(out.RefreshToken)}, key: key}
				w.l.mu.Lock()
				w.l.si = append(w.l.si, cur)
				w.l.mu.Unlock()
			}
			continue
		}
		rt := cur.rts[len(cur.rts)-1]
		var out *signintypes.CreateOAuth2TokenResponseBody
		res := w.call("signin", "refresh", func(n *node, i int) (result, string) {
			var err error
			out, err = token(n, &signintypes.CreateOAuth2TokenRequestBody{
				GrantType: aws.String("refresh_token"), RefreshToken: aws.String(rt),
			})
			// Retried inside the idempotency window, a refresh gets what
			// the failed try made, or makes it.
			return classify(err, i, "")
		})
		if res != resOK {
			cur = nil
			continue
		}
		w.l.mu.Lock()
		cur.rts = append(cur.rts, aws.ToString(out.RefreshToken))
		w.l.mu.Unlock()
	}
}

// stdPost posts a form to path with HTTP Basic client authentication.
func (w *pgWorker) stdPost(n *node, path string, form url.Values) (reply, error) {
	req, err := http.NewRequest(http.MethodPost, n.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		return reply{}, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(w.l.stdID), url.QueryEscape(w.l.stdSecret)) // RFC 6749 §2.3.1
	resp, err := w.hc.Do(req)
	if err != nil {
		return reply{}, err
	}
	resp.Body.Close()
	return w.tap.reply(), nil
}

// stdTokens is the part of RFC 6749 §5.1's answer the test keeps.
type stdTokens struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
}

// stdWorker: the standard authorization code flow and refresh on
// /oauth2/token, each new access token introspected (RFC 7662).
func (w *pgWorker) stdWorker(ctx context.Context) {
	// token is one try of a token request; gone says whether invalid_grant
	// is right after an earlier try failed (a code that try redeemed).
	token := func(n *node, i int, form url.Values, gone bool, out *stdTokens) (result, string) {
		rep, err := w.stdPost(n, "/oauth2/token", form)
		switch {
		case err != nil:
			return resBad, err.Error()
		case rep.status == http.StatusOK:
			if err := json.Unmarshal(rep.body, out); err != nil || out.RefreshToken == "" || out.AccessToken == "" {
				return resBad, "200 without tokens: " + string(rep.body)
			}
			return resOK, ""
		case gone && i > 0 && rep.status == http.StatusBadRequest && jsonBody(rep)["error"] == "invalid_grant":
			return resGone, ""
		}
		if why := stdUnavailable(rep); why != "" {
			return resBad, why
		}
		return resRetry, ""
	}
	var cur *pgChain
	for ctx.Err() == nil {
		if cur == nil || len(cur.rts) > pgChainLen {
			cur = nil
			p := newPKCE()
			code, ok := w.authorize("std", "/oauth2/authorize", authorizeQuery(w.l.stdID, loopback, p))
			if !ok {
				continue // the violation is recorded; the client starts over
			}
			var out stdTokens
			form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {loopback},
				"code_verifier": {p.verifier}}
			if w.call("std", "redeem", func(n *node, i int) (result, string) { return token(n, i, form, true, &out) }) == resOK {
				cur = &pgChain{rts: []string{out.RefreshToken}, at: out.AccessToken}
				w.l.mu.Lock()
				w.l.std = append(w.l.std, cur)
				w.l.mu.Unlock()
			}
			continue
		}
		var out stdTokens
		form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {cur.rts[len(cur.rts)-1]}}
		if w.call("std", "refresh", func(n *node, i int) (result, string) { return token(n, i, form, false, &out) }) != resOK {
			cur = nil
			continue
		}
		w.l.mu.Lock()
		cur.rts, cur.at = append(cur.rts, out.RefreshToken), out.AccessToken
		w.l.mu.Unlock()
		// Introspection of a live token: active, or 503 while the store is
		// away, never {"active":false} for want of an answer (SD-03).
		at := out.AccessToken
		if w.call("std", "introspect", func(n *node, _ int) (result, string) {
			rep, err := w.stdPost(n, "/oauth2/introspect", url.Values{"token": {at}})
			switch {
			case err != nil:
				return resBad, err.Error()
			case rep.status == http.StatusOK:
				if jsonBody(rep)["active"] != true {
					return resBad, "a live access token introspected as " + string(rep.body)
				}
				return resOK, ""
			}
			if why := stdUnavailable(rep); why != "" {
				return resBad, why
			}
			return resRetry, ""
		}) != resOK {
			cur = nil
		}
	}
}

// readyz asks a node's readiness.
func readyz(n *node) int {
	resp, err := (&http.Client{Timeout: httpTimeout}).Get(n.base + "/readyz")
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestCC06_PGRestartUnderLoad crashes the database under two nodes while
// clients of every token API keep calling (catalogue CC-06, "DB down
// mid-request"; issue 10, "PostgreSQL restarted under load"). It checks
// that
//
//   - every request that fails, fails with a retryable 5xx in its API's own
//     shape: SSO OIDC and Sign-In 500 InternalServerException, the RFC 6749
//     endpoints 503 with Retry-After, the pages 503; never a 4xx the
//     outage caused, and never a 200 for a request that ran entirely while
//     the database was down (no 200 without a durable write);
//   - /readyz says 503 while the database is down, and 200 again after;
//   - the same signet processes serve again by themselves once the
//     database is back, and every client's retry of what failed succeeds
//     (a refresh retried with the same token, inside the grace window);
//   - from the records afterwards: no session with two live successors, no
//     code redeemed twice, and every refresh token a client got with a 200
//     is stored and works.
//
// One refusal is right: a code redemption whose commit reached the WAL
// just before the crash, so that its answer was lost and the client saw a
// 5xx, is used; the retry is refused as code reuse and revokes the session
// nobody was told about (RFC 6749 §4.1.2; as in CC-05). The records must
// show exactly one such session revoked for each such refusal, and nothing
// else revoked.
//
// The database is a private PostgreSQL cluster that the test creates,
// crashes (pg_ctl stop -m immediate) and starts again; the shared server
// serves other tests.
func TestCC06_PGRestartUnderLoad(t *testing.T) {
	pg := startPrivatePG(t)
	master := masterKey(t)
	// Per-node request limits are off: the load comes from one address.
	env := baseEnv("SIGNET_MASTER_KEY="+master,
		"SIGNET_RATE_LIMIT_NODE=off", "SIGNET_RATE_LIMIT_IP=off", "SIGNET_RATE_LIMIT_CLIENT=off",
		"SIGNET_RATE_LIMIT_INTROSPECT=off")
	args := func(extra ...string) []string {
		// The longest refresh grace, so that a refresh retried after an
		// outage on a busy machine is still inside it.
		return append([]string{"--dev", "--dev-auto-approve", "--refresh-grace", "1m", "--log-level", "error",
			"--data-dir", t.TempDir(), "--database-url", pg.url()}, extra...)
	}
	n1 := newNode(t, "n1", env, args()...)
	if err := n1.start(); err != nil {
		t.Fatal(err)
	}
	n2 := newNode(t, "n2", env, args("--issuer", n1.base)...)
	if err := n2.start(); err != nil {
		t.Fatal(err)
	}
	nodes := []*node{n1, n2}

	reg, err := ssoClient(n1.base).RegisterClient(t.Context(), &ssooidc.RegisterClientInput{
		ClientName: aws.String("pg-restart"), ClientType: aws.String("public"), Scopes: []string{ssoScope},
		GrantTypes: []string{"authorization_code", "refresh_token"}, RedirectUris: []string{redirectNoPort},
		IssuerUrl: aws.String(startURL),
	})
	if err != nil {
		t.Fatal(err)
	}
	created := admin(t, env, "client", "create", "--name", "pg-restart", "--grant-type", "authorization_code",
		"--grant-type", "refresh_token", "--redirect-uri", loopback, "--database-url", pg.url())
	stdID, stdSecret := clientIDRe.FindStringSubmatch(created), clientSecretRe.FindStringSubmatch(created)
	if stdID == nil || stdSecret == nil {
		t.Fatalf("client create printed %q", created)
	}
	l := &pgLoad{nodes: nodes, issuer: n1.base,
		sso:   &ledger{codes: map[string]codeResult{}, presented: map[string]bool{}, retried: map[string]time.Time{}},
		ssoID: aws.ToString(reg.ClientId), ssoSecret: aws.ToString(reg.ClientSecret),
		stdID: stdID[1], stdSecret: stdSecret[1], lastOK: map[string]time.Time{}}

	ctx, stopLoad := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	var workers []string
	for i := range pgWorkersPerAPI {
		for _, api := range []string{"sso", "signin", "std"} {
			w := l.newWorker(fmt.Sprintf("%s-%d", api, i), i)
			workers = append(workers, w.name)
			switch api {
			case "sso":
				wg.Go(func() { w.ssoWorker(ctx) })
			case "signin":
				wg.Go(func() { w.siWorker(t, ctx) })
			case "std":
				wg.Go(func() { w.stdWorker(ctx) })
			}
		}
	}
	stop := func() {
		stopLoad()
		wg.Wait()
	}
	// waitAll polls cond until it holds or recoverTimeout passes.
	waitAll := func(what string, cond func() bool) {
		deadline := time.Now().Add(recoverTimeout)
		for !cond() {
			if time.Now().After(deadline) {
				stop()
				reportViolations(t, l.violations)
				t.Fatalf("%s: not within %s (last successes: %v)", what, recoverTimeout, l.lastOK)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	allServedSince := func(since time.Time) func() bool {
		return func() bool {
			l.mu.Lock()
			defer l.mu.Unlock()
			for _, w := range workers {
				if !l.lastOK[w].After(since) {
					return false
				}
			}
			return true
		}
	}

	type window struct{ from, to time.Time }
	var down []window
	begin := time.Now()
	waitAll("every client served before the first outage", allServedSince(begin))
	for i := range pgOutages {
		time.Sleep(pgUpBefore)
		if err := pg.crash(); err != nil {
			stop()
			t.Fatalf("outage %d: %v", i+1, err)
		}
		from := time.Now()
		time.Sleep(pgDownFor / 2)
		for _, n := range nodes {
			if code := readyz(n); code != http.StatusServiceUnavailable {
				t.Errorf("outage %d: /readyz of %s answered %d while the database was down, want 503", i+1, n.name, code)
			}
		}
		time.Sleep(pgDownFor / 2)
		down = append(down, window{from, time.Now()})
		if err := pg.start(); err != nil {
			stop()
			t.Fatalf("outage %d: start again: %v", i+1, err)
		}
		back := time.Now()
		waitAll(fmt.Sprintf("outage %d: /readyz 200 on every node", i+1), func() bool {
			return readyz(n1) == http.StatusOK && readyz(n2) == http.StatusOK
		})
		waitAll(fmt.Sprintf("outage %d: every client served again", i+1), allServedSince(back))
	}
	time.Sleep(pgUpBefore)
	stop()

	// The nodes recovered by themselves: each is still its first process.
	for _, n := range nodes {
		n.mu.Lock()
		runs := len(n.procs)
		n.mu.Unlock()
		select {
		case <-n.current().exited:
			t.Errorf("node %s exited: %v", n.name, n.current().err)
		default:
		}
		if runs != 1 {
			t.Errorf("node %s ran %d times, want once", n.name, runs)
		}
	}

	// What the clients saw.
	type tally struct{ ok, retry, retryDown, gone, bad int }
	tallies := map[string]*tally{}
	inDown := func(a attempt) bool {
		for _, d := range down {
			if !a.start.Before(d.from) && !a.end.After(d.to) {
				return true
			}
		}
		return false
	}
	for _, a := range l.attempts {
		tl := tallies[a.api]
		if tl == nil {
			tl = &tally{}
			tallies[a.api] = tl
		}
		switch a.res {
		case resOK:
			tl.ok++
			if inDown(a) {
				t.Errorf("%s %s on %s succeeded while the database was down (%s–%s): a 200 without a durable write",
					a.api, a.op, a.node, a.start.Format(time.StampMilli), a.end.Format(time.StampMilli))
			}
		case resRetry:
			tl.retry++
			if inDown(a) {
				tl.retryDown++
			}
		case resGone:
			tl.gone++
		case resBad:
			tl.bad++
		}
	}
	for _, api := range []string{"sso", "signin", "std"} {
		tl := tallies[api]
		if tl == nil {
			tl = &tally{}
		}
		t.Logf("%s: %d successes, %d retryable 5xx (%d while down), %d codes refused on retry, %d violations",
			api, tl.ok, tl.retry, tl.retryDown, tl.gone, tl.bad)
		if tl.retryDown == 0 {
			t.Errorf("%s: no request failed while the database was down; the outages did not reach it", api)
		}
	}
	reportViolations(t, l.violations)

	// Every grant's newest tokens work after the outages.
	c := n2
	sso := ssoClient(c.base)
	for i, ch := range l.sso.chains {
		rt := ch.rts[len(ch.rts)-1]
		out, err := sso.CreateToken(t.Context(), &ssooidc.CreateTokenInput{
			ClientId: aws.String(l.ssoID), ClientSecret: aws.String(l.ssoSecret), GrantType: aws.String("refresh_token"),
			RefreshToken: aws.String(rt),
		})
		if err != nil {
			t.Errorf("SSO grant %d (%d refresh tokens): its newest refresh token after the outages: %v", i, len(ch.rts), err)
			continue
		}
		l.sso.presented[rt] = true
		ch.rts, ch.stuck = append(ch.rts, aws.ToString(out.RefreshToken)), false
	}
	for i, ch := range l.si {
		err := refreshSignIn(t.Context(), c, ch.rts[len(ch.rts)-1], ch.key.proof(t, l.issuer+"/v1/token"))
		if err != nil {
			t.Errorf("Sign-In grant %d (%d refresh tokens): its newest refresh token after the outages: %v", i, len(ch.rts), err)
		}
	}
	w := l.newWorker("final", 1)
	for i, ch := range l.std {
		if rep, err := w.stdPost(c, "/oauth2/introspect", url.Values{"token": {ch.at}}); err != nil ||
			rep.status != http.StatusOK || jsonBody(rep)["active"] != true {
			t.Errorf("standard grant %d: its newest access token after the outages: %v %v", i, rep, err)
		}
		rep, err := w.stdPost(c, "/oauth2/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {ch.rts[len(ch.rts)-1]}})
		if err != nil || rep.status != http.StatusOK {
			t.Errorf("standard grant %d (%d refresh tokens): its newest refresh token after the outages: %v %v", i, len(ch.rts), rep, err)
		}
	}

	// The records.
	db, err := sql.Open("pgx", pg.url())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var ssoSessions int
	if err := db.QueryRowContext(t.Context(), `SELECT count(*) FROM sessions WHERE client_id = $1`, l.ssoID).Scan(&ssoSessions); err != nil {
		t.Fatal(err)
	}
	checkRecords(t, db, dollarParams, master, &crashLoad{id: l.ssoID, l: l.sso}, ssoSessions)
	gone := 0
	for _, tl := range tallies {
		gone += tl.gone
	}
	checkLineages(t, db, gone)
}

// reportViolations fails the test with the first few violations and
// their number.
func reportViolations(t *testing.T, vs []string) {
	t.Helper()
	const shown = 20
	for i, v := range vs {
		if i == shown {
			t.Errorf("… and %d more", len(vs)-shown)
			break
		}
		t.Errorf("on the wire: %s", v)
	}
}

// checkLineages checks every session of every client: a used code names
// an existing session and every session exactly one code (no code redeemed
// twice), a session's generations are 0…current with only the current one
// live (no two live successors), and the only sessions revoked are those
// of the gone codes that clients retried, for code reuse.
func checkLineages(t *testing.T, db *sql.DB, gone int) {
	t.Helper()
	count := func(query string) int {
		t.Helper()
		var n int
		if err := db.QueryRowContext(t.Context(), query).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count(`SELECT count(*) FROM codes WHERE
			(used_at > 0 AND NOT EXISTS (SELECT 1 FROM sessions s WHERE s.id = codes.session_id)) OR
			(used_at = 0 AND session_id != '')`); n != 0 {
		t.Errorf("%d codes used without a session, or naming one unused", n)
	}
	if n := count(`SELECT count(*) FROM sessions s WHERE
			(SELECT count(*) FROM codes c WHERE c.session_id = s.id) != 1`); n != 0 {
		t.Errorf("%d sessions not named by exactly one code", n)
	}
	if n := count(`SELECT count(*) FROM sessions s WHERE NOT (
			(SELECT count(*) FROM token_generations g WHERE g.session_id = s.id) = s.generation + 1 AND
			(SELECT min(generation) FROM token_generations g WHERE g.session_id = s.id) = 0 AND
			(SELECT max(generation) FROM token_generations g WHERE g.session_id = s.id) = s.generation AND
			(SELECT count(*) FROM token_generations g WHERE g.session_id = s.id AND g.rotated_at = 0) = 1 AND
			(SELECT rotated_at FROM token_generations g WHERE g.session_id = s.id AND g.generation = s.generation) = 0)`); n != 0 {
		t.Errorf("%d sessions whose generations are not 0…current with only the current one live", n)
	}
	revoked := count(`SELECT count(*) FROM sessions WHERE revoked_at > 0`)
	if other := count(`SELECT count(*) FROM sessions WHERE revoked_at > 0 AND revoke_reason != 'code_reuse'`); revoked != gone || other != 0 {
		t.Errorf("%d sessions revoked, %d of them for something else than code reuse; want %d, one for each code refused on its retry",
			revoked, other, gone)
	}
}
