package sqlite

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Committed writes reach the database file through the checkpointer, not
// through the writer: the writer's own automatic checkpoint is far above
// what this test writes, so the file grows only if the checkpointer ran.
// Without it every commit past SQLite's default 1000 WAL pages ran a
// checkpoint, fsyncs included, on the writer's path.
func TestCheckpointerMovesWALOffTheWriter(t *testing.T) {
	path := filepath.Join(t.TempDir(), "signet.db")
	db, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	var auto int
	if err := db.write.QueryRowContext(t.Context(), `PRAGMA wal_autocheckpoint`).Scan(&auto); err != nil {
		t.Fatal(err)
	}
	if auto != writerAutoCheckpoint {
		t.Fatalf("writer's wal_autocheckpoint = %d, want %d", auto, writerAutoCheckpoint)
	}

	before := fileSize(t, path)
	for i := range 50 {
		key := fmt.Sprintf("key-%03d-%0500d", i, i) // ~0.5 KiB each: several pages in all
		if err := db.w.do(t.Context(), insertKey(key, nil)); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for fileSize(t, path) <= before {
		if time.Now().After(deadline) {
			t.Fatalf("database file still %d bytes 10 s after 50 commits: nothing checkpointed it", before)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// And what it moved is the committed data, readable after a reopen.
	if got := len(committedKeys(t, db)); got != 50 {
		t.Fatalf("%d rows, want 50", got)
	}
}

// Close stops the checkpointer before the connections it uses.
func TestCheckpointerStopsOnClose(t *testing.T) {
	path := filepath.Join(t.TempDir(), "signet.db")
	db, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-db.ckpt.done:
	default:
		t.Fatal("checkpointer still running after Close")
	}
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// The WAL file stays bounded under a steady stream of commits with readers
// active: it is started over once checkpointed, instead of growing by every
// page ever written.
func TestWALBoundedUnderSteadyWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("writes ~50 MB")
	}
	// A threshold of 1,024 pages, so that a few thousand commits go
	// through it several times.
	const walPages = 1024
	path := filepath.Join(t.TempDir(), "signet.db")
	db, err := open(t.Context(), path, busyTimeout, walPages)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	stop := make(chan struct{})
	readers := make(chan struct{})
	go func() {
		defer close(readers)
		for {
			select {
			case <-stop:
				return
			default:
				committedKeys(t, db)
			}
		}
	}()
	// Each commit writes a 40 KiB key and deletes it again: about ten
	// overflow pages into the WAL, so 600 commits write several times the
	// writer's checkpoint threshold.
	const commits, pagesEach = 600, 10
	for i := range commits {
		key := []byte(fmt.Sprintf("%06d-%040000d", i, 0))
		err := db.w.do(t.Context(), func(tx *sql.Tx) error {
			if _, err := tx.Exec(`INSERT INTO rate_windows (key, count, reset_at) VALUES (?, 1, 0)`, key); err != nil {
				return err
			}
			_, err := tx.Exec(`DELETE FROM rate_windows WHERE key = ?`, key)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	<-readers
	const pageSize = 4096
	limit := int64(2 * walPages * pageSize)
	if wal := fileSize(t, path+"-wal"); wal > limit {
		t.Fatalf("WAL is %d bytes after %d commits of ~%d pages: more than %d, it is not being started over", wal, commits, pagesEach, limit)
	}
}
