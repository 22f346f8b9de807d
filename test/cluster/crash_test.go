package cluster

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/internal/storecore"
	"github.com/signet-auth/signet/keyring"
	"github.com/signet-auth/signet/secret"
)

// The crash run's bounds: kills at random moments 0.3 to 1.5 s apart, a
// few clients, each op bounded.
const (
	kills        = 5
	killMinGap   = 300 * time.Millisecond
	killMaxGap   = 1500 * time.Millisecond
	workers      = 3
	maxOpsWorker = 2000
	chainLen     = 2 // refreshes of one grant before the client starts another
	readyTimeout = 30 * time.Second
	opTimeout    = 10 * time.Second
	sendAttempts = 3 // tries of one refresh when replies are lost
	replyHold    = 20 * time.Millisecond
)

// codeResult is how a code redemption ended for the client.
type codeResult string

const (
	codeOK           codeResult = "ok"            // 200 at the first try
	codeLostOK       codeResult = "lost, then ok" // no reply; the retry got 200 (the first never committed)
	codeLostRejected codeResult = "lost, then rejected"
	codeUnknown      codeResult = "lost twice" // no reply to the retry either
)

// chain is one grant as its client holds it; one worker owns it.
type chain struct {
	rts   []string // refresh tokens received with a 200, oldest first
	stuck bool     // the last one was presented and no reply came back
}

// ledger is everything the clients saw on the wire.
type ledger struct {
	mu        sync.Mutex
	codes     map[string]codeResult
	presented map[string]bool // refresh token → sent for rotation
	// retried: refresh token → when the retry that got a 200 was sent,
	// after the reply to an earlier try was lost.
	retried    map[string]time.Time
	chains     []*chain
	lost       int // requests without a reply
	ops        int
	violations []string // answers the rules forbid
}

func (l *ledger) violation(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.violations = append(l.violations, fmt.Sprintf(format, args...))
}

// crashLoad is the clients of one node: an SSO OIDC client whose users
// sign in (auto-approved) and refresh.
type crashLoad struct {
	base, id, secret string
	l                *ledger
}

// lostReply tells a request that got no answer (the node died, or was not
// up yet) from one the server answered.
func lostReply(err error) bool { return err != nil && errorCode(err) == "" }

// waitUp waits until the node answers /readyz again after a kill.
func (c *crashLoad) waitUp(ctx context.Context, hc *http.Client) {
	deadline := time.Now().Add(readyTimeout)
	for ctx.Err() == nil && time.Now().Before(deadline) {
		if resp, err := hc.Get(c.base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(25 * time.Millisecond)
	}
}

func (c *crashLoad) worker(ctx context.Context) {
	hc := &http.Client{Timeout: opTimeout, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	sso := ssoClient(c.base)
	var cur *chain
	for range maxOpsWorker {
		if ctx.Err() != nil {
			return
		}
		c.l.mu.Lock()
		c.l.ops++
		c.l.mu.Unlock()
		if cur == nil || cur.stuck || len(cur.rts) > chainLen {
			cur = c.newChain(ctx, hc)
			continue
		}
		c.refresh(ctx, hc, sso, cur)
	}
}

// newChain signs in (the browser step, auto-approved) and redeems the code.
func (c *crashLoad) newChain(ctx context.Context, hc *http.Client) *chain {
	p := newPKCE()
	resp, err := hc.Get(c.base + "/authorize?" + authorizeQuery(c.id, loopback, p, "scopes", ssoScope))
	if err != nil {
		c.waitUp(ctx, hc)
		return nil
	}
	resp.Body.Close()
	code, err := codeFrom(resp.Header.Get("Location"), loopback)
	if err != nil {
		c.l.violation("authorize: %d: %v", resp.StatusCode, err)
		return nil
	}
	out, err := redeemSSO(context.Background(), c.base, c.id, c.secret, code, p)
	result := codeOK
	if lostReply(err) {
		c.lose()
		c.waitUp(ctx, hc)
		// A client whose reply was lost tries again (CC-05): the code is
		// rejected if the first try committed, and what it made is revoked.
		out, err = redeemSSO(context.Background(), c.base, c.id, c.secret, code, p)
		switch {
		case err == nil:
			result = codeLostOK
		case errorCode(err) == "InvalidGrantException":
			result, err = codeLostRejected, nil
		case lostReply(err):
			c.lose()
			result, err = codeUnknown, nil
		}
	}
	if err != nil {
		c.l.violation("redeem a fresh code: %v", err)
		return nil
	}
	c.l.mu.Lock()
	defer c.l.mu.Unlock()
	c.l.codes[code] = result
	if out == nil || (result != codeOK && result != codeLostOK) {
		return nil
	}
	ch := &chain{rts: []string{aws.ToString(out.RefreshToken)}}
	c.l.chains = append(c.l.chains, ch)
	return ch
}

func (c *crashLoad) lose() {
	c.l.mu.Lock()
	c.l.lost++
	c.l.mu.Unlock()
}

// refresh rotates the chain's newest refresh token. A lost reply is
// retried with the same token: inside the grace window the server answers
// with the successor the lost call made, or makes one.
func (c *crashLoad) refresh(ctx context.Context, hc *http.Client, sso *ssooidc.Client, ch *chain) {
	rt := ch.rts[len(ch.rts)-1]
	c.l.mu.Lock()
	c.l.presented[rt] = true
	c.l.mu.Unlock()
	ch.stuck = true // until a reply comes
	var lostBefore bool
	for range sendAttempts {
		sent := time.Now()
		out, err := sso.CreateToken(context.Background(), &ssooidc.CreateTokenInput{
			ClientId: aws.String(c.id), ClientSecret: aws.String(c.secret), GrantType: aws.String("refresh_token"),
			RefreshToken: aws.String(rt),
		})
		switch {
		case err == nil:
			ch.rts, ch.stuck = append(ch.rts, aws.ToString(out.RefreshToken)), false
			if lostBefore {
				c.l.mu.Lock()
				c.l.retried[rt] = sent
				c.l.mu.Unlock()
			}
			return
		case lostReply(err):
			lostBefore = true
			c.lose()
			if ctx.Err() != nil {
				return // the load is over; the final check retries
			}
			c.waitUp(ctx, hc)
		default:
			c.l.violation("refresh (retry after a lost reply or not): %v", err)
			return
		}
	}
}

// lossyProxy stands between the clients and the node and holds every
// reply for a moment before passing it on. A crash drops the replies it
// holds: the node committed and answered, the client never hears of it —
// the "after commit, before reply" case, which a kill alone rarely hits
// because commits are microseconds from the reply.
type lossyProxy struct {
	target string // host:port
	hold   time.Duration
	client *http.Client
	epoch  atomic.Int64 // bumped at each crash
}

func (p *lossyProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	epoch := p.epoch.Load()
	out := r.Clone(r.Context())
	out.URL.Scheme, out.URL.Host, out.RequestURI, out.Host = "http", p.target, "", ""
	resp, err := p.client.Do(out)
	if err != nil {
		panic(http.ErrAbortHandler) // no reply from the node: none to the client either
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	time.Sleep(p.hold)
	if p.epoch.Load() != epoch {
		panic(http.ErrAbortHandler) // the node crashed while the reply was on its way
	}
	for k, v := range resp.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(body)
}

// TestCC05_KillUnderLoad runs refreshes and code redemptions through the
// HTTP API against one node, kills it with SIGKILL at random moments,
// restarts it on the same store, and then checks from the records that no
// crash lost a committed grant or made two of one. On SQLite the node owns
// the database file; on PostgreSQL the node dies with transactions open on
// a database that lives on. (PostgreSQL itself is never restarted: it is
// shared with the other tests on the machine.)
func TestCC05_KillUnderLoad(t *testing.T) {
	t.Run("SQLite", func(t *testing.T) {
		dir := t.TempDir()
		crashUnderLoad(t, []string{"--data-dir", dir}, func(t *testing.T) (*sql.DB, func(string) string) {
			db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "signet.db")+"?mode=ro&_pragma=query_only(1)")
			if err != nil {
				t.Fatal(err)
			}
			return db, func(q string) string { return q }
		})
	})
	t.Run("PostgreSQL", func(t *testing.T) {
		url, _ := postgresDB(t)
		crashUnderLoad(t, []string{"--data-dir", t.TempDir(), "--database-url", url}, func(t *testing.T) (*sql.DB, func(string) string) {
			db, err := sql.Open("pgx", url)
			if err != nil {
				t.Fatal(err)
			}
			return db, dollarParams
		})
	})
}

// dollarParams rewrites ? placeholders as PostgreSQL's $1, $2, ….
func dollarParams(q string) string {
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// crashUnderLoad runs the load and the kills against a node started with
// storeArgs, then checks the records through the handle open gives (its
// queries written with ? placeholders and rebound by the function).
func crashUnderLoad(t *testing.T, storeArgs []string, open func(*testing.T) (*sql.DB, func(string) string)) {
	master := masterKey(t)
	// Per-node request limits are off: the load comes from one address.
	// (Unknown SIGNET_* variables are ignored by builds without them.)
	env := baseEnv("SIGNET_MASTER_KEY="+master,
		"SIGNET_RATE_LIMIT_NODE=off", "SIGNET_RATE_LIMIT_IP=off", "SIGNET_RATE_LIMIT_CLIENT=off")
	// A 1 minute grace window (the maximum) covers a retry across a restart.
	n := newNode(t, "crash", env, append([]string{"--dev", "--dev-auto-approve", "--refresh-grace", "1m", "--log-level", "warn"},
		storeArgs...)...)
	if err := n.start(); err != nil {
		t.Fatal(err)
	}
	reg, err := ssoClient(n.base).RegisterClient(t.Context(), &ssooidc.RegisterClientInput{
		ClientName: aws.String("crash-test"), ClientType: aws.String("public"), Scopes: []string{ssoScope},
		GrantTypes: []string{"authorization_code", "refresh_token"}, RedirectUris: []string{redirectNoPort},
		IssuerUrl: aws.String(startURL),
	})
	if err != nil {
		t.Fatal(err)
	}
	proxy := &lossyProxy{target: n.addr, hold: replyHold, client: &http.Client{
		Timeout: opTimeout, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
	front := httptest.NewServer(proxy)
	defer front.Close()
	load := &crashLoad{base: front.URL, id: aws.ToString(reg.ClientId), secret: aws.ToString(reg.ClientSecret),
		l: &ledger{codes: map[string]codeResult{}, presented: map[string]bool{}, retried: map[string]time.Time{}}}

	ctx, stopLoad := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() { load.worker(ctx) })
	}
	seed := uint64(time.Now().UnixNano())
	t.Logf("kill schedule seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, seed>>1))
	for i := range kills {
		time.Sleep(killMinGap + time.Duration(rng.Int64N(int64(killMaxGap-killMinGap))))
		proxy.epoch.Add(1)
		err := n.stop(syscall.SIGKILL)
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
			stopLoad()
			wg.Wait()
			t.Fatalf("kill %d: the node ended with %v, not by SIGKILL", i+1, err)
		}
		if err := n.start(); err != nil {
			stopLoad()
			wg.Wait()
			t.Fatalf("restart %d: %v", i+1, err)
		}
	}
	time.Sleep(killMinGap) // some load on the last run too
	stopLoad()
	wg.Wait()

	l := load.l
	results := map[codeResult]int{}
	for _, r := range l.codes {
		results[r]++
	}
	stuck := 0
	for _, ch := range l.chains {
		if ch.stuck {
			stuck++
		}
	}
	t.Logf("%d ops, %d requests without a reply; codes %v; %d grants, %d stuck at the end", l.ops, l.lost, results, len(l.chains), stuck)
	for _, v := range l.violations {
		t.Errorf("on the wire: %s", v)
	}

	// Every grant's newest refresh token works after the restarts (for a
	// stuck one, as the retry of a lost reply).
	sso := ssoClient(n.base)
	for i, ch := range l.chains {
		out, err := sso.CreateToken(t.Context(), &ssooidc.CreateTokenInput{
			ClientId: aws.String(load.id), ClientSecret: aws.String(load.secret), GrantType: aws.String("refresh_token"),
			RefreshToken: aws.String(ch.rts[len(ch.rts)-1]),
		})
		if err != nil {
			t.Errorf("grant %d (%d refresh tokens, stuck %v): its newest refresh token after the restarts: %v", i, len(ch.rts), ch.stuck, err)
			continue
		}
		l.presented[ch.rts[len(ch.rts)-1]] = true
		ch.rts = append(ch.rts, aws.ToString(out.RefreshToken))
	}

	if err := n.stop(syscall.SIGTERM); err != nil {
		t.Fatalf("graceful stop: %v", err)
	}
	// The store opens cleanly for the admin command.
	listed := admin(t, env, append([]string{"sessions", "list", "--all"}, storeArgs...)...)
	db, rebind := open(t)
	defer db.Close()
	checkRecords(t, db, rebind, master, load, tokenSessionRows(listed))
}

// tokenSessionRows counts the token sessions (KIND token) in the output of
// `admin sessions list`; the browser sessions listed with them are not
// what the load made.
func tokenSessionRows(listed string) int {
	n := 0
	for _, line := range strings.Split(listed, "\n") {
		if f := strings.Fields(line); len(f) > 1 && f[1] == "token" {
			n++
		}
	}
	return n
}

// checkRecords checks the invariants of CC-05 on the database (SQLite's
// file opened read-only), against what the clients saw:
//
//  1. A code is used if and only if it names a session, and that session
//     exists: a redemption is all or nothing.
//  2. Every session of the client is named by exactly one code: no code
//     was redeemed twice, no token set exists without its code.
//  3. Every session's generations are 0…generation with no gap, and
//     exactly one of them, the newest, is not rotated: no session has two
//     live successors.
//  4. A session is revoked only for code reuse, and exactly the sessions
//     of the codes whose client lost the reply and was refused on retry
//     are: the lost set is revoked, nothing else.
//  5. Every code the client redeemed with a 200 names a live session.
//  6. Every refresh token the client received with a 200 is stored, its
//     session is live, and it is either the session's current generation
//     (rotated_at 0) or the client presented it for rotation and exactly
//     the next generation follows it.
func checkRecords(t *testing.T, db *sql.DB, rebind func(string) string, master string, load *crashLoad, listed int) {
	ctx := t.Context()
	hasher := unsealHasher(t, db, master)
	count := func(query string, args ...any) int {
		t.Helper()
		var n int
		if err := db.QueryRowContext(ctx, rebind(query), args...).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	queryRow := func(query string, args ...any) *sql.Row { return db.QueryRowContext(ctx, rebind(query), args...) }
	id := load.id

	sessions := count(`SELECT count(*) FROM sessions WHERE client_id = ?`, id)
	if sessions == 0 || listed != sessions {
		t.Errorf("%d sessions in the store, %d listed by the admin command", sessions, listed)
	}
	// 1.
	if n := count(`SELECT count(*) FROM codes WHERE client_id = ? AND (
			(used_at > 0 AND NOT EXISTS (SELECT 1 FROM sessions s WHERE s.id = codes.session_id)) OR
			(used_at = 0 AND session_id != ''))`, id); n != 0 {
		t.Errorf("1: %d codes used without a session, or naming one unused", n)
	}
	// 2.
	if n := count(`SELECT count(*) FROM sessions s WHERE s.client_id = ? AND
			(SELECT count(*) FROM codes c WHERE c.session_id = s.id) != 1`, id); n != 0 {
		t.Errorf("2: %d sessions not named by exactly one code", n)
	}
	// 3.
	if n := count(`SELECT count(*) FROM sessions s WHERE s.client_id = ? AND NOT (
			(SELECT count(*) FROM token_generations g WHERE g.session_id = s.id) = s.generation + 1 AND
			(SELECT min(generation) FROM token_generations g WHERE g.session_id = s.id) = 0 AND
			(SELECT max(generation) FROM token_generations g WHERE g.session_id = s.id) = s.generation AND
			(SELECT count(*) FROM token_generations g WHERE g.session_id = s.id AND g.rotated_at = 0) = 1 AND
			(SELECT rotated_at FROM token_generations g WHERE g.session_id = s.id AND g.generation = s.generation) = 0)`, id); n != 0 {
		t.Errorf("3: %d sessions whose generations are not 0…current with only the current one live", n)
	}
	// 4, 5.
	wantRevoked := 0
	for code, res := range load.l.codes {
		var usedAt, revokedAt int64
		var reason string
		err := queryRow(`SELECT c.used_at, s.revoked_at, s.revoke_reason FROM codes c
			JOIN sessions s ON s.id = c.session_id WHERE c.digest = ?`, digest(hasher, code)).Scan(&usedAt, &revokedAt, &reason)
		switch {
		case res == codeUnknown:
		case err != nil:
			t.Errorf("5: code (%s): no session: %v", res, err)
		case res == codeLostRejected:
			wantRevoked++
			if revokedAt == 0 || reason != "code_reuse" {
				t.Errorf("4: code whose reply was lost and whose retry was refused: session revoked_at %d, reason %q; want revoked for code reuse", revokedAt, reason)
			}
		case revokedAt != 0:
			t.Errorf("5: code redeemed with a 200 (%s): its session is revoked (%q)", res, reason)
		}
	}
	unknown := 0
	for _, res := range load.l.codes {
		if res == codeUnknown {
			unknown++
		}
	}
	revoked := count(`SELECT count(*) FROM sessions WHERE client_id = ? AND revoked_at > 0`, id)
	if count(`SELECT count(*) FROM sessions WHERE client_id = ? AND revoked_at > 0 AND revoke_reason != 'code_reuse'`, id) != 0 ||
		revoked < wantRevoked || revoked > wantRevoked+unknown {
		t.Errorf("4: %d sessions revoked; want %d for lost-and-refused codes (up to %d more for codes lost twice), all for code reuse",
			revoked, wantRevoked, unknown)
	}
	// 6.
	committedLost := 0 // refreshes whose lost try had committed: the retry got the stored successor
	defer func() {
		t.Logf("lost replies to refreshes: %d retried, %d of them after the lost try had committed", len(load.l.retried), committedLost)
	}()
	for i, ch := range load.l.chains {
		for j, rt := range ch.rts {
			var sessionID string
			var gen, rotatedAt, current, revokedAt int64
			err := queryRow(`SELECT g.session_id, g.generation, g.rotated_at, s.generation, s.revoked_at
				FROM token_generations g JOIN sessions s ON s.id = g.session_id WHERE g.refresh_digest = ?`,
				digest(hasher, rt)).Scan(&sessionID, &gen, &rotatedAt, &current, &revokedAt)
			if err != nil {
				t.Errorf("6: grant %d, refresh token %d received with a 200 is not stored: %v", i, j, err)
				continue
			}
			presented := load.l.presented[rt]
			next := count(`SELECT count(*) FROM token_generations WHERE session_id = ? AND generation = ?`, sessionID, gen+1)
			if sent, ok := load.l.retried[rt]; ok && next == 1 &&
				count(`SELECT count(*) FROM token_generations WHERE session_id = ? AND generation = ? AND issued_at < ?`,
					sessionID, gen+1, sent.UnixMilli()) == 1 {
				committedLost++
			}
			switch {
			case revokedAt != 0:
				t.Errorf("6: grant %d, refresh token %d: session revoked", i, j)
			case presented && (rotatedAt == 0 || next != 1):
				t.Errorf("6: grant %d, refresh token %d, presented: rotated_at %d, %d successors", i, j, rotatedAt, next)
			case !presented && (rotatedAt != 0 || gen != current):
				t.Errorf("6: grant %d, refresh token %d, never presented: generation %d of %d, rotated_at %d", i, j, gen, current, rotatedAt)
			}
		}
	}
}

func digest(h *secret.Hasher, token string) []byte {
	d := h.Digest(token)
	return d[:]
}

// readOnlyKeys is the key store of a database opened read-only: enough
// for keyring.Open on a store that holds its keys already.
type readOnlyKeys struct{ db *sql.DB }

func (k readOnlyKeys) ListKeys(ctx context.Context) ([]signet.Key, error) {
	rows, err := k.db.QueryContext(ctx, `SELECT `+storecore.KeyCols+` FROM server_keys ORDER BY created_at, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var keys []signet.Key
	for rows.Next() {
		key, err := storecore.ScanKey(rows)
		if err != nil {
			return nil, err
		}
		keys = append(keys, key)
	}
	return keys, rows.Err()
}

var errReadOnly = errors.New("the store is open read-only")

func (readOnlyKeys) AddKey(context.Context, signet.Key) error           { return errReadOnly }
func (readOnlyKeys) RetireKey(context.Context, string, time.Time) error { return errReadOnly }

// unsealHasher opens the server's keys with the master key, to look the
// clients' tokens up by digest as the server does.
func unsealHasher(t *testing.T, db *sql.DB, master string) *secret.Hasher {
	t.Helper()
	raw, err := keyring.LoadMasterKey(func(k string) string {
		if k == keyring.MasterKeyEnv {
			return master
		}
		return ""
	}, "")
	if err != nil {
		t.Fatal(err)
	}
	kr, err := keyring.Open(t.Context(), readOnlyKeys{db}, raw, signet.SystemClock{}, failingReader{}, keyring.Options{})
	if err != nil {
		t.Fatal(err)
	}
	h, err := secret.NewHasher(kr.HMACKey())
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// failingReader is the random source of a keyring that must draw nothing.
type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errReadOnly }
