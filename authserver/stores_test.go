package authserver

import (
	"path/filepath"
	"testing"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/sqlite"
)

// The store keeps private_key_jwt clients' keys.
var _ ClientKeyStore = (*sqlite.DB)(nil)

// openStores opens a fresh SQLite database in the test's temporary
// directory: the engine is tested against the real store.
func openStores(t testing.TB) signet.Stores {
	t.Helper()
	db, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "signet.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db.Stores()
}
