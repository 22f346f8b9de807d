package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/sqlite"
	"github.com/signet-auth/signet/storetest"
)

func open(t testing.TB, path string) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Error(err)
		}
	})
	return db
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) signet.Stores {
		return open(t, filepath.Join(t.TempDir(), "signet.db")).Stores()
	})
}

// Two *DB on one file stand for two processes sharing it.
func TestRace(t *testing.T) {
	storetest.RunRace(t, func(t *testing.T) (signet.Stores, signet.Stores) {
		path := filepath.Join(t.TempDir(), "signet.db")
		return open(t, path).Stores(), open(t, path).Stores()
	})
}

// 64 concurrent writers on one handle and 64 on another never see
// "database is locked": writers queue on the one writer connection, and the
// two handles wait for each other through busy_timeout.
func TestConcurrentWriters(t *testing.T) {
	path := filepath.Join(t.TempDir(), "signet.db")
	dbs := []*sqlite.DB{open(t, path), open(t, path)}
	const writers, each = 64, 5
	var wg sync.WaitGroup
	errs := make(chan error, 4*writers*each) // two results per write pair
	for d, db := range dbs {
		for w := range writers {
			wg.Go(func() {
				for i := range each {
					id := fmt.Sprintf("c-%d-%d-%d", d, w, i)
					errs <- db.CreateClient(t.Context(), signet.Client{ID: id, Type: signet.ClientPublic, CreatedAt: time.UnixMilli(1)})
					_, err := db.MarkUsed(t.Context(), signet.Digest{byte(d), byte(w), byte(i)}, time.UnixMilli(10), time.UnixMilli(1))
					errs <- err
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	list, err := dbs[1].ListClients(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2*writers*each {
		t.Errorf("%d clients, want %d", len(list), 2*writers*each)
	}
}

// Close and reopen: what was committed is still there, and the migrations
// are not applied twice.
func TestRestartPersistence(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "signet.db")
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	now := time.UnixMilli(1_700_000_000_000).UTC()
	u := signet.User{ID: "u", Name: "alice", PasswordHash: "x", CreatedAt: now, UpdatedAt: now}
	c := signet.Client{ID: "c", Type: signet.ClientPublic, Scopes: []string{"openid"}, CreatedAt: now}
	k := signet.Key{ID: "k", Purpose: signet.KeyHMAC, Algorithm: "HS256", Sealed: []byte{1}, CreatedAt: now}
	code := signet.AuthorizationCode{Digest: signet.Digest{1}, ClientID: "c", UserID: "u", CreatedAt: now, ExpiresAt: now.Add(time.Minute)}
	for _, err := range []error{db.CreateUser(ctx, u), db.CreateClient(ctx, c), db.AddKey(ctx, k), db.CreateCode(ctx, code)} {
		if err != nil {
			t.Fatal(err)
		}
	}
	_, s, g, err := db.RedeemCode(ctx, signet.CodeRedemption{Digest: code.Digest, Now: now,
		Check: func(signet.AuthorizationCode, signet.User) error { return nil },
		Grant: func(signet.AuthorizationCode) (signet.Session, signet.TokenGeneration) {
			return signet.Session{ID: "s", ClientID: "c", UserID: "u", CreatedAt: now, ExpiresAt: now.Add(time.Hour)},
				signet.TokenGeneration{RefreshDigest: signet.Digest{2}, AccessDigest: signet.Digest{3}, IssuedAt: now}
		}})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db = open(t, path)
	if got, err := db.GetUser(ctx, "u"); err != nil || got.Name != "alice" {
		t.Errorf("user after restart: %+v, %v", got, err)
	}
	if got, err := db.GetClient(ctx, "c"); err != nil || len(got.Scopes) != 1 {
		t.Errorf("client after restart: %+v, %v", got, err)
	}
	if got, err := db.ListKeys(ctx); err != nil || len(got) != 1 {
		t.Errorf("keys after restart: %+v, %v", got, err)
	}
	gs, gg, err := db.LookupRefresh(ctx, g.RefreshDigest)
	if err != nil || gs.ID != s.ID || gg.AccessDigest != g.AccessDigest {
		t.Errorf("session after restart: %+v %+v, %v", gs, gg, err)
	}
	if err := db.Ready(ctx); err != nil {
		t.Errorf("Ready after restart: %v", err)
	}
}

// The file and the directory made for it are private to the owner.
func TestFileModes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data", "signet")
	path := filepath.Join(dir, "signet.db")
	open(t, path)
	for p, want := range map[string]os.FileMode{dir: 0o700, path: 0o600} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("%s: mode %v, want %v", p, got, want)
		}
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		if fi, err := os.Stat(path + suffix); err == nil && fi.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s: mode %v, readable by others", suffix, fi.Mode().Perm())
		}
	}
}

// Two processes opening a new file at once both end up with one schema.
func TestConcurrentOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "signet.db")
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() {
			db, err := sqlite.Open(t.Context(), path)
			if err == nil {
				err = errors.Join(db.Ready(t.Context()), db.Close())
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

func BenchmarkRotate(b *testing.B) {
	storetest.BenchRotate(b, open(b, filepath.Join(b.TempDir(), "signet.db")).Stores())
}

func BenchmarkRedeemCode(b *testing.B) {
	storetest.BenchRedeemCode(b, open(b, filepath.Join(b.TempDir(), "signet.db")).Stores())
}

// Ready fails while an embedded migration is not recorded as applied.
func TestReadyNeedsEveryMigration(t *testing.T) {
	path := filepath.Join(t.TempDir(), "signet.db")
	db := open(t, path)
	if err := db.Ready(t.Context()); err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.ExecContext(t.Context(), `DELETE FROM schema_migrations`); err != nil {
		t.Fatal(err)
	}
	if err := db.Ready(t.Context()); err == nil {
		t.Error("Ready with no migration recorded")
	}
}
