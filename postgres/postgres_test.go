package postgres_test

import (
	"context"
	"crypto/rand"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/postgres"
	"github.com/signet-auth/signet/storetest"
)

// freshSchema creates an empty schema and drops it when the test ends, so
// tests can run in parallel on one database.
func freshSchema(t testing.TB) (url, schema string) {
	t.Helper()
	url = postgres.TestURL(t)
	schema = "signet_test_" + strings.ToLower(rand.Text())
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(context.Background(), "CREATE SCHEMA "+pgx.Identifier{schema}.Sanitize()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx := context.Background()
		conn, err := pgx.Connect(ctx, url)
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+pgx.Identifier{schema}.Sanitize()+" CASCADE"); err != nil {
			t.Error(err)
		}
	})
	return url, schema
}

// open opens a handle on schema of the database at url.
func open(t testing.TB, url, schema string) *postgres.DB {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	cfg.ConnConfig.RuntimeParams["search_path"] = schema
	db, err := postgres.OpenConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// openFresh opens a handle on a new, empty schema.
func openFresh(t testing.TB) *postgres.DB {
	t.Helper()
	url, schema := freshSchema(t)
	return open(t, url, schema)
}

func TestConformance(t *testing.T) {
	postgres.TestURL(t)
	storetest.Run(t, func(t *testing.T) signet.Stores {
		return openFresh(t).Stores()
	})
}

// Two pools on one schema stand for two signet processes.
func TestRace(t *testing.T) {
	postgres.TestURL(t)
	storetest.RunRace(t, func(t *testing.T) (signet.Stores, signet.Stores) {
		url, schema := freshSchema(t)
		return open(t, url, schema).Stores(), open(t, url, schema).Stores()
	})
}

// Open takes the schema from the URL too, and applies the migrations only
// once however many processes open a new schema at the same moment.
func TestOpenURLWithSearchPath(t *testing.T) {
	url, schema := freshSchema(t)
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() {
			db, err := postgres.Open(t.Context(), url+sep+"search_path="+schema)
			if err == nil {
				err = db.Ready(t.Context())
				db.Close()
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
	db := open(t, url, schema)
	tables, err := db.Dump(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := tables["sessions"]; !ok {
		t.Errorf("tables in %s: %v", schema, tables)
	}
	files, err := filepath.Glob("migrations/*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("migrations: %v %v", files, err)
	}
	if n, want := len(tables["schema_migrations"]), 3*len(files); n != want { // a row of three cells per migration
		t.Errorf("schema_migrations holds %d cells, want %d", n, want)
	}
}

func BenchmarkRotate(b *testing.B) {
	storetest.BenchRotate(b, openFresh(b).Stores())
}

func BenchmarkRedeemCode(b *testing.B) {
	storetest.BenchRedeemCode(b, openFresh(b).Stores())
}

// Ready fails while an embedded migration is not recorded as applied.
func TestReadyNeedsEveryMigration(t *testing.T) {
	url, schema := freshSchema(t)
	db := open(t, url, schema)
	if err := db.Ready(t.Context()); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(t.Context(), "DELETE FROM "+pgx.Identifier{schema, "schema_migrations"}.Sanitize()); err != nil {
		t.Fatal(err)
	}
	if err := db.Ready(t.Context()); err == nil {
		t.Error("Ready with no migration recorded")
	}
}
