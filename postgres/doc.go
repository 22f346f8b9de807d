// Package postgres is signet's storage backend for more than one node: every
// store interface of package signet over one PostgreSQL database, through
// github.com/jackc/pgx/v5 (pgxpool). Any number of signet processes may share
// the database; every single-use decision is a conditional statement or a
// row lock in it (invariant 2 in docs/design.md).
//
// Transactions run at READ COMMITTED: each statement sees what committed
// before it began, so the losers of a race wait on the winner's row lock and
// then read the winner's result (a refresh retry gets the successor back).
// Serialization failures and deadlocks (40001, 40P01) rerun the whole
// transaction a bounded number of times; driver errors are told apart by
// SQLSTATE, never by message.
//
// The schema (migrations/) keeps to types CockroachDB also has: times as
// BIGINT unix milliseconds, digests as BYTEA, lists as JSON text.
package postgres
