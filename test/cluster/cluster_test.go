package cluster

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/signin"
	signintypes "github.com/aws/aws-sdk-go-v2/service/signin/types"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
	"github.com/jackc/pgx/v5/pgxpool"

	apisignin "github.com/signet-auth/signet/api/signin"
)

// What the AWS CLI registers and uses (see api/ssooidc's interop tests).
const (
	startURL       = "https://d-1234567890.awsapps.com/start"
	redirectNoPort = "http://127.0.0.1/oauth/callback"
	loopback       = "http://127.0.0.1:53219/oauth/callback" // the port the CLI's local server got
	ssoScope       = "sso:account:access"
	deviceInterval = 30 * time.Second // --device-interval
	slowDownStep   = 5 * time.Second  // RFC 8628 §3.5; authserver's default SlowDownStep
	devUser        = "dev"
)

// cluster is three `signet serve` processes on one PostgreSQL schema with
// one master key and one issuer, as behind a load balancer: a client may
// reach any node, and the DPoP htu names the issuer, not the node.
type cluster struct {
	nodes    []*node
	issuer   string
	dbURL    string
	db       *pgxpool.Pool
	env      []string // the nodes' environment: the master key
	password string   // the dev user's
	browser  *browser // signed in as the dev user
}

// startCluster starts the three nodes; serveArgs go to every node's
// `signet serve` after the common flags (a test's own limits, say).
func startCluster(t *testing.T, serveArgs ...string) *cluster {
	t.Helper()
	dbURL, pool := postgresDB(t)
	c := &cluster{dbURL: dbURL, db: pool, env: baseEnv("SIGNET_MASTER_KEY=" + masterKey(t))}
	// Behind a (trusted) proxy --dev is refused (catalogue DG-01): such a
	// cluster gets its user from the admin command instead.
	dev := []string{"--dev"}
	behindProxy := slices.Contains(serveArgs, "--trusted-proxy")
	if behindProxy {
		dev = nil
	}
	args := func(extra ...string) []string {
		// The longest refresh grace, so that a loser of CC-02's race slowed
		// down by a busy machine still retries inside it.
		return slices.Concat(dev, []string{"--data-dir", t.TempDir(), "--database-url", dbURL,
			"--device-interval", deviceInterval.String(), "--refresh-grace", "1m"}, serveArgs, extra)
	}
	// The first node migrates the schema and creates the keys and the dev
	// user; its address is the issuer of all three.
	first := newNode(t, "n1", c.env, args()...)
	if err := first.start(); err != nil {
		t.Fatal(err)
	}
	c.issuer = first.base
	var pw string
	var err error
	if behindProxy {
		pw = addDevUser(t, c)
	} else if pw, err = first.devPassword(); err != nil {
		t.Fatal(err)
	}
	c.password = pw
	c.nodes = []*node{first}
	for _, name := range []string{"n2", "n3"} {
		c.nodes = append(c.nodes, newNode(t, name, c.env, args("--issuer", c.issuer)...))
	}
	var wg sync.WaitGroup
	errs := make([]error, len(c.nodes))
	for i, n := range c.nodes[1:] {
		wg.Go(func() { errs[i] = n.start() })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	c.browser = newBrowser(t)
	c.browser.signIn(c.nodes[1].base, devUser, c.password, "/")
	return c
}

// addDevUser creates, with the admin command, the user --dev would have
// made (same name and assignment), for a cluster that cannot run --dev,
// and returns its password.
func addDevUser(t *testing.T, c *cluster) string {
	t.Helper()
	var b [12]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	pw := "cluster " + hex.EncodeToString(b[:])
	ctx, cancel := context.WithTimeout(context.Background(), adminTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, signetBin, "admin", "user", "add", devUser, "--password-stdin",
		"--account", "000000000000", "--role", "Developer", "--database-url", c.dbURL)
	cmd.Env, cmd.Stdin = c.env, strings.NewReader(pw+"\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("signet admin user add: %v\n%s", err, out)
	}
	return pw
}

// atOnce runs call(i) for i in [0, n) on n goroutines released together.
func atOnce(n int, call func(i int) error) []error {
	errs := make([]error, n)
	start := make(chan struct{})
	var ready, done sync.WaitGroup
	for i := range n {
		ready.Add(1)
		done.Go(func() {
			ready.Done()
			<-start
			errs[i] = call(i)
		})
	}
	ready.Wait()
	close(start)
	done.Wait()
	return errs
}

// registerSSO registers an SSO OIDC client on the first node.
func (c *cluster) registerSSO(t *testing.T, grants ...string) (id, secret string) {
	t.Helper()
	in := &ssooidc.RegisterClientInput{ClientName: aws.String("cluster-test"), ClientType: aws.String("public"),
		Scopes: []string{ssoScope}, GrantTypes: grants}
	if slices.Contains(grants, "authorization_code") {
		in.RedirectUris, in.IssuerUrl = []string{redirectNoPort}, aws.String(startURL)
	}
	out, err := ssoClient(c.nodes[0].base).RegisterClient(t.Context(), in)
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.ClientId), aws.ToString(out.ClientSecret)
}

// ssoCode runs `aws sso login`'s browser step on node n.
func (c *cluster) ssoCode(t *testing.T, n *node, clientID string, p pkce) string {
	t.Helper()
	return c.browser.authorize(n.base, "/authorize?"+authorizeQuery(clientID, loopback, p, "scopes", ssoScope),
		devUser, c.password, loopback)
}

func redeemSSO(ctx context.Context, base, id, secret, code string, p pkce) (*ssooidc.CreateTokenOutput, error) {
	return ssoClient(base).CreateToken(ctx, &ssooidc.CreateTokenInput{
		ClientId: aws.String(id), ClientSecret: aws.String(secret), GrantType: aws.String("authorization_code"),
		Code: aws.String(code), RedirectUri: aws.String(loopback), CodeVerifier: aws.String(p.verifier),
	})
}

func refreshSSO(ctx context.Context, base, id, secret, rt string) (*ssooidc.CreateTokenOutput, error) {
	return ssoClient(base).CreateToken(ctx, &ssooidc.CreateTokenInput{
		ClientId: aws.String(id), ClientSecret: aws.String(secret), GrantType: aws.String("refresh_token"),
		RefreshToken: aws.String(rt),
	})
}

// sessionRow is a session as stored, with its token generations.
type sessionRow struct {
	id, reason          string
	revokedAt           int64
	generation          int64
	gens, liveGens      int64 // rows in token_generations; those not rotated
	codeRows, codeUsers int64 // codes of the client; codes naming this session
}

// sessions reads every session of a client.
func (c *cluster) sessions(t *testing.T, clientID string) []sessionRow {
	t.Helper()
	rows, err := c.db.Query(t.Context(), `
		SELECT s.id, s.revoke_reason, s.revoked_at, s.generation,
			(SELECT count(*) FROM token_generations g WHERE g.session_id = s.id),
			(SELECT count(*) FROM token_generations g WHERE g.session_id = s.id AND g.rotated_at = 0),
			(SELECT count(*) FROM codes k WHERE k.client_id = s.client_id),
			(SELECT count(*) FROM codes k WHERE k.session_id = s.id AND k.used_at > 0)
		FROM sessions s WHERE s.client_id = $1 ORDER BY s.created_at`, clientID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []sessionRow
	for rows.Next() {
		var r sessionRow
		if err := rows.Scan(&r.id, &r.reason, &r.revokedAt, &r.generation, &r.gens, &r.liveGens, &r.codeRows, &r.codeUsers); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func (c *cluster) count(t *testing.T, query string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := c.db.QueryRow(t.Context(), query, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// perNode simultaneous calls on each node in the race tests: enough for a
// race, few enough for two shared cores (and under any per-client rate
// limit's burst).
const perNode = 4

func TestCluster(t *testing.T) {
	c := startCluster(t)
	t.Run("CC01_CodeRedeemedOnceAcrossNodes", c.testCC01)
	t.Run("CC02_RefreshRaceAcrossNodesOneLineage", c.testCC02)
	t.Run("DP03_ProofReplayedOnAnotherNode", c.testDP03)
	t.Run("DV02_SlowDownStoredForEveryNode", c.testDV02)
	t.Run("BS01_BrowserSessionEndsOnEveryNode", c.testBS01)
	t.Run("AU03_OneExportHoldsEveryNodesRecords", c.testAU03)
	// Last: it restarts the nodes.
	t.Run("CC09_RotatedKeyInEveryNodesJWKS", c.testCC09)
}

// CC-01: one code redeemed on all three nodes at once gives exactly one
// token set; every other call is InvalidGrantException (never a 500), and
// the losers' replays revoke what the winner got (RFC 6749 §4.1.2, AC-07).
func (c *cluster) testCC01(t *testing.T) {
	ctx := t.Context()
	id, secret := c.registerSSO(t, "authorization_code", "refresh_token")
	p := newPKCE()
	code := c.ssoCode(t, c.nodes[1], id, p)

	n := perNode * len(c.nodes)
	outs := make([]*ssooidc.CreateTokenOutput, n)
	errs := atOnce(n, func(i int) (err error) {
		outs[i], err = redeemSSO(ctx, c.nodes[i%len(c.nodes)].base, id, secret, code, p)
		return err
	})
	var won []int
	for i, err := range errs {
		switch {
		case err == nil:
			won = append(won, i)
		case errorCode(err) != "InvalidGrantException":
			t.Errorf("redemption %d on %s: %v, want InvalidGrantException", i, c.nodes[i%len(c.nodes)].name, err)
		}
	}
	if len(won) != 1 {
		t.Fatalf("%d of %d simultaneous redemptions succeeded, want exactly 1", len(won), n)
	}

	ss := c.sessions(t, id)
	if len(ss) != 1 {
		t.Fatalf("%d sessions for one code, want 1: %+v", len(ss), ss)
	}
	s := ss[0]
	if s.gens != 1 || s.codeRows != 1 || s.codeUsers != 1 {
		t.Errorf("session %+v: want one token generation and one used code naming it", s)
	}
	if s.revokedAt == 0 || s.reason != "code_reuse" {
		t.Errorf("session after %d replays of its code: revoked_at %d, reason %q; want revoked for code reuse", n-1, s.revokedAt, s.reason)
	}
	// What the winner got is dead on every node.
	for _, nd := range c.nodes {
		if _, err := refreshSSO(ctx, nd.base, id, secret, aws.ToString(outs[won[0]].RefreshToken)); errorCode(err) != "InvalidGrantException" {
			t.Errorf("refresh of the revoked set on %s: %v, want InvalidGrantException", nd.name, err)
		}
	}
}

// CC-02: one SSO refresh token refreshed on all three nodes at once: one
// successor, which every 200 carries (the losers' retries in the grace
// window, RT-02), and nothing revoked.
func (c *cluster) testCC02(t *testing.T) {
	ctx := t.Context()
	id, secret := c.registerSSO(t, "authorization_code", "refresh_token")
	p := newPKCE()
	tok, err := redeemSSO(ctx, c.nodes[0].base, id, secret, c.ssoCode(t, c.nodes[2], id, p), p)
	if err != nil {
		t.Fatal(err)
	}
	rt0 := aws.ToString(tok.RefreshToken)

	n := perNode * len(c.nodes)
	outs := make([]*ssooidc.CreateTokenOutput, n)
	errs := atOnce(n, func(i int) (err error) {
		outs[i], err = refreshSSO(ctx, c.nodes[i%len(c.nodes)].base, id, secret, rt0)
		return err
	})
	successors := map[string]bool{}
	for i, err := range errs {
		switch {
		case err == nil:
			successors[aws.ToString(outs[i].RefreshToken)] = true
		case errorCode(err) != "InvalidGrantException":
			t.Errorf("refresh %d on %s: %v", i, c.nodes[i%len(c.nodes)].name, err)
		}
	}
	if len(successors) != 1 {
		t.Fatalf("%d distinct successors from %d simultaneous refreshes, want 1", len(successors), n)
	}
	ss := c.sessions(t, id)
	if len(ss) != 1 {
		t.Fatalf("%d sessions, want 1: %+v", len(ss), ss)
	}
	if s := ss[0]; s.revokedAt != 0 || s.generation != 1 || s.gens != 2 || s.liveGens != 1 {
		t.Fatalf("after the race: %+v; want not revoked, generation 1, two generations of which one live", s)
	}

	// The lineage goes on from the one successor, on any node.
	var rt1 string
	for rt := range successors {
		rt1 = rt
	}
	if _, err := refreshSSO(ctx, c.nodes[2].base, id, secret, rt1); err != nil {
		t.Fatalf("refresh of the successor: %v", err)
	}
	if s := c.sessions(t, id)[0]; s.revokedAt != 0 || s.generation != 2 || s.liveGens != 1 {
		t.Fatalf("after refreshing the successor: %+v", s)
	}
}

// signInTokens runs aws login against node n: the browser step on n, then
// the code redeemed on n with a proof from key.
func (c *cluster) signInTokens(t *testing.T, n *node, key dpopKey) *signintypes.CreateOAuth2TokenResponseBody {
	t.Helper()
	p := newPKCE()
	code := c.browser.authorize(n.base, "/v1/authorize?"+authorizeQuery(apisignin.ClientSameDevice, loopback, p,
		"scope", "openid", "code_challenge_method", "SHA-256"), devUser, c.password, loopback)
	out, err := signinClient(n.base).CreateOAuth2Token(t.Context(), &signin.CreateOAuth2TokenInput{
		TokenInput: &signintypes.CreateOAuth2TokenRequestBody{
			ClientId: aws.String(apisignin.ClientSameDevice), GrantType: aws.String("authorization_code"),
			Code: aws.String(code), RedirectUri: aws.String(loopback), CodeVerifier: aws.String(p.verifier),
		},
	}, withProof(key.proof(t, c.issuer+"/v1/token")))
	if err != nil {
		t.Fatalf("CreateOAuth2Token on %s: %v", n.name, err)
	}
	return out.TokenOutput
}

func refreshSignIn(ctx context.Context, n *node, rt, proof string) error {
	_, err := signinClient(n.base).CreateOAuth2Token(ctx, &signin.CreateOAuth2TokenInput{
		TokenInput: &signintypes.CreateOAuth2TokenRequestBody{
			ClientId: aws.String(apisignin.ClientSameDevice), GrantType: aws.String("refresh_token"),
			RefreshToken: aws.String(rt),
		},
	}, withProof(proof))
	return err
}

// thumbprint is the RFC 7638 JWK thumbprint of an EC P-256 key: the
// session's dpop_jkt.
func (k dpopKey) thumbprint(t *testing.T) string {
	pub, err := k.priv.PublicKey.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	b64 := base64.RawURLEncoding.EncodeToString
	sum := sha256.Sum256(fmt.Appendf(nil, `{"crv":"P-256","kty":"EC","x":"%s","y":"%s"}`, b64(pub[1:33]), b64(pub[33:])))
	return b64(sum[:])
}

// DP-03 / CC-08: a DPoP proof accepted by one node is refused when replayed
// on the same node or on another, because the jti is remembered in the
// shared database; the refused replays consume and revoke nothing.
func (c *cluster) testDP03(t *testing.T) {
	ctx := t.Context()
	key := newDPoPKey(t)
	tok := c.signInTokens(t, c.nodes[1], key)
	rt := aws.ToString(tok.RefreshToken)
	htu := c.issuer + "/v1/token"

	proof := key.proof(t, htu)
	if err := refreshSignIn(ctx, c.nodes[0], rt, proof); err != nil {
		t.Fatalf("first use of the proof on %s: %v", c.nodes[0].name, err)
	}
	marks := c.count(t, `SELECT count(*) FROM replay_marks`)
	for _, n := range c.nodes {
		err := refreshSignIn(ctx, n, rt, proof)
		var ve *signintypes.ValidationException
		if !errors.As(err, &ve) || ve.Error_ != signintypes.OAuth2ErrorCodeInvalidRequest {
			t.Errorf("proof replayed on %s: %v, want ValidationException INVALID_REQUEST", n.name, err)
		}
	}
	if after := c.count(t, `SELECT count(*) FROM replay_marks`); after != marks || marks == 0 {
		t.Errorf("replay marks: %d before the replays, %d after; want the same, non-zero", marks, after)
	}
	// The refresh token was neither consumed nor revoked by the replays: a
	// fresh proof from the key holder works on every node (RT-03).
	for _, n := range c.nodes {
		if err := refreshSignIn(ctx, n, rt, key.proof(t, htu)); err != nil {
			t.Errorf("fresh proof on %s after the replays: %v", n.name, err)
		}
	}
	if n := c.count(t, `SELECT count(*) FROM sessions WHERE dpop_jkt = $1 AND revoked_at = 0`, key.thumbprint(t)); n != 1 {
		t.Errorf("%d live sessions bound to the key, want 1", n)
	}
}

// DV-02: polling one device code on three nodes faster than the interval
// gets SlowDownException on every node, because the interval, raised by
// 5 s at each slow_down, is stored with the code (RFC 8628 §3.5).
func (c *cluster) testDV02(t *testing.T) {
	ctx := t.Context()
	id, secret := c.registerSSO(t)
	sda, err := ssoClient(c.nodes[0].base).StartDeviceAuthorization(ctx, &ssooidc.StartDeviceAuthorizationInput{
		ClientId: aws.String(id), ClientSecret: aws.String(secret), StartUrl: aws.String(startURL),
	})
	if err != nil {
		t.Fatal(err)
	}
	if time.Duration(sda.Interval)*time.Second != deviceInterval {
		t.Fatalf("interval %d s, want %s", sda.Interval, deviceInterval)
	}
	poll := func(n *node) error {
		_, err := ssoClient(n.base).CreateToken(ctx, &ssooidc.CreateTokenInput{
			ClientId: aws.String(id), ClientSecret: aws.String(secret),
			GrantType: aws.String("urn:ietf:params:oauth:grant-type:device_code"), DeviceCode: sda.DeviceCode,
		})
		return err
	}
	// The first poll is on time, the second at once is let through (the
	// AWS CLI's double poll, AB-03); the next three, on each node in turn,
	// come well inside the interval.
	polls := []struct {
		n    *node
		want string
	}{
		{c.nodes[0], "AuthorizationPendingException"},
		{c.nodes[1], "AuthorizationPendingException"},
		{c.nodes[2], "SlowDownException"},
		{c.nodes[0], "SlowDownException"},
		{c.nodes[1], "SlowDownException"},
	}
	for i, p := range polls {
		if got := errorCode(poll(p.n)); got != p.want {
			t.Fatalf("poll %d on %s: %q, want %s", i+1, p.n.name, got, p.want)
		}
	}
	var intervalMS int64
	var status string
	if err := c.db.QueryRow(ctx, `SELECT interval_ms, status FROM device_authorizations WHERE client_id = $1`, id).
		Scan(&intervalMS, &status); err != nil {
		t.Fatal(err)
	}
	if want := deviceInterval + 3*slowDownStep; time.Duration(intervalMS)*time.Millisecond != want || status != "pending" {
		t.Fatalf("stored interval %d ms, status %q; want %s after three slow_downs, pending", intervalMS, status, want)
	}
}

var (
	rotatedRe      = regexp.MustCompile(`new signing key (\S+), signs from`)
	clientIDRe     = regexp.MustCompile(`(?m)^client_id: (\S+)$`)
	clientSecretRe = regexp.MustCompile(`(?m)^client_secret: (\S+)$`)
)

// CC-09: a signing key added by `signet admin keys rotate` is published in
// every node's JWKS once the node reloads its keys, while no node signs
// with it yet (it signs only after the publish delay), so a relying party
// never meets a token whose key some node's JWKS lacks.
//
// A node reloads its keys at start and when a token names a key id it
// does not know (rate-limited); serve has no periodic reload. Here the
// second node meets the new kid in a token sent to introspection, and the
// others reload by a rolling restart.
func (c *cluster) testCC09(t *testing.T) {
	before := jwksKids(t, c.nodes[0].base)
	for _, n := range c.nodes[1:] {
		if got := jwksKids(t, n.base); !sameSet(got, before) {
			t.Fatalf("JWKS of %s %v, of %s %v: nodes disagree before the rotation", n.name, got, c.nodes[0].name, before)
		}
	}
	// A relying party: a confidential client that may introspect.
	created := admin(t, c.env, "client", "create", "--name", "relying party", "--grant-type", "client_credentials",
		"--database-url", c.dbURL)
	id, secret := clientIDRe.FindStringSubmatch(created), clientSecretRe.FindStringSubmatch(created)
	if id == nil || secret == nil {
		t.Fatalf("client create printed %q", created)
	}

	out := admin(t, c.env, "keys", "rotate", "--database-url", c.dbURL)
	m := rotatedRe.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("keys rotate printed %q", out)
	}
	kid := m[1]
	var purpose string
	var activeAt int64
	if err := c.db.QueryRow(t.Context(), `SELECT purpose, active_at FROM server_keys WHERE id = $1`, kid).Scan(&purpose, &activeAt); err != nil {
		t.Fatal(err)
	}
	if purpose != "signing" || time.UnixMilli(activeAt).Before(time.Now()) {
		t.Fatalf("rotated key %s: purpose %q, active from %s; want a signing key active later", kid, purpose, time.UnixMilli(activeAt))
	}

	// The second node meets a token naming the new kid (forged: no node
	// signs with it yet) and reloads; the token itself is refused.
	n2 := c.nodes[1]
	if active, err := introspect(n2.base, id[1], secret[1], forgedJWT(t, kid)); err != nil || active {
		t.Fatalf("introspection of a forged token on %s: active %v, %v", n2.name, active, err)
	}
	if got := jwksKids(t, n2.base); !slices.Contains(got, kid) || !subset(before, got) {
		t.Fatalf("JWKS of %s after meeting the new kid: %v; want %v and %s", n2.name, got, before, kid)
	}

	// The first node reloads by restart; the third has not reloaded. What
	// the first signs now names a key every node publishes.
	if err := c.nodes[0].restart(); err != nil {
		t.Fatal(err)
	}
	if got := jwksKids(t, c.nodes[0].base); !slices.Contains(got, kid) || !subset(before, got) {
		t.Fatalf("JWKS of %s after its restart: %v; want %v and %s", c.nodes[0].name, got, before, kid)
	}
	idToken := aws.ToString(c.signInTokens(t, c.nodes[0], newDPoPKey(t)).IdToken)
	signedWith := jwtKid(t, idToken)
	if signedWith == kid {
		t.Fatalf("%s signs with %s before the publish delay", c.nodes[0].name, kid)
	}
	for _, n := range c.nodes {
		if got := jwksKids(t, n.base); !slices.Contains(got, signedWith) {
			t.Errorf("%s signed an ID token with %s, which the JWKS of %s (%v) lacks", c.nodes[0].name, signedWith, n.name, got)
		}
	}

	if err := c.nodes[2].restart(); err != nil {
		t.Fatal(err)
	}
	for _, n := range c.nodes {
		if got := jwksKids(t, n.base); !slices.Contains(got, kid) || !subset(before, got) {
			t.Errorf("JWKS of %s after the rollout: %v; want %v and %s", n.name, got, before, kid)
		}
	}
}

// forgedJWT is an ES256 JWT naming kid, signed by a key of its own.
func forgedJWT(t *testing.T, kid string) string {
	t.Helper()
	b64 := base64.RawURLEncoding.EncodeToString
	return newDPoPKey(t).sign(t, b64(fmt.Appendf(nil, `{"alg":"ES256","typ":"JWT","kid":%q}`, kid))+"."+
		b64(fmt.Appendf(nil, `{"iss":"x","exp":%d}`, time.Now().Add(time.Hour).Unix())))
}

// introspect asks a node's RFC 7662 endpoint whether token is active.
func introspect(base, id, secret, token string) (bool, error) {
	req, err := http.NewRequest(http.MethodPost, base+"/oauth2/introspect", strings.NewReader(url.Values{"token": {token}}.Encode()))
	if err != nil {
		return false, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret)) // RFC 6749 §2.3.1
	resp, err := (&http.Client{Timeout: httpTimeout}).Do(req)
	if err != nil {
		return false, err
	}
	defer resp.Body.Close()
	var body struct {
		Active bool `json:"active"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != http.StatusOK {
		return false, fmt.Errorf("introspect: %d %v", resp.StatusCode, err)
	}
	return body.Active, nil
}

func subset(a, b []string) bool {
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}

func sameSet(a, b []string) bool { return subset(a, b) && subset(b, a) }
