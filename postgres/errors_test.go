package postgres

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/internal/storecore"
)

// Driver errors are told apart by SQLSTATE, never by message: the messages
// below say the opposite of their codes.
func TestErrorMapping(t *testing.T) {
	pg := func(code string) error {
		return fmt.Errorf("wrapped: %w", &pgconn.PgError{Code: code, Message: "duplicate key value violates unique constraint"})
	}
	for _, tc := range []struct {
		err       error
		want      error // nil: neither sentinel
		retryable bool
	}{
		{pg("23505"), signet.ErrConflict, false},
		{pg("40001"), nil, true},
		{pg("40P01"), nil, true},
		{pg("08006"), signet.ErrUnavailable, false},
		{pg("57P01"), signet.ErrUnavailable, false},
		{pg("53300"), signet.ErrUnavailable, false},
		{pg("42P01"), nil, false},
		{&pgconn.PgError{Code: "23503", Message: "connection refused"}, nil, false},
		{storecore.ErrRetry, nil, true},
		{context.Canceled, nil, false},
	} {
		got := mapErr(tc.err)
		for _, s := range []error{signet.ErrConflict, signet.ErrUnavailable} {
			if errors.Is(got, s) != (s == tc.want) {
				t.Errorf("mapErr(%v) = %v, want sentinel %v", tc.err, got, tc.want)
			}
		}
		if !errors.Is(got, tc.err) {
			t.Errorf("mapErr(%v) lost the cause: %v", tc.err, got)
		}
		if r := retryable(tc.err); r != tc.retryable {
			t.Errorf("retryable(%v) = %v, want %v", tc.err, r, tc.retryable)
		}
	}
}

// A server that cannot be reached is ErrUnavailable, for a retryable 5xx.
func TestOpenUnreachable(t *testing.T) {
	_, err := Open(t.Context(), "postgres://postgres@127.0.0.1:1/none?sslmode=disable&connect_timeout=2")
	if !errors.Is(err, signet.ErrUnavailable) {
		t.Errorf("Open of a closed port: %v, want ErrUnavailable", err)
	}
}

// A transaction that keeps losing is retried a bounded number of times,
// then reported as ErrUnavailable (catalogue CC-06).
func TestBoundedRetry(t *testing.T) {
	url := testURL(t)
	// No migrations are needed; a pool on the database is enough.
	pool, err := pgxpool.New(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	db := &DB{pool: &boundedPool{Pool: pool, wait: acquireTimeout}}
	calls := 0
	err = db.tx(t.Context(), func(pgx.Tx) error {
		calls++
		return &pgconn.PgError{Code: serializationFailure}
	})
	if !errors.Is(err, signet.ErrUnavailable) || calls != maxAttempts {
		t.Errorf("after %d calls: %v; want %d calls and ErrUnavailable", calls, err, maxAttempts)
	}
}
