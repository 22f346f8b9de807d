package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/internal/storecore"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// maxAttempts bounds how often one transaction runs after a serialization
// failure or deadlock (catalogue CC-06: bounded retry, then ErrUnavailable).
const maxAttempts = 8

// migrationLock is the advisory lock key that serialises migrations: any
// constant does, as long as every signet process uses the same one.
const migrationLock int64 = 0x7369676e6574 // "signet"

// DB is one PostgreSQL database. It implements every store interface of
// package signet; Stores bundles them. RedeemCode, PollDevice, DecideDevice
// and Rotate are the rules shared by both backends (internal/storecore), run
// in this database's transactions.
type DB struct {
	// rules are RedeemCode, PollDevice, DecideDevice and Rotate, run in
	// this database's write transactions.
	rules storecore.Rules

	pool       *boundedPool
	migrations []storecore.Migration
	statements *statementCounter
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

// Open connects to the database at url (a postgres:// URL or a key=value
// DSN; a search_path parameter selects the schema) and applies the embedded
// migrations.
func Open(ctx context.Context, url string, opts ...Option) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	return OpenConfig(ctx, cfg, opts...)
}

// OpenConfig is Open for a parsed pool configuration (tests set the
// search_path through cfg.ConnConfig.RuntimeParams).
func OpenConfig(ctx context.Context, cfg *pgxpool.Config, opts ...Option) (*DB, error) {
	ms, err := storecore.Migrations(migrationFiles, "migrations")
	if err != nil {
		return nil, err
	}
	counter := &statementCounter{}
	switch t := cfg.ConnConfig.Tracer.(type) {
	case nil:
		cfg.ConnConfig.Tracer = counter
	case pgx.QueryTracer:
		counter.next = t
		cfg.ConnConfig.Tracer = counter
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, mapErr(err)
	}
	db := &DB{pool: &boundedPool{Pool: pool, wait: acquireTimeout}, migrations: ms, statements: counter}
	db.rules.InTx = db.inTx
	db.rules.Snapshot = db.rotationSnapshot
	db.rules.Count = db.Count
	db.rules.CommitCurrent = db.commitCurrent
	db.rules.FailPoints = collectOptions(opts).failPoints
	if err := db.migrate(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return db, nil
}

// Close closes the pool.
func (db *DB) Close() error {
	db.pool.Close()
	return nil
}

// Stores returns db as every store interface.
func (db *DB) Stores() signet.Stores {
	return signet.Stores{Users: db, Clients: db, Grants: db, Replay: db, RateLimit: db, Keys: db, Browser: db, Collector: db, Health: db,
		AccessKeys: db, ClientKeys: db, RoleBindings: db, Federation: db, SigninPolicies: db, Audit: db,
		MFA: db, Passkeys: db, SCIM: db}
}

// migrate applies the embedded migrations not yet recorded, in one
// transaction that first takes an advisory lock: a second
// process opening the database at the same moment waits, then finds them
// applied.
func (db *DB) migrate(ctx context.Context) error {
	return db.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, migrationLock); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version    BIGINT PRIMARY KEY,
			name       TEXT NOT NULL,
			applied_at BIGINT NOT NULL)`); err != nil {
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
			// No arguments: the simple protocol runs the whole file.
			if _, err := tx.Exec(ctx, m.SQL); err != nil {
				return fmt.Errorf("migration %s: %w", m.Name, err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name, applied_at)
				VALUES ($1, $2, (extract(epoch FROM now()) * 1000)::BIGINT)`, m.Version, m.Name); err != nil {
				return err
			}
		}
		return nil
	})
}

type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
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
	applied, err := appliedVersions(ctx, db.pool)
	if err != nil {
		return mapErr(err)
	}
	if missing := storecore.Missing(db.migrations, applied); len(missing) > 0 {
		return fmt.Errorf("postgres: migrations %v not applied", missing)
	}
	return nil
}

// tx runs fn in one READ COMMITTED transaction, again from the start after a
// serialization failure, a deadlock or a lost race, at most maxAttempts
// times. The error is mapped to the store sentinels.
func (db *DB) tx(ctx context.Context, fn func(pgx.Tx) error) error {
	var err error
	for range maxAttempts {
		if err = db.pool.beginFunc(ctx, fn); err == nil || !retryable(err) {
			return mapErr(err)
		}
		if ctx.Err() != nil {
			break
		}
	}
	return fmt.Errorf("postgres: gave up after %d attempts: %w (%w)", maxAttempts, signet.ErrUnavailable, err)
}

// SQLSTATEs (https://www.postgresql.org/docs/current/errcodes-appendix.html).
const (
	uniqueViolation      = "23505"
	serializationFailure = "40001"
	deadlockDetected     = "40P01"
)

// inTx is storecore.Rules.InTx.
func (db *DB) inTx(ctx context.Context, fn func(storecore.Tx) error) error {
	return db.tx(ctx, func(tx pgx.Tx) error { return fn(&writeTx{tx}) })
}

func pgCode(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

func retryable(err error) bool {
	code := pgCode(err)
	return code == serializationFailure || code == deadlockDetected || errors.Is(err, storecore.ErrRetry)
}

// mapErr turns driver errors into the store sentinels, by SQLSTATE and error
// type.
func mapErr(err error) error {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	code := pgCode(err)
	switch {
	case code == uniqueViolation:
		return fmt.Errorf("postgres: %w (%w)", signet.ErrConflict, err)
	case unavailable(code, err):
		return fmt.Errorf("postgres: %w (%w)", signet.ErrUnavailable, err)
	}
	return err
}

// unavailable reports a failure of the connection or the server rather than
// of the statement: SQLSTATE class 08 (connection exception), 53
// (insufficient resources), 57P0x (shutdown, cannot connect now), or no
// SQLSTATE at all because the connection broke.
func unavailable(code string, err error) bool {
	if code != "" {
		return strings.HasPrefix(code, "08") || strings.HasPrefix(code, "53") || strings.HasPrefix(code, "57P0")
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	return errors.As(err, &ce) || errors.As(err, &ne) || errors.Is(err, io.EOF) ||
		errors.Is(err, io.ErrUnexpectedEOF) || pgconn.SafeToRetry(err)
}

// queryAll runs a query and scans every row with scan.
func queryAll[T any](ctx context.Context, q querier, scan func(storecore.Scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return storecore.ScanAll(rows, scan)
}

// placeholders returns "$1, $2, …" for n columns.
func placeholders(n int) string {
	p := make([]string, n)
	for i := range p {
		p[i] = "$" + strconv.Itoa(i+1)
	}
	return strings.Join(p, ", ")
}
