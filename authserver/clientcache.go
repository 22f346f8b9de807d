package authserver

import (
	"context"
	"sync"

	"github.com/signet-auth/signet"
)

// clientCache keeps the clients this node read for the refresh, code and
// device grants, each with the client epoch it was read at
// (signet.ClientEpoch). Clients never change in place, and the epoch moves
// with every deletion, so an entry is exactly what the store holds for as
// long as the store's epoch is the entry's: the grant hands the epoch to
// Rotate, RedeemCode or PollDevice, which check it in the read or
// transaction that decides (Rotation.ClientEpoch and its kin). When a
// client was deleted since, on any node, the store answers
// ErrClientChanged with nothing changed and the grant is decided again on
// a fresh read (Token). A cached client that refuses the credential is
// read again before the refusal counts (authenticateSecret): the new
// client of a re-created id must not be refused by its predecessor. A
// refresh then reads no client row, which was one statement and a sixth of
// its CPU, and a code redemption or a device poll none either
// (docs/performance.md).
//
// Only those three grants read through it: every other grant, and every
// other use of a client, reads the store, since nothing would check the
// epoch after them. Bounded: at max entries it starts over empty.
type clientCache struct {
	max int
	obs ClientCacheObserver // nil: none

	mu sync.RWMutex
	m  map[string]cachedClient
}

type cachedClient struct {
	client signet.Client
	epoch  signet.ClientEpoch
}

// ClientCacheObserver counts the client cache's answers for metrics: an
// Observer that implements it is told of each ("hit", "miss", "stale").
type ClientCacheObserver interface {
	ClientCache(result string)
}

// newClientCache returns a cache of at most max clients; nil (no cache)
// for max ≤ 0.
func newClientCache(max int, o Observer) *clientCache {
	if max <= 0 {
		return nil
	}
	c := &clientCache{max: max, m: map[string]cachedClient{}}
	c.obs, _ = o.(ClientCacheObserver)
	return c
}

func (c *clientCache) count(result string) {
	if c.obs != nil {
		c.obs.ClientCache(result)
	}
}

// lookup returns the client id as the cache holds it, with the epoch it
// was read at; ok is false if it holds none. A nil cache holds none.
func (c *clientCache) lookup(id string) (_ signet.Client, _ signet.ClientEpoch, ok bool) {
	if c == nil {
		return signet.Client{}, 0, false
	}
	c.mu.RLock()
	e, ok := c.m[id]
	c.mu.RUnlock()
	if ok {
		c.count("hit")
	}
	return e.client, e.epoch, ok
}

// load reads the client id from the store with its epoch and keeps it.
func (c *clientCache) load(ctx context.Context, store signet.ClientStore, id string) (signet.Client, signet.ClientEpoch, error) {
	c.count("miss")
	cl, epoch, err := store.GetClientEpoch(ctx, id)
	if err != nil {
		return cl, epoch, err
	}
	c.mu.Lock()
	if len(c.m) >= c.max {
		clear(c.m)
	}
	if have, ok := c.m[id]; !ok || have.epoch < epoch {
		c.m[id] = cachedClient{cl, epoch}
	}
	c.mu.Unlock()
	return cl, epoch, nil
}

// drop forgets the client id.
func (c *clientCache) drop(id string) {
	c.mu.Lock()
	delete(c.m, id)
	c.mu.Unlock()
}

// reset empties the cache: the store has answered that a client was
// deleted since an entry was read, and every entry is as old or older.
func (c *clientCache) reset() {
	if c == nil {
		return
	}
	c.count("stale")
	c.mu.Lock()
	clear(c.m)
	c.mu.Unlock()
}
