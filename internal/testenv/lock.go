package testenv

import (
	"context"
	"database/sql"
	"sync"
	"testing"
)

// HoldWriteLock takes the write lock of the environment's SQLite file from
// a connection of its own (BEGIN IMMEDIATE), as another process sharing the
// file would, and keeps it until release is called or the test ends. Reads
// go on (WAL); every write of the server waits for the lock and, past the
// store's busy timeout, fails with signet.ErrUnavailable (catalogue CC-06).
func (e *Env) HoldWriteLock(t testing.TB) (release func()) {
	t.Helper()
	db, err := sql.Open("sqlite", e.DBPath)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := db.Conn(context.Background())
	if err != nil {
		db.Close()
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(context.Background(), "BEGIN IMMEDIATE"); err != nil {
		conn.Close()
		db.Close()
		t.Fatal(err)
	}
	var once sync.Once
	release = func() {
		once.Do(func() {
			if _, err := conn.ExecContext(context.Background(), "ROLLBACK"); err != nil {
				t.Errorf("release the write lock: %v", err)
			}
			conn.Close()
			db.Close()
		})
	}
	t.Cleanup(release)
	return release
}
