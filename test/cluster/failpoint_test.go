package cluster

import (
	"database/sql"
	"errors"
	"net/http"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/signin"
	signintypes "github.com/aws/aws-sdk-go-v2/service/signin/types"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"

	apisignin "github.com/signet-auth/signet/api/signin"
	"github.com/signet-auth/signet/internal/failpoint"
	"github.com/signet-auth/signet/secret"
)

// TestCC05_FailPoints kills a node with SIGKILL at each named fail-point
// of a grant (package internal/failpoint, armed through SIGNET_FAILPOINTS)
// while the real SDK clients drive it, restarts it on the same store
// without the point, and checks what catalogue CC-05 expects to have
// survived:
//
//   - grant-claimed (inside the transaction, after the code, device code
//     or refresh token was consumed, before the tokens are stored):
//     nothing; it is unused and works when the client retries.
//   - grant-committed (after the commit, before the reply): the grant;
//     a retried code is refused and revokes the set the lost reply carried
//     (AC-07), a retried SSO refresh inside the grace window gets the
//     successor the lost call stored (RT-02), a retried Sign-In refresh
//     gets the same credentials and refresh token.
//   - reuse-revoking (inside the transaction, after the revocation a reused
//     code or refresh token triggered): no revocation; the next reuse
//     revokes.
//   - reuse-revoked (after that revocation committed, before the refusal):
//     the revocation, and the family stays revoked.
//
// Unlike TestCC05_KillUnderLoad, which kills at random moments under load,
// every kill here lands at a known line, so each outcome is asserted, not
// sampled.
func TestCC05_FailPoints(t *testing.T) {
	t.Run("SQLite", func(t *testing.T) {
		dir := t.TempDir()
		runFailPoints(t, []string{"--data-dir", dir}, false, func(t *testing.T) (*sql.DB, func(string) string) {
			db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "signet.db")+"?mode=ro&_pragma=query_only(1)")
			if err != nil {
				t.Fatal(err)
			}
			return db, func(q string) string { return q }
		})
	})
	t.Run("PostgreSQL", func(t *testing.T) {
		url, _ := postgresDB(t)
		runFailPoints(t, []string{"--data-dir", t.TempDir(), "--database-url", url}, true, func(t *testing.T) (*sql.DB, func(string) string) {
			db, err := sql.Open("pgx", url)
			if err != nil {
				t.Fatal(err)
			}
			return db, dollarParams
		})
	})
}

// fpRun is one node on one store, restarted with and without fail-points.
type fpRun struct {
	n          *node
	env        []string // the node's environment without SIGNET_FAILPOINTS
	db         *sql.DB  // the store, read by the test
	rebind     func(string) string
	hasher     *secret.Hasher
	id, secret string // the SSO OIDC client
	postgres   bool
}

func runFailPoints(t *testing.T, storeArgs []string, postgres bool, open func(*testing.T) (*sql.DB, func(string) string)) {
	master := masterKey(t)
	r := &fpRun{postgres: postgres, env: baseEnv("SIGNET_MASTER_KEY="+master,
		"SIGNET_RATE_LIMIT_NODE=off", "SIGNET_RATE_LIMIT_IP=off", "SIGNET_RATE_LIMIT_CLIENT=off")}
	// A 1 minute grace window (the maximum) covers a retry across a
	// restart; auto-approval makes the browser step one GET.
	r.n = newNode(t, "failpoint", r.env, append([]string{"--dev", "--dev-auto-approve", "--refresh-grace", "1m",
		"--log-level", "warn"}, storeArgs...)...)
	r.start(t, "")
	reg, err := ssoClient(r.n.base).RegisterClient(t.Context(), &ssooidc.RegisterClientInput{
		ClientName: aws.String("failpoint-test"), ClientType: aws.String("public"), Scopes: []string{ssoScope},
		GrantTypes: []string{"authorization_code", "refresh_token"}, RedirectUris: []string{redirectNoPort},
		IssuerUrl: aws.String(startURL),
	})
	if err != nil {
		t.Fatal(err)
	}
	r.id, r.secret = aws.ToString(reg.ClientId), aws.ToString(reg.ClientSecret)
	r.db, r.rebind = open(t)
	// No connection outlives a query: the node under it is killed and
	// restarted all the time.
	r.db.SetMaxIdleConns(0)
	t.Cleanup(func() { r.db.Close() })
	r.hasher = unsealHasher(t, r.db, master)

	var rt string // the newest refresh token of the first grant
	steps := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"grant-claimed/code", func(t *testing.T) { rt = r.claimedCode(t) }},
		{"grant-claimed/refresh", func(t *testing.T) { rt = r.claimedRefresh(t, rt) }},
		{"grant-committed+reuse-revoking/code", r.committedCode},
		{"grant-committed/refresh", func(t *testing.T) { r.committedRefresh(t, rt) }},
		{"reuse-revoking+reuse-revoked/refresh", r.reuseRevocation},
		{"grant-committed/signin-refresh", r.committedSignIn},
		{"grant-claimed/device-code", r.claimedDevice},
	}
	for _, s := range steps {
		if !t.Run(s.name, s.run) {
			return // the later steps build on the store this one left
		}
	}
}

// start starts the node with point armed ("" for none).
func (r *fpRun) start(t *testing.T, point string) {
	t.Helper()
	r.n.env = slices.Clone(r.env)
	if point != "" {
		r.n.env = append(r.n.env, failpoint.EnvVar+"="+point+"="+failpoint.ActionKill)
	}
	if err := r.n.start(); err != nil {
		t.Fatal(err)
	}
	if armed := strings.Contains(r.n.current().stderr.String(), "FAIL-POINTS ARMED"); armed != (point != "") {
		t.Fatalf("fail-point %q: the armed warning in the log is %v", point, armed)
	}
}

// restart stops the node gracefully and starts it with point armed.
func (r *fpRun) restart(t *testing.T, point string) {
	t.Helper()
	if err := r.n.stop(syscall.SIGTERM); err != nil {
		t.Fatalf("graceful stop: %v", err)
	}
	closeIdle()
	r.start(t, point)
}

// closeIdle drops the clients' pooled connections to a process that is
// gone, so that no request is lost on one.
func closeIdle() { http.DefaultTransport.(*http.Transport).CloseIdleConnections() }

// killedAt asserts that the call that returned err got no reply because
// the node killed itself with SIGKILL at point, then starts the node again
// on the same store with next armed ("" for none).
func (r *fpRun) killedAt(t *testing.T, point string, err error, next string) {
	t.Helper()
	if !lostReply(err) {
		t.Fatalf("fail-point %s: the client got an answer (%v), want none", point, err)
	}
	p := r.n.current()
	select {
	case <-p.exited:
	case <-time.After(stopTimeout):
		t.Fatalf("fail-point %s: the node is still running after the call failed: %v", point, err)
	}
	var ee *exec.ExitError
	if !errors.As(p.err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("fail-point %s: the node ended with %v, not by SIGKILL", point, p.err)
	}
	if want := `msg="FAIL-POINT: killing this process (SIGKILL)" point=` + point; !strings.Contains(p.stderr.String(), want) {
		t.Fatalf("fail-point %s: the log does not say %s:\n%s", point, want, tail(p.stderr.String(), 2000))
	}
	closeIdle()
	r.start(t, next)
}

// alive asserts that the node did not die.
func (r *fpRun) alive(t *testing.T) {
	t.Helper()
	select {
	case <-r.n.current().exited:
		t.Fatalf("the node died: %v", r.n.current().err)
	default:
	}
}

// code runs the browser step (auto-approved) of `aws sso login`.
func (r *fpRun) code(t *testing.T) (string, pkce) {
	t.Helper()
	p := newPKCE()
	return newBrowser(t).authorize(r.n.base, "/authorize?"+authorizeQuery(r.id, loopback, p, "scopes", ssoScope), devUser, "", loopback), p
}

// What the store holds, read through the test's own handle.

type codeState struct {
	usedAt  int64
	session string
}

func (r *fpRun) codeState(t *testing.T, code string) codeState {
	t.Helper()
	var c codeState
	if err := r.db.QueryRowContext(t.Context(), r.rebind(`SELECT used_at, session_id FROM codes WHERE digest = ?`),
		digest(r.hasher, code)).Scan(&c.usedAt, &c.session); err != nil {
		t.Fatalf("code: %v", err)
	}
	return c
}

type sessionState struct {
	revokedAt  int64
	reason     string
	generation int64
	gens       int64 // rows in token_generations
	live       int64 // those not rotated
}

func (r *fpRun) session(t *testing.T, id string) sessionState {
	t.Helper()
	var s sessionState
	if err := r.db.QueryRowContext(t.Context(), r.rebind(`SELECT s.revoked_at, s.revoke_reason, s.generation,
			(SELECT count(*) FROM token_generations g WHERE g.session_id = s.id),
			(SELECT count(*) FROM token_generations g WHERE g.session_id = s.id AND g.rotated_at = 0)
		FROM sessions s WHERE s.id = ?`), id).Scan(&s.revokedAt, &s.reason, &s.generation, &s.gens, &s.live); err != nil {
		t.Fatalf("session %s: %v", id, err)
	}
	return s
}

func (r *fpRun) sessions(t *testing.T, clientID string) int {
	t.Helper()
	var n int
	if err := r.db.QueryRowContext(t.Context(), r.rebind(`SELECT count(*) FROM sessions WHERE client_id = ?`), clientID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

type genState struct {
	session               string
	generation, rotatedAt int64
}

// gen is the stored generation of a refresh token.
func (r *fpRun) gen(t *testing.T, rt string) genState {
	t.Helper()
	var g genState
	if err := r.db.QueryRowContext(t.Context(), r.rebind(`SELECT session_id, generation, rotated_at FROM token_generations
		WHERE refresh_digest = ?`), digest(r.hasher, rt)).Scan(&g.session, &g.generation, &g.rotatedAt); err != nil {
		t.Fatalf("refresh token's generation: %v", err)
	}
	return g
}

// claimedCode: a kill after the code was claimed, before its session was
// stored, leaves the code unused; the retry redeems it. It returns the
// refresh token the retry got.
func (r *fpRun) claimedCode(t *testing.T) string {
	code, p := r.code(t)
	before := r.sessions(t, r.id)
	r.restart(t, failpoint.GrantClaimed)
	_, err := redeemSSO(t.Context(), r.n.base, r.id, r.secret, code, p)
	r.killedAt(t, failpoint.GrantClaimed, err, "")

	if c := r.codeState(t, code); c.usedAt != 0 || c.session != "" || r.sessions(t, r.id) != before {
		t.Fatalf("after the kill: code used_at %d, session %q, %d sessions (%d before): want nothing committed",
			c.usedAt, c.session, r.sessions(t, r.id), before)
	}
	out, err := redeemSSO(t.Context(), r.n.base, r.id, r.secret, code, p)
	if err != nil {
		t.Fatalf("the retry of the code: %v", err)
	}
	c := r.codeState(t, code)
	if s := r.session(t, c.session); c.usedAt == 0 || s.revokedAt != 0 || s.gens != 1 {
		t.Fatalf("after the retry: code used_at %d, session %+v; want used, naming a live session", c.usedAt, s)
	}
	return aws.ToString(out.RefreshToken)
}

// claimedRefresh: a kill after the refresh token was marked rotated, before
// its successor was stored, leaves it unrotated; the retry rotates it. On
// PostgreSQL the rotation is one statement with no such moment, so the
// point is not met and the refresh is answered.
func (r *fpRun) claimedRefresh(t *testing.T, rt string) string {
	g := r.gen(t, rt)
	r.restart(t, failpoint.GrantClaimed)
	out, err := refreshSSO(t.Context(), r.n.base, r.id, r.secret, rt)
	if r.postgres {
		if err != nil {
			t.Fatalf("refresh on PostgreSQL with grant-claimed armed: %v; want 200 (one statement, no point)", err)
		}
		r.alive(t)
		if s := r.session(t, g.session); s.generation != g.generation+1 || s.gens != g.generation+2 || s.live != 1 {
			t.Fatalf("after the refresh: session %+v; want exactly one successor", s)
		}
		r.restart(t, "")
		return aws.ToString(out.RefreshToken)
	}
	r.killedAt(t, failpoint.GrantClaimed, err, "")

	if now, s := r.gen(t, rt), r.session(t, g.session); now.rotatedAt != 0 || s.generation != g.generation || s.gens != g.generation+1 {
		t.Fatalf("after the kill: generation %+v, session %+v; want nothing committed", now, s)
	}
	out, err = refreshSSO(t.Context(), r.n.base, r.id, r.secret, rt)
	if err != nil {
		t.Fatalf("the retry of the refresh: %v", err)
	}
	next := r.gen(t, aws.ToString(out.RefreshToken))
	if s := r.session(t, g.session); next.session != g.session || next.generation != g.generation+1 ||
		s.generation != next.generation || s.live != 1 || s.revokedAt != 0 {
		t.Fatalf("after the retry: successor %+v, session %+v; want one live successor", next, s)
	}
	return aws.ToString(out.RefreshToken)
}

// committedCode: a kill after the redemption committed, before the reply,
// keeps the session it made; the client's retry is refused and revokes it
// (AC-07). The first retry is killed in the middle of that revocation
// (reuse-revoking), which must then not have happened.
func (r *fpRun) committedCode(t *testing.T) {
	code, p := r.code(t)
	r.restart(t, failpoint.GrantCommitted)
	_, err := redeemSSO(t.Context(), r.n.base, r.id, r.secret, code, p)
	r.killedAt(t, failpoint.GrantCommitted, err, failpoint.ReuseRevoking)

	c := r.codeState(t, code)
	if c.usedAt == 0 || c.session == "" {
		t.Fatalf("after the kill: code used_at %d, session %q; want the redemption committed", c.usedAt, c.session)
	}
	if s := r.session(t, c.session); s.revokedAt != 0 || s.gens != 1 || s.live != 1 {
		t.Fatalf("after the kill: the lost set's session %+v; want it stored and live", s)
	}

	_, err = redeemSSO(t.Context(), r.n.base, r.id, r.secret, code, p)
	r.killedAt(t, failpoint.ReuseRevoking, err, "")
	if s := r.session(t, c.session); s.revokedAt != 0 {
		t.Fatalf("after a kill inside the reuse's transaction: session %+v; want the revocation rolled back", s)
	}

	_, err = redeemSSO(t.Context(), r.n.base, r.id, r.secret, code, p)
	if errorCode(err) != "InvalidGrantException" {
		t.Fatalf("the retry of a code whose redemption committed: %v; want InvalidGrantException", err)
	}
	if s := r.session(t, c.session); s.revokedAt == 0 || s.reason != "code_reuse" {
		t.Fatalf("after the refused retry: the lost set's session %+v; want it revoked for code reuse", s)
	}
}

// committedRefresh: a kill after the rotation committed, before the reply,
// keeps the successor; the retry inside the grace window gets exactly that
// successor (RT-02), raises no reuse alarm, and the successor rotates on.
func (r *fpRun) committedRefresh(t *testing.T, rt string) {
	g := r.gen(t, rt)
	r.restart(t, failpoint.GrantCommitted)
	_, err := refreshSSO(t.Context(), r.n.base, r.id, r.secret, rt)
	r.killedAt(t, failpoint.GrantCommitted, err, "")

	s := r.session(t, g.session)
	if now := r.gen(t, rt); now.rotatedAt == 0 || s.generation != g.generation+1 || s.gens != g.generation+2 || s.live != 1 {
		t.Fatalf("after the kill: generation %+v, session %+v; want the rotation committed", now, s)
	}
	out, err := refreshSSO(t.Context(), r.n.base, r.id, r.secret, rt)
	if err != nil {
		t.Fatalf("the retry inside the grace window: %v", err)
	}
	next := r.gen(t, aws.ToString(out.RefreshToken))
	if after := r.session(t, g.session); next.session != g.session || next.generation != s.generation ||
		after.gens != s.gens || after.revokedAt != 0 {
		t.Fatalf("after the retry: got generation %+v, session %+v; want the stored successor (generation %d), nothing new",
			next, after, s.generation)
	}
	if _, err := refreshSSO(t.Context(), r.n.base, r.id, r.secret, aws.ToString(out.RefreshToken)); err != nil {
		t.Fatalf("refresh of the successor the retry got: %v", err)
	}
}

// reuseRevocation: a rotated-out refresh token comes back. The first
// presentation is killed inside the revoking transaction: nothing is
// revoked. The second is killed after the revocation committed: the
// family stays revoked after the restart.
func (r *fpRun) reuseRevocation(t *testing.T) {
	code, p := r.code(t)
	out, err := redeemSSO(t.Context(), r.n.base, r.id, r.secret, code, p)
	if err != nil {
		t.Fatal(err)
	}
	old := aws.ToString(out.RefreshToken)
	rt := old
	for range 2 { // two rotations: old is then outside any grace retry
		out, err := refreshSSO(t.Context(), r.n.base, r.id, r.secret, rt)
		if err != nil {
			t.Fatal(err)
		}
		rt = aws.ToString(out.RefreshToken)
	}
	id := r.gen(t, old).session

	r.restart(t, failpoint.ReuseRevoking)
	_, err = refreshSSO(t.Context(), r.n.base, r.id, r.secret, old)
	r.killedAt(t, failpoint.ReuseRevoking, err, failpoint.ReuseRevoked)
	if s := r.session(t, id); s.revokedAt != 0 || s.generation != 2 {
		t.Fatalf("after a kill inside the reuse's transaction: session %+v; want it live, unchanged", s)
	}

	_, err = refreshSSO(t.Context(), r.n.base, r.id, r.secret, old)
	r.killedAt(t, failpoint.ReuseRevoked, err, "")
	if s := r.session(t, id); s.revokedAt == 0 || s.reason != "reuse" {
		t.Fatalf("after a kill once the revocation committed: session %+v; want it revoked for reuse", s)
	}
	for name, tok := range map[string]string{"the newest refresh token": rt, "the reused one": old} {
		if _, err := refreshSSO(t.Context(), r.n.base, r.id, r.secret, tok); errorCode(err) != "InvalidGrantException" {
			t.Errorf("%s of the revoked family after the restart: %v; want InvalidGrantException", name, err)
		}
	}
}

// committedSignIn: `aws login`'s refresh killed after the rotation
// committed, before the reply; the retries (fresh DPoP proofs, same key)
// get one and the same result, the successor the lost call stored.
func (r *fpRun) committedSignIn(t *testing.T) {
	key := newDPoPKey(t)
	htu := r.n.base + "/v1/token" // the issuer: the node's first address, kept across restarts
	p := newPKCE()
	code := newBrowser(t).authorize(r.n.base, "/v1/authorize?"+authorizeQuery(apisignin.ClientSameDevice, loopback, p,
		"scope", "openid", "code_challenge_method", "SHA-256"), devUser, "", loopback)
	call := func(in *signintypes.CreateOAuth2TokenRequestBody) (*signintypes.CreateOAuth2TokenResponseBody, error) {
		in.ClientId = aws.String(apisignin.ClientSameDevice)
		out, err := signinClient(r.n.base).CreateOAuth2Token(t.Context(), &signin.CreateOAuth2TokenInput{TokenInput: in},
			withProof(key.proof(t, htu)))
		if err != nil {
			return nil, err
		}
		return out.TokenOutput, nil
	}
	tok, err := call(&signintypes.CreateOAuth2TokenRequestBody{GrantType: aws.String("authorization_code"),
		Code: aws.String(code), RedirectUri: aws.String(loopback), CodeVerifier: aws.String(p.verifier)})
	if err != nil {
		t.Fatal(err)
	}
	rt := aws.ToString(tok.RefreshToken)
	g := r.gen(t, rt)
	refresh := func() (*signintypes.CreateOAuth2TokenResponseBody, error) {
		return call(&signintypes.CreateOAuth2TokenRequestBody{GrantType: aws.String("refresh_token"), RefreshToken: aws.String(rt)})
	}

	r.restart(t, failpoint.GrantCommitted)
	_, err = refresh()
	r.killedAt(t, failpoint.GrantCommitted, err, "")
	s := r.session(t, g.session)
	if s.generation != g.generation+1 || s.gens != g.generation+2 {
		t.Fatalf("after the kill: session %+v; want the rotation committed", s)
	}

	first, err := refresh()
	if err != nil {
		t.Fatalf("the retry: %v", err)
	}
	second, err := refresh()
	if err != nil {
		t.Fatalf("the second retry: %v", err)
	}
	same := func(a, b *signintypes.CreateOAuth2TokenResponseBody) bool {
		return aws.ToString(a.RefreshToken) == aws.ToString(b.RefreshToken) &&
			aws.ToString(a.AccessToken.AccessKeyId) == aws.ToString(b.AccessToken.AccessKeyId) &&
			aws.ToString(a.AccessToken.SecretAccessKey) == aws.ToString(b.AccessToken.SecretAccessKey) &&
			aws.ToString(a.AccessToken.SessionToken) == aws.ToString(b.AccessToken.SessionToken)
	}
	if !same(first, second) {
		t.Error("two retries of the lost refresh got different credentials or refresh tokens")
	}
	next := r.gen(t, aws.ToString(first.RefreshToken))
	if after := r.session(t, g.session); next.session != g.session || next.generation != s.generation ||
		after.gens != s.gens || after.revokedAt != 0 {
		t.Fatalf("after the retries: got generation %+v, session %+v; want the stored successor (generation %d), nothing new",
			next, after, s.generation)
	}
}

// claimedDevice: a kill after an approved device code was marked redeemed,
// before its session was stored, leaves it approved and unpolled; the
// client's next poll gets the tokens.
func (r *fpRun) claimedDevice(t *testing.T) {
	reg, err := ssoClient(r.n.base).RegisterClient(t.Context(), &ssooidc.RegisterClientInput{
		ClientName: aws.String("failpoint-device"), ClientType: aws.String("public"), Scopes: []string{ssoScope},
	})
	if err != nil {
		t.Fatal(err)
	}
	id, secret := aws.ToString(reg.ClientId), aws.ToString(reg.ClientSecret)
	// Approved at once (--dev-auto-approve), as if the user had been quick.
	sda, err := ssoClient(r.n.base).StartDeviceAuthorization(t.Context(), &ssooidc.StartDeviceAuthorizationInput{
		ClientId: aws.String(id), ClientSecret: aws.String(secret), StartUrl: aws.String(startURL),
	})
	if err != nil {
		t.Fatal(err)
	}
	poll := func() (*ssooidc.CreateTokenOutput, error) {
		return ssoClient(r.n.base).CreateToken(t.Context(), &ssooidc.CreateTokenInput{
			ClientId: aws.String(id), ClientSecret: aws.String(secret),
			GrantType: aws.String("urn:ietf:params:oauth:grant-type:device_code"), DeviceCode: sda.DeviceCode,
		})
	}
	device := func() (status, session string, polled int64) {
		t.Helper()
		if err := r.db.QueryRowContext(t.Context(), r.rebind(`SELECT status, session_id, last_polled_at
			FROM device_authorizations WHERE digest = ?`), digest(r.hasher, aws.ToString(sda.DeviceCode))).
			Scan(&status, &session, &polled); err != nil {
			t.Fatalf("device authorization: %v", err)
		}
		return status, session, polled
	}

	r.restart(t, failpoint.GrantClaimed)
	_, err = poll()
	r.killedAt(t, failpoint.GrantClaimed, err, "")
	if status, session, polled := device(); status != "approved" || session != "" || polled != 0 || r.sessions(t, id) != 0 {
		t.Fatalf("after the kill: device status %q, session %q, last polled %d, %d sessions; want nothing committed",
			status, session, polled, r.sessions(t, id))
	}
	out, err := poll()
	if err != nil {
		t.Fatalf("the next poll: %v", err)
	}
	status, session, _ := device()
	if g := r.gen(t, aws.ToString(out.RefreshToken)); status != "redeemed" || g.session != session || r.session(t, session).revokedAt != 0 {
		t.Fatalf("after the next poll: device status %q, session %q, the refresh token's session %q; want redeemed, one live session",
			status, session, g.session)
	}
}
