package bench

import (
	"context"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/signet-auth/signet/postgres"
	"github.com/signet-auth/signet/sqlite"
)

// Seeding writes live sessions straight into a store, far faster than any
// API could create them, so that the refresh scenarios can be measured
// with millions of sessions in the tables and their indexes. Every seeded
// session has one current token generation whose digests are random: no
// secret hashes to them, so the rows grant nothing. They are ordinary rows
// otherwise (live, unexpired, belonging to a client id no one can
// register), and the garbage collector removes them once they end.
//
// The SQL here writes the two tables of the schema in sqlite/migrations and
// postgres/migrations directly; the stores are opened first so that their
// migrations have run.

// seedClientID owns every seeded session: a name RegisterClient never hands
// out, so the rows are easy to find and to delete.
const seedClientID = "signet-bench-seed"

// seedOptions are the flags of `signet bench seed`.
type seedOptions struct {
	Sessions    int64
	DataDir     string // SQLite: <dir>/signet.db, as signet serve uses
	DatabaseURL string // PostgreSQL instead
	Batch       int    // rows per transaction; 0: the backend's default
	CacheMiB    int    // SQLite: the seeding connection's page cache
	Lifetime    time.Duration
}

// seedRow is one session with its generation 0.
type seedRow struct {
	id              string
	refresh, access []byte
}

// seeder draws rows.
type seeder struct {
	rand io.Reader
	now  time.Time
	life time.Duration
}

func (s *seeder) row() (seedRow, error) {
	var b [16 + 32 + 32]byte
	if _, err := io.ReadFull(s.rand, b[:]); err != nil {
		return seedRow{}, err
	}
	return seedRow{id: "seed_" + hex.EncodeToString(b[:16]), refresh: b[16:48], access: b[48:80]}, nil
}

func (s *seeder) sessionValues(r seedRow) []any {
	now := s.now.UnixMilli()
	return []any{r.id, seedClientID, "", "sso-oidc", "[]", "", "", "", "", now, now, s.now.Add(s.life).UnixMilli(), int64(0), "", int64(0)}
}

func (s *seeder) generationValues(r seedRow) []any {
	now := s.now.UnixMilli()
	return []any{r.id, int64(0), r.refresh, r.access, now, s.now.Add(time.Hour).UnixMilli(), s.now.Add(s.life).UnixMilli(), int64(0)}
}

const (
	sessionColumns    = "id, client_id, user_id, protocol, scopes, account_id, role_name, dpop_jkt, nonce, auth_time, created_at, expires_at, revoked_at, revoke_reason, generation"
	generationColumns = "session_id, generation, refresh_digest, access_digest, issued_at, access_expires_at, refresh_expires_at, rotated_at"
)

// seed writes o.Sessions sessions, calling progress after every batch.
func seed(ctx context.Context, o seedOptions, s *seeder, progress func(done int64)) error {
	if o.Sessions <= 0 {
		return fmt.Errorf("--sessions must be positive")
	}
	if o.DatabaseURL != "" {
		if o.Batch <= 0 {
			o.Batch = 10_000
		}
		return seedPostgres(ctx, o, s, progress)
	}
	if o.Batch <= 0 {
		o.Batch = sqliteBatch
	}
	if o.CacheMiB <= 0 {
		o.CacheMiB = sqliteSeedCacheMiB
	}
	if o.DataDir == "" {
		return fmt.Errorf("seed needs --data-dir (SQLite) or --database-url (PostgreSQL)")
	}
	return seedSQLite(ctx, o, s, progress)
}

// sqliteChunk is how many rows one multi-row INSERT carries: 15 columns ×
// 500 rows stays well under SQLite's 32766 bound variables.
const sqliteChunk = 500

// Every seeded row lands at a random place in four indexes (the session id,
// the generation's key and its two digests). With SQLite's default 2 MiB page
// cache each such insert past the first million rows reads its pages again
// and each commit rewrites most of the index pages to the WAL: 10M sessions
// took 98 minutes. A page cache that holds the indexes, large transactions
// and no fsync per commit (a seed that dies is run again; the server syncs
// its own writes) keep the work in memory: 10M sessions in 36 minutes. The
// cache is an upper bound: SQLite allocates pages as it uses them, about
// 0.5 GiB per million rows; the process peaked at 9.9 GB at 10M rows.
const (
	sqliteBatch        = 250_000
	sqliteSeedCacheMiB = 6 << 10
)

func seedSQLite(ctx context.Context, o seedOptions, s *seeder, progress func(int64)) error {
	path := strings.TrimSuffix(o.DataDir, "/") + "/signet.db"
	db, err := sqlite.Open(ctx, path) // creates the file and runs the migrations
	if err != nil {
		return err
	}
	db.Close()
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(OFF)")
	q.Add("_pragma", fmt.Sprintf("cache_size(%d)", -o.CacheMiB<<10))
	raw, err := sql.Open("sqlite", path+"?"+q.Encode())
	if err != nil {
		return err
	}
	defer raw.Close()
	raw.SetMaxOpenConns(1)

	insert := func(tx *sql.Tx, table, cols string, n int, vals []any) error {
		ph := "(" + strings.TrimSuffix(strings.Repeat("?,", len(vals)/n), ",") + ")"
		stmt := "INSERT INTO " + table + " (" + cols + ") VALUES " + strings.TrimSuffix(strings.Repeat(ph+",", n), ",")
		_, err := tx.ExecContext(ctx, stmt, vals...)
		return err
	}
	var done int64
	for done < o.Sessions {
		batch := min(int64(o.Batch), o.Sessions-done)
		tx, err := raw.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		for left := batch; left > 0; {
			n := int(min(left, sqliteChunk))
			var sv, gv []any
			for range n {
				r, err := s.row()
				if err != nil {
					tx.Rollback()
					return err
				}
				sv = append(sv, s.sessionValues(r)...)
				gv = append(gv, s.generationValues(r)...)
			}
			if err := insert(tx, "sessions", sessionColumns, n, sv); err != nil {
				tx.Rollback()
				return err
			}
			if err := insert(tx, "token_generations", generationColumns, n, gv); err != nil {
				tx.Rollback()
				return err
			}
			left -= int64(n)
		}
		if err := tx.Commit(); err != nil {
			return err
		}
		done += batch
		progress(done)
	}
	return nil
}

func seedPostgres(ctx context.Context, o seedOptions, s *seeder, progress func(int64)) error {
	db, err := postgres.Open(ctx, o.DatabaseURL) // runs the migrations
	if err != nil {
		return err
	}
	db.Close()
	pool, err := pgxpool.New(ctx, o.DatabaseURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	var done int64
	for done < o.Sessions {
		batch := min(int64(o.Batch), o.Sessions-done)
		rows := make([]seedRow, batch)
		for i := range rows {
			if rows[i], err = s.row(); err != nil {
				return err
			}
		}
		err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
			if _, err := tx.CopyFrom(ctx, pgx.Identifier{"sessions"}, strings.Split(strings.ReplaceAll(sessionColumns, " ", ""), ","),
				pgx.CopyFromSlice(len(rows), func(i int) ([]any, error) { return s.sessionValues(rows[i]), nil })); err != nil {
				return err
			}
			_, err := tx.CopyFrom(ctx, pgx.Identifier{"token_generations"}, strings.Split(strings.ReplaceAll(generationColumns, " ", ""), ","),
				pgx.CopyFromSlice(len(rows), func(i int) ([]any, error) { return s.generationValues(rows[i]), nil }))
			return err
		})
		if err != nil {
			return err
		}
		done += batch
		progress(done)
	}
	return nil
}
