package postgres

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/signet-auth/signet"
)

// acquireTimeout bounds how long one statement or transaction waits for a
// free connection when every connection of the pool is in use. pgxpool
// waits for as long as the caller's context allows, and a request's context
// has no deadline, so without this an exhausted pool (a burst, a leak, a
// stuck server) would hold every request until a connection came back.
// Past it the store answers ErrUnavailable: a retryable 5xx (catalogue
// CC-06), well within the HTTP server's WriteTimeout.
const acquireTimeout = 5 * time.Second

// boundedPool is the connection pool whose Exec, Query, QueryRow and
// transactions (beginFunc) wait at most wait for a connection. Any other
// method of the embedded pool does not: use these.
type boundedPool struct {
	*pgxpool.Pool
	wait time.Duration
}

// acquire takes a connection, waiting at most p.wait. Running out of that
// time, while the caller's own context is still live, is ErrUnavailable.
func (p *boundedPool) acquire(ctx context.Context) (*pgxpool.Conn, error) {
	actx, cancel := context.WithTimeout(ctx, p.wait)
	defer cancel()
	c, err := p.Pool.Acquire(actx)
	if err != nil && ctx.Err() == nil && actx.Err() != nil {
		return nil, fmt.Errorf("postgres: no connection free within %v (%d of %d in use): %w (%w)",
			p.wait, p.Stat().AcquiredConns(), p.Stat().MaxConns(), signet.ErrUnavailable, err)
	}
	return c, err
}

// beginFunc runs fn in a transaction on a connection of its own (see
// pgx.BeginFunc).
func (p *boundedPool) beginFunc(ctx context.Context, fn func(pgx.Tx) error) error {
	c, err := p.acquire(ctx)
	if err != nil {
		return err
	}
	defer c.Release()
	return pgx.BeginFunc(ctx, c, fn)
}

func (p *boundedPool) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	c, err := p.acquire(ctx)
	if err != nil {
		return pgconn.CommandTag{}, err
	}
	defer c.Release()
	return c.Exec(ctx, sql, args...)
}

// Query returns rows that give their connection back when closed or read
// to the end.
func (p *boundedPool) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	c, err := p.acquire(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := c.Query(ctx, sql, args...)
	if err != nil {
		c.Release()
		return nil, err
	}
	return &releasingRows{Rows: rows, conn: c}, nil
}

// QueryRow returns a row that gives its connection back when scanned.
func (p *boundedPool) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	c, err := p.acquire(ctx)
	if err != nil {
		return errRow{err}
	}
	return &releasingRow{row: c.QueryRow(ctx, sql, args...), conn: c}
}

type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

type releasingRow struct {
	row  pgx.Row
	conn *pgxpool.Conn
}

func (r *releasingRow) Scan(dest ...any) error {
	defer r.conn.Release()
	return r.row.Scan(dest...)
}

type releasingRows struct {
	pgx.Rows
	conn *pgxpool.Conn
	once sync.Once
}

func (r *releasingRows) Next() bool {
	if r.Rows.Next() {
		return true
	}
	// pgx closed the rows when Next said false.
	r.release()
	return false
}

func (r *releasingRows) Close() {
	r.Rows.Close()
	r.release()
}

func (r *releasingRows) release() { r.once.Do(r.conn.Release) }

// Compile-time check that boundedPool serves queryAll.
var _ querier = (*boundedPool)(nil)
