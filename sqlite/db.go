package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync/atomic"
	"time"

	driver "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/internal/storecore"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// maxAttempts bounds how often one write transaction runs when SQLite says
// SQLITE_BUSY (past busy_timeout) or a conditional statement lost a race
// (catalogue CC-06: bounded retry, then ErrUnavailable).
const maxAttempts = 8

// busyTimeout is how long a connection waits for the write lock before
// SQLITE_BUSY. With one writer connection per process only other processes
// sharing the file make anyone wait. It is also the whole budget a write
// transaction has for waiting on that lock (tx): well under the HTTP
// server's WriteTimeout, so that a client whose write cannot get the lock
// hears a 5xx rather than a closed connection (catalogue CC-06).
const busyTimeout = 10 * time.Second

// DB is one SQLite database. It implements every store interface of package
// signet; Stores bundles them. RedeemCode, PollDevice, DecideDevice and
// Rotate are the rules shared by both backends (internal/storecore), run in
// this database's write transactions.
type DB struct {
	// rules are RedeemCode, PollDevice, DecideDevice and Rotate, run in
	// this database's write transactions.
	rules storecore.Rules

	// write has exactly one connection, used only by w: every write
	// transaction runs on it, so writers in this process queue in Go
	// instead of spinning on the file lock, and w batches the ones that
	// queue up into one commit (group commit, writer.go).
	write *sql.DB
	w     *writer
	// read is a pool of query_only connections; in WAL mode they read the
	// last commit without waiting for the writer.
	read *sql.DB
	// ckpt copies the WAL into the database file on ckptDB's connection,
	// so the writer's commits never run a checkpoint (checkpoint.go).
	ckpt   *checkpointer
	ckptDB *sql.DB
	stmts  *stmtCache
	// rstmts are readRow's statements, prepared on the read pool.
	rstmts     *stmtCache
	migrations []storecore.Migration
	// busyTimeout is the connections' busy_timeout.
	busyTimeout time.Duration
	// statements counts the SQL statements run for callers (Statements).
	statements *atomic.Uint64
}

// Compile-time checks that DB is every store.
var (
	_ signet.UserStore      = (*DB)(nil)
	_ signet.ClientStore    = (*DB)(nil)
	_ signet.GrantStore     = (*DB)(nil)
	_ signet.ReplayStore    = (*DB)(nil)
	_ signet.RateLimitStore = (*DB)(nil)
	_ signet.KeyStore       = (*DB)(nil)
	_ signet.Collector      = (*DB)(nil)
	_ signet.Health         = (*DB)(nil)
	_ signet.AccessKeyStore = (*DB)(nil)
	_ signet.ClientKeyStore = (*DB)(nil)
)

// Open opens (creating if needed) the database file at path and applies the
// embedded migrations. A new file is created with mode 0600 and missing
// directories with 0700: the file holds digests and sealed keys only, but
// nobody else needs to read it.
func Open(ctx context.Context, path string, opts ...Option) (*DB, error) {
	return open(ctx, path, busyTimeout, writerAutoCheckpoint, opts...)
}

// open is Open with the busy timeout as a parameter, for tests that must
// not wait ten seconds for a lock.
func open(ctx context.Context, path string, lockWait time.Duration, walPages int, opts ...Option) (*DB, error) {
	ms, err := storecore.Migrations(migrationFiles, "migrations")
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}

	common := url.Values{}
	common.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", lockWait.Milliseconds()))
	common.Add("_pragma", "synchronous(NORMAL)")
	common.Add("_pragma", "foreign_keys(1)")

	w := cloneValues(common)
	w.Add("_pragma", "journal_mode(WAL)")
	w.Add("_pragma", fmt.Sprintf("wal_autocheckpoint(%d)", walPages))
	// The statement and savepoint journals of the writer's transactions in
	// memory: a group-commit batch's savepoints journal every page its
	// members change, and past 64 KiB SQLite spilled that to a temporary
	// file, created, written and deleted per batch: about a tenth of the
	// server's CPU under load (docs/performance.md). A batch is at most
	// maxBatch small transactions, so the journal stays small.
	w.Add("_pragma", "temp_store(MEMORY)")
	w.Set("_txlock", "immediate")
	write, err := sql.Open("sqlite", path+"?"+w.Encode())
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxLifetime(0)
	write.SetConnMaxIdleTime(0)

	r := cloneValues(common)
	r.Add("_pragma", "query_only(1)")
	read, err := sql.Open("sqlite", path+"?"+r.Encode())
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	n := max(4, runtime.GOMAXPROCS(0))
	read.SetMaxOpenConns(n)
	read.SetMaxIdleConns(n)

	// The checkpointer's own connection: neither the writer (whose commits
	// must not wait for a checkpoint) nor query_only.
	ckpt, err := sql.Open("sqlite", path+"?"+common.Encode())
	if err != nil {
		write.Close()
		read.Close()
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	ckpt.SetMaxOpenConns(1)
	ckpt.SetMaxIdleConns(1)
	ckpt.SetConnMaxLifetime(0)
	ckpt.SetConnMaxIdleTime(0)

	stmts := newStmtCache()
	statements := new(atomic.Uint64)
	db := &DB{write: write, w: newWriter(write, stmts, statements), read: read, statements: statements, ckptDB: ckpt, stmts: stmts, rstmts: newStmtCache(), migrations: ms,
		busyTimeout: lockWait}
	db.rules.InTx = db.inTx
	db.rules.Snapshot = db.rotationSnapshot
	db.rules.Count = db.Count
	db.rules.FailPoints = collectOptions(opts).failPoints
	if err := db.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	// Started after the migrations created the WAL.
	db.ckpt = newCheckpointer(ckpt)
	return db, nil
}

func cloneValues(v url.Values) url.Values {
	c := url.Values{}
	for k, vs := range v {
		c[k] = append([]string(nil), vs...)
	}
	return c
}

// Close stops the writer after the batch in flight, then closes both
// connection pools.
func (db *DB) Close() error {
	if db.ckpt != nil {
		db.ckpt.stop()
	}
	db.w.stop()
	return errors.Join(db.stmts.close(), db.rstmts.close(), db.read.Close(), db.write.Close(), db.ckptDB.Close())
}

// Stores returns db as every store interface.
func (db *DB) Stores() signet.Stores {
	return signet.Stores{Users: db, Clients: db, Grants: db, Replay: db, RateLimit: db, Keys: db, Browser: db, Collector: db, Health: db,
		AccessKeys: db, ClientKeys: db, RoleBindings: db, Federation: db, SigninPolicies: db, Audit: db,
		MFA: db, Passkeys: db, SCIM: db}
}

// migrate applies the embedded migrations not yet recorded, in one write
// transaction: BEGIN IMMEDIATE makes a second process opening the same file
// wait, then find them applied.
func (db *DB) migrate(ctx context.Context) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version    INTEGER PRIMARY KEY,
			name       TEXT NOT NULL,
			applied_at INTEGER NOT NULL)`); err != nil {
			return err
		}
		applied, err := appliedVersions(ctx, tx)
		if err != nil {
			return err
		}
		for _, m := range db.migrations {
			if slices.Contains(applied, m.Version) {
				continue
			}
			if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
				return fmt.Errorf("migration %s: %w", m.Name, err)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at)
				VALUES (?, ?, CAST(unixepoch('subsec') * 1000 AS INTEGER))`, m.Version, m.Name); err != nil {
				return err
			}
		}
		return nil
	})
}

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// prepared is a querier of a prepared statement; the query text is the
// statement's own.
type prepared struct{ st *sql.Stmt }

func (p prepared) QueryContext(ctx context.Context, _ string, args ...any) (*sql.Rows, error) {
	return p.st.QueryContext(ctx, args...)
}

func appliedVersions(ctx context.Context, q querier) ([]int64, error) {
	return queryAll(ctx, q, func(r storecore.Scanner) (int64, error) {
		var v int64
		return v, r.Scan(&v)
	}, `SELECT version FROM schema_migrations`)
}

// Ready checks that the database answers and every embedded migration is
// applied.
func (db *DB) Ready(ctx context.Context) error {
	applied, err := appliedVersions(ctx, db.read)
	if err != nil {
		return mapErr(err)
	}
	if missing := storecore.Missing(db.migrations, applied); len(missing) > 0 {
		return fmt.Errorf("sqlite: migrations %v not applied", missing)
	}
	return nil
}

// tx runs fn as one write transaction (all of it or none, in a batch that
// began with BEGIN IMMEDIATE on the writer connection; see writer), again
// from the start when SQLite reports SQLITE_BUSY, fn lost a race or its
// batch was lost, at most maxAttempts times. It returns after the commit.
// The error is mapped to the store sentinels.
//
// A SQLITE_BUSY that comes after busy_timeout has already been spent ends
// the retries: SQLite's busy handler did the waiting, and starting another
// full wait would stretch one request to maxAttempts times busy_timeout,
// past the HTTP server's WriteTimeout.
func (db *DB) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	start := time.Now()
	var err error
	attempts := 0
	for attempts < maxAttempts {
		attempts++
		if err = db.w.do(ctx, fn); err == nil || !retryable(err) {
			return mapErr(err)
		}
		if ctx.Err() != nil || (busy(err) && time.Since(start) >= db.busyTimeout) {
			break
		}
	}
	return fmt.Errorf("sqlite: gave up after %d attempts in %v: %w (%w)", attempts, time.Since(start).Round(time.Millisecond),
		signet.ErrUnavailable, err)
}

// wtx wraps a write transaction for the statements in tx.go.
func (db *DB) wtx(tx *sql.Tx) *writeTx {
	return db.w.wtx(tx)
}

// Statements returns how many SQL statements the store has run for its
// callers since it was opened, transaction control (BEGIN, COMMIT,
// savepoints) included: /metrics reports it, and the load generator
// divides it by the requests it made.
func (db *DB) Statements() uint64 { return db.statements.Load() }

// inTx is storecore.Rules.InTx.
func (db *DB) inTx(ctx context.Context, fn func(storecore.Tx) error) error {
	return db.tx(ctx, func(tx *sql.Tx) error { return fn(db.wtx(tx)) })
}

func sqliteCode(err error) (int, bool) {
	var se *driver.Error
	if errors.As(err, &se) {
		return se.Code(), true
	}
	return 0, false
}

func retryable(err error) bool {
	return errors.Is(err, storecore.ErrRetry) || errors.Is(err, errBatchLost) || busy(err)
}

// busy reports SQLITE_BUSY or SQLITE_LOCKED: another connection holds a
// lock this one needs.
func busy(err error) bool {
	code, ok := sqliteCode(err)
	// The primary result code is the low byte of an extended one.
	return ok && (code&0xff == sqlite3.SQLITE_BUSY || code&0xff == sqlite3.SQLITE_LOCKED)
}

// mapErr turns driver errors into the store sentinels, by result code.
func mapErr(err error) error {
	if err == nil {
		return nil
	}
	if code, ok := sqliteCode(err); ok {
		switch {
		case code == sqlite3.SQLITE_CONSTRAINT_UNIQUE || code == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return fmt.Errorf("sqlite: %w (%w)", signet.ErrConflict, err)
		case code&0xff == sqlite3.SQLITE_BUSY || code&0xff == sqlite3.SQLITE_LOCKED,
			code&0xff == sqlite3.SQLITE_CANTOPEN || code&0xff == sqlite3.SQLITE_IOERR:
			return fmt.Errorf("sqlite: %w (%w)", signet.ErrUnavailable, err)
		}
	}
	if errors.Is(err, sql.ErrConnDone) {
		return fmt.Errorf("sqlite: %w (%w)", signet.ErrUnavailable, err)
	}
	return err
}

// queryAll runs a query and scans every row with scan.
func queryAll[T any](ctx context.Context, q querier, scan func(storecore.Scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return storecore.ScanAll(rows, scan)
}

// placeholders returns "?, ?, …" for n columns.
func placeholders(n int) string {
	b := make([]byte, 0, 3*n)
	for i := range n {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = append(b, '?')
	}
	return string(b)
}
