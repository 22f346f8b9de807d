package authserver

import (
	"context"
	"math/rand/v2"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/secret"
	"github.com/signet-auth/signet/sqlite"
)

// countedClients counts the client reads that reach the store.
type countedClients struct {
	signet.ClientStore
	reads atomic.Int64
}

func (c *countedClients) GetClient(ctx context.Context, id string) (signet.Client, error) {
	c.reads.Add(1)
	return c.ClientStore.GetClient(ctx, id)
}

func (c *countedClients) GetClientEpoch(ctx context.Context, id string) (signet.Client, signet.ClientEpoch, error) {
	c.reads.Add(1)
	return c.ClientStore.GetClientEpoch(ctx, id)
}

// node is one engine on its own handle of a shared SQLite database, the
// way two signet nodes share PostgreSQL.
func node(t *testing.T, path string, cache int, seed byte) (*fixture, *countedClients) {
	t.Helper()
	f, cfg := newFixtureConfig(t)
	// Each node draws its own secrets.
	cfg.Minter = secret.NewMinter(&lockedReader{r: rand.NewChaCha8([32]byte{seed})}, cfg.Minter.Hasher())
	db, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	f.stores = db.Stores()
	counted := &countedClients{ClientStore: f.stores.Clients}
	cfg.Users, cfg.Clients, cfg.Grants, cfg.Browser = f.stores.Users, counted, f.stores.Grants, f.stores.Browser
	cfg.ClientCache = cache
	if f.srv, err = New(cfg); err != nil {
		t.Fatal(err)
	}
	return f, counted
}

// twoNodes starts two engines on one database, the first with a
// counted client store, and creates the confidential client spec on the
// first.
func twoNodes(t *testing.T) (a, b *fixture, reads *countedClients, spec ClientSpec, first IssuedClient) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "signet.db")
	a, reads = node(t, path, 100, 1)
	b, _ = node(t, path, 100, 2)
	spec = ClientSpec{
		ID: "team-app", Name: "Team app", Type: signet.ClientConfidential,
		GrantTypes:   []string{signet.GrantAuthorizationCode, signet.GrantRefreshToken},
		RedirectURIs: []string{loopbackCB}, Scopes: []string{"sso:account:access", "openid"},
	}
	first, err := a.srv.CreateClient(a.ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	return a, b, reads, spec, first
}

// The token endpoint reads a client once per node, and a cached client is
// never trusted past the deletion of its id on another node: a client
// deleted and created again with the same id and a new secret does not
// accept the old secret on the node that cached it, and nothing rotates on
// its try.
func TestClientCacheIsConfirmedByTheStore(t *testing.T) {
	a, b, reads, spec, first := twoNodes(t)
	u := a.user("alice")

	a.login(first, u)
	before := reads.reads.Load()
	code := a.authorize(first, u, protocolOf(first))
	rt := a.token(a.codeRequest(first, code)).RefreshToken
	for range 3 {
		rt = a.token(a.refreshRequest(first, rt)).RefreshToken
	}
	if n := reads.reads.Load() - before; n != 1 {
		t.Errorf("a login (IssueCode, the code's redemption) and three refreshes read the client %d times, want once (IssueCode)", n)
	}

	// Another node deletes the client and creates it again.
	second := recreate(t, b, spec)
	if second.Secret == first.Secret {
		t.Fatal("the second client has the first one's secret")
	}
	rt2 := b.login(second, u).RefreshToken

	// The first node still holds the first client: its secret must not
	// refresh the new client's token.
	stale := a.refreshRequest(second, rt2)
	stale.Client = ClientSecret{ID: spec.ID, Secret: first.Secret}
	_, err := a.srv.Token(a.ctx, stale)
	wantErr(t, err, signet.CodeInvalidClient, "")
	if _, g, err := a.stores.Grants.LookupRefresh(a.ctx, a.srv.hasher.Digest(rt2)); err != nil || !g.RotatedAt.IsZero() {
		t.Fatalf("the new client's refresh token after the refused try: rotated at %v, %v", g.RotatedAt, err)
	}
	// Its own secret does, and the first client's session is gone.
	a.token(a.refreshRequest(second, rt2))
	_, err = a.srv.Token(a.ctx, a.refreshRequest(first, rt))
	wantErr(t, err, signet.CodeInvalidClient, "")
}

// A code redeemed on a node that cached its client before another node
// deleted and created it again is confirmed like a refresh (signet.
// CodeRedemption.ClientEpoch): the old secret is refused and the code is
// not burned by the try, so the new secret still redeems it.
func TestClientCacheConfirmsCodeRedemption(t *testing.T) {
	a, b, _, spec, first := twoNodes(t)
	u := a.user("dave")
	a.login(first, u) // the client is now cached on a

	second := recreate(t, b, spec)
	code := a.authorize(second, u, protocolOf(second))
	stale := a.codeRequest(second, code)
	stale.Client = ClientSecret{ID: spec.ID, Secret: first.Secret}
	_, err := a.srv.Token(a.ctx, stale)
	wantErr(t, err, signet.CodeInvalidClient, "")
	a.token(a.codeRequest(second, code))
}

// The first refresh after another node deleted the client and created it
// again presents the new secret: the node that still holds the old client
// reads it again instead of refusing, and a wrong secret for a cached
// client costs that same read, as an unknown id does (CL-02).
func TestClientCacheRereadsBeforeRefusing(t *testing.T) {
	a, b, reads, spec, first := twoNodes(t)
	u := a.user("carol")
	a.token(a.refreshRequest(first, a.login(first, u).RefreshToken)) // the client is now cached

	second := recreate(t, b, spec)
	rt := b.login(second, u).RefreshToken
	rt = a.token(a.refreshRequest(second, rt)).RefreshToken

	before := reads.reads.Load()
	wrong := a.refreshRequest(second, rt)
	wrong.Client = ClientSecret{ID: spec.ID, Secret: second.Secret + "x"}
	_, err := a.srv.Token(a.ctx, wrong)
	wantErr(t, err, signet.CodeInvalidClient, "")
	unknown := a.refreshRequest(second, rt)
	unknown.Client = ClientSecret{ID: "no-such-app", Secret: second.Secret}
	_, err = a.srv.Token(a.ctx, unknown)
	wantErr(t, err, signet.CodeInvalidClient, "")
	if n := reads.reads.Load() - before; n != 2 {
		t.Errorf("a wrong secret and an unknown id read the store %d times, want once each", n)
	}
	a.token(a.refreshRequest(second, rt))
}

// Without a cache every refresh reads its client.
func TestNoClientCacheReadsEveryTime(t *testing.T) {
	f, reads := node(t, filepath.Join(t.TempDir(), "signet.db"), 0, 1)
	c := f.ssoClient()
	rt := f.login(c, f.user("bob")).RefreshToken
	before := reads.reads.Load()
	for range 3 {
		rt = f.token(f.refreshRequest(c, rt)).RefreshToken
	}
	if n := reads.reads.Load() - before; n != 3 {
		t.Errorf("three refreshes read the client %d times, want 3", n)
	}
}

// Device polls read their client through the cache too: two polls read it
// once, and a poll on a node that holds a deleted client is refused for the
// old secret without redeeming the approved authorization.
func TestClientCacheConfirmsDevicePoll(t *testing.T) {
	path := filepath.Join(t.TempDir(), "signet.db")
	a, reads := node(t, path, 100, 1)
	b, _ := node(t, path, 100, 2)
	spec := ClientSpec{
		ID: "tv-app", Name: "TV app", Type: signet.ClientConfidential,
		GrantTypes: []string{signet.GrantDeviceCode, signet.GrantRefreshToken}, Scopes: []string{"sso:account:access"},
	}
	first, err := a.srv.CreateClient(a.ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	u := a.user("erin")
	d := a.startDevice(first)
	before := reads.reads.Load()
	for range 2 {
		_, err := a.srv.Token(a.ctx, deviceRequest(first, d.DeviceCode))
		wantErr(t, err, signet.CodeAuthorizationPending, "")
	}
	if n := reads.reads.Load() - before; n != 1 {
		t.Errorf("two polls read the client %d times, want once", n)
	}

	second := recreate(t, b, spec)
	d2 := a.startDevice(second)
	if _, err := a.srv.ApproveDevice(a.ctx, d2.UserCode, u.ID); err != nil {
		t.Fatal(err)
	}
	stale := deviceRequest(second, d2.DeviceCode)
	stale.Client = ClientSecret{ID: spec.ID, Secret: first.Secret}
	_, err = a.srv.Token(a.ctx, stale)
	wantErr(t, err, signet.CodeInvalidClient, "")
	if resp := a.token(deviceRequest(second, d2.DeviceCode)); resp.UserID != u.ID {
		t.Fatalf("the approved poll after the refused one: %+v", resp)
	}
}

// recreate deletes the client of spec on node b and creates it again: the
// same id, a new secret.
func recreate(t *testing.T, b *fixture, spec ClientSpec) IssuedClient {
	t.Helper()
	if err := b.stores.Clients.DeleteClient(b.ctx, spec.ID, b.clock.Now()); err != nil {
		t.Fatal(err)
	}
	c, err := b.srv.CreateClient(b.ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
