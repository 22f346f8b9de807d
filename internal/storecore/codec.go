package storecore

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/signet-auth/signet"
)

// Scanner is a row: *sql.Row, *sql.Rows, pgx.Row and pgx.Rows all fit.
// Backends map their "no rows" error to signet.ErrNotFound before it gets
// here, so the scanners below report a missing row as signet.ErrNotFound.
type Scanner interface {
	Scan(dest ...any) error
}

// Row adapts a driver's single row so that its "no rows" error (NoRows)
// reads as signet.ErrNotFound.
type Row struct {
	R      Scanner
	NoRows error
}

// Scan implements Scanner.
func (r Row) Scan(dest ...any) error {
	err := r.R.Scan(dest...)
	if errors.Is(err, r.NoRows) {
		return signet.ErrNotFound
	}
	return err
}

// Rows is a result set: *sql.Rows and pgx.Rows both fit.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// ScanAll scans every row with scan; the caller closes rows.
func ScanAll[T any](rows Rows, scan func(Scanner) (T, error)) ([]T, error) {
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// Millis stores t as unix milliseconds; the zero time is 0. Integers keep the
// schema portable (SQLite, PostgreSQL, CockroachDB) and comparisons exact.
func Millis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// Time is the inverse of Millis, in UTC.
func Time(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

// DigestBytes stores d; the zero digest (no secret) is NULL.
func DigestBytes(d signet.Digest) []byte {
	if d.IsZero() {
		return nil
	}
	return d[:]
}

// ToDigest is the inverse of DigestBytes.
func ToDigest(b []byte) (signet.Digest, error) {
	var d signet.Digest
	if len(b) == 0 {
		return d, nil
	}
	if len(b) != len(d) {
		return d, fmt.Errorf("storecore: digest of %d bytes", len(b))
	}
	copy(d[:], b)
	return d, nil
}

// JSON encodes a list column. An empty list is stored as "[]" and read back
// as nil, so callers never see a difference between nil and empty.
func JSON[T any](v []T) string {
	if len(v) == 0 {
		return "[]"
	}
	b, err := json.Marshal(v)
	if err != nil {
		// Slices of strings and of flat structs of strings always marshal.
		panic(err)
	}
	return string(b)
}

// FromJSON decodes a list column written by JSON.
func FromJSON[T any](s string) ([]T, error) {
	if s == "[]" {
		// How JSON writes an empty list (a user without assignments of
		// their own, read at every refresh): no decoder needed.
		return nil, nil
	}
	var v []T
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		return nil, fmt.Errorf("storecore: list column: %w", err)
	}
	if len(v) == 0 {
		return nil, nil
	}
	return v, nil
}

// assignment is how an Assignment is kept in the users.assignments column.
type assignment struct {
	AccountID string `json:"account_id"`
	RoleName  string `json:"role_name"`
}

func assignmentsJSON(as []signet.Assignment) string {
	v := make([]assignment, len(as))
	for i, a := range as {
		v[i] = assignment(a)
	}
	return JSON(v)
}

func assignmentsFromJSON(s string) ([]signet.Assignment, error) {
	v, err := FromJSON[assignment](s)
	if err != nil || v == nil {
		return nil, err
	}
	as := make([]signet.Assignment, len(v))
	for i, a := range v {
		as[i] = signet.Assignment(a)
	}
	return as, nil
}

// decoder collects the first error of several conversions.
type decoder struct{ err error }

func (d *decoder) list(s string) []string {
	if v, ok := stringList(s); ok {
		return v
	}
	v, err := FromJSON[string](s)
	if d.err == nil {
		d.err = err
	}
	return v
}

func (d *decoder) digest(b []byte) signet.Digest {
	v, err := ToDigest(b)
	if d.err == nil {
		d.err = err
	}
	return v
}
