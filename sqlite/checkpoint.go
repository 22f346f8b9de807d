package sqlite

import (
	"context"
	"database/sql"
	"sync"
	"time"
)

// checkpointEvery is how often the checkpointer copies committed WAL frames
// into the database file. A passive checkpoint of an idle or up-to-date WAL
// costs one read of the WAL index, so the period can be short; short keeps
// the WAL small, which keeps readers' page lookups in it cheap.
const checkpointEvery = 200 * time.Millisecond

// writerAutoCheckpoint is the writer connection's wal_autocheckpoint, in
// pages. Only a checkpoint that finds the WAL fully copied just before a
// write transaction begins lets that transaction start the WAL over
// (https://sqlite.org/wal.html#avoiding_excessively_large_wal_files); with
// commits arriving every millisecond the checkpointer never sees that, so
// the writer still checkpoints once the WAL holds this many pages (64 MiB)
// — by then the checkpointer has copied nearly all of them, and what the
// writer pays is the fsyncs, during which every queued write waits. That
// pause sets the tail latency: at 2,500 refreshes/s open loop, p99 was
// 49–136 ms with a checkpoint every 4,096 pages and 10 ms with one every
// 16,384 (docs/performance.md). SQLite's default, 1,000 pages with the
// writer copying every page itself, was worse than either.
const writerAutoCheckpoint = 16384

// checkpointer runs SQLite's WAL checkpoints on a connection of its own,
// mostly off the writer's path (https://sqlite.org/wal.html#ckpt): a PASSIVE
// checkpoint takes neither the write lock nor readers' locks, so commits go
// on while it copies frames and fsyncs the database file. Durability is
// unchanged: a commit is in the WAL before anyone is answered, and the
// checkpoint only moves frames already committed.
type checkpointer struct {
	db   *sql.DB
	quit chan struct{}
	done chan struct{}
	once sync.Once
}

func newCheckpointer(db *sql.DB) *checkpointer {
	c := &checkpointer{db: db, quit: make(chan struct{}), done: make(chan struct{})}
	go c.loop()
	return c
}

func (c *checkpointer) loop() {
	defer close(c.done)
	t := time.NewTicker(checkpointEvery)
	defer t.Stop()
	for {
		select {
		case <-c.quit:
			return
		case <-t.C:
			// An error (SQLITE_BUSY from another process's checkpoint, a
			// closed file) leaves the frames for the next tick or for the
			// writer's safety net; nothing committed depends on it.
			_, _, _ = c.checkpoint(context.Background())
		}
	}
}

// checkpoint runs one passive checkpoint and returns how many frames the
// WAL holds and how many of them are now in the database file.
func (c *checkpointer) checkpoint(ctx context.Context) (logFrames, checkpointed int64, err error) {
	var busy int64
	err = c.db.QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &logFrames, &checkpointed)
	return logFrames, checkpointed, err
}

// stop ends the loop after the checkpoint in flight.
func (c *checkpointer) stop() {
	c.once.Do(func() { close(c.quit) })
	<-c.done
}
