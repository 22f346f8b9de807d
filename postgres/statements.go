package postgres

import (
	"context"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
)

// statementCounter is a pgx.QueryTracer that counts every statement the
// pool's connections send, BEGIN and COMMIT included: on PostgreSQL each is
// a round trip, the unit a request's cost in the store is counted in.
type statementCounter struct {
	n    atomic.Uint64
	next pgx.QueryTracer // a tracer the configuration already had
}

func (c *statementCounter) TraceQueryStart(ctx context.Context, conn *pgx.Conn, data pgx.TraceQueryStartData) context.Context {
	c.n.Add(1)
	if c.next != nil {
		return c.next.TraceQueryStart(ctx, conn, data)
	}
	return ctx
}

func (c *statementCounter) TraceQueryEnd(ctx context.Context, conn *pgx.Conn, data pgx.TraceQueryEndData) {
	if c.next != nil {
		c.next.TraceQueryEnd(ctx, conn, data)
	}
}

// Statements returns how many SQL statements the store has sent since it
// was opened, transaction control included: /metrics reports it, and the
// load generator divides it by the requests it made.
func (db *DB) Statements() uint64 { return db.statements.n.Load() }
