package storetiming_test

import (
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/internal/storetiming"
	"github.com/signet-auth/signet/sqlite"
	"github.com/signet-auth/signet/storetest"
)

type counts struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *counts) StoreLatency(op string, _ time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n[op]++
}

// The whole conformance suite through the wrapper: it forwards every
// method unchanged (a wrong forward fails the suite), and observes each.
func TestConformanceThroughWrapper(t *testing.T) {
	seen := &counts{n: map[string]int{}}
	storetest.Run(t, func(t *testing.T) signet.Stores {
		db, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "signet.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		w := storetiming.Wrap(db.Stores(), seen)
		// The suite's SE-01 check dumps the database through Health.
		w.Health = db.Stores().Health
		return w
	})
	for _, op := range []string{"create_user", "get_user", "create_client", "get_client", "create_code", "redeem_code",
		"create_device", "poll_device", "decide_device", "rotate", "lookup_access", "mark_used", "add_key", "list_keys",
		"collect", "revoke_session", "rate_hit", "create_access_key", "get_access_key", "list_access_keys",
		"delete_access_key", "set_client_jwks", "client_jwks", "create_browser_session", "get_browser_session",
		"touch_browser_session", "revoke_browser_session"} {
		if seen.n[op] == 0 {
			t.Errorf("no observation for %s", op)
		}
	}
}

func TestNilObserverLeavesStoresAlone(t *testing.T) {
	db, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "signet.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s := db.Stores()
	if got := storetiming.Wrap(s, nil); got != s {
		t.Fatal("Wrap with a nil observer changed the stores")
	}
}
