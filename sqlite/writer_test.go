package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/signet-auth/signet/internal/storecore"
)

// insertKey is a batch member that writes one row, then ends with then.
func insertKey(key string, then func(*sql.Tx) error) func(*sql.Tx) error {
	return func(tx *sql.Tx) error {
		if _, err := tx.Exec(`INSERT INTO rate_windows (key, count, reset_at) VALUES (?, 1, 0)`, []byte(key)); err != nil {
			return err
		}
		if then == nil {
			return nil
		}
		return then(tx)
	}
}

func committedKeys(t *testing.T, db *DB) []string {
	t.Helper()
	keys, err := queryAll(t.Context(), db.read, func(r storecore.Scanner) (string, error) {
		var k []byte
		return string(k), r.Scan(&k)
	}, `SELECT key FROM rate_windows ORDER BY key`)
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

// runBatch hands fns to the writer as one batch, the way it batches
// transactions that queue up while a commit is in flight, and returns each
// member's result.
func runBatch(t *testing.T, db *DB, fns ...func(*sql.Tx) error) []writeRes {
	t.Helper()
	batch := make([]writeReq, len(fns))
	for i, fn := range fns {
		batch[i] = writeReq{ctx: t.Context(), fn: fn, done: make(chan writeRes, 1)}
	}
	// Run on the writer's connection as the writer goroutine would; the
	// writer is idle, so nobody else holds it.
	db.w.run(batch)
	res := make([]writeRes, len(batch))
	for i, r := range batch {
		res[i] = <-r.done
	}
	return res
}

// Group commit keeps every transaction all-or-nothing on its own: a member
// that fails or panics is rolled back to its savepoint and the others
// commit; and when SQLite loses the whole batch, no member is told it
// succeeded and none is left half-written or committed alone.
func TestGroupCommitIsolatesMembers(t *testing.T) {
	boom := errors.New("boom")
	endTx := func(tx *sql.Tx) error { _, err := tx.Exec(`ROLLBACK`); return err }
	tests := []struct {
		name      string
		fns       []func(*sql.Tx) error
		wantKeys  []string
		wantErrs  []error // nil: success
		wantPanic []bool
	}{
		{
			name:     "all succeed",
			fns:      []func(*sql.Tx) error{insertKey("a", nil), insertKey("b", nil), insertKey("c", nil)},
			wantKeys: []string{"a", "b", "c"},
			wantErrs: []error{nil, nil, nil},
		},
		{
			name: "failing member rolled back alone",
			fns: []func(*sql.Tx) error{insertKey("a", nil),
				insertKey("b", func(*sql.Tx) error { return boom }), insertKey("c", nil)},
			wantKeys: []string{"a", "c"},
			wantErrs: []error{nil, boom, nil},
		},
		{
			name: "panicking member rolled back alone",
			fns: []func(*sql.Tx) error{insertKey("a", nil),
				insertKey("b", func(*sql.Tx) error { panic(boom) }), insertKey("c", nil)},
			wantKeys:  []string{"a", "c"},
			wantErrs:  []error{nil, nil, nil},
			wantPanic: []bool{false, true, false},
		},
		{
			name: "batch lost after a failure: nobody succeeds, nothing commits",
			fns: []func(*sql.Tx) error{insertKey("a", nil),
				insertKey("b", func(tx *sql.Tx) error { endTx(tx); return boom }), insertKey("c", nil)},
			wantKeys: nil,
			wantErrs: []error{errBatchLost, boom, errBatchLost},
		},
		{
			name: "batch lost under a member that reports success",
			fns: []func(*sql.Tx) error{insertKey("a", nil),
				insertKey("b", endTx), insertKey("c", nil)},
			wantKeys: nil,
			wantErrs: []error{errBatchLost, errBatchLost, errBatchLost},
		},
		{
			name:     "conflicting member rolled back alone",
			fns:      []func(*sql.Tx) error{insertKey("a", nil), insertKey("a", nil), insertKey("c", nil)},
			wantKeys: []string{"a", "c"},
			wantErrs: []error{nil, errAny, nil},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := openTemp(t)
			res := runBatch(t, db, tt.fns...)
			for i, r := range res {
				wantPanic := tt.wantPanic != nil && tt.wantPanic[i]
				if r.panicked != wantPanic {
					t.Errorf("member %d: panicked %v, want %v", i, r.panicked, wantPanic)
				}
				if wantPanic {
					continue
				}
				switch want := tt.wantErrs[i]; {
				case want == nil && r.err != nil:
					t.Errorf("member %d: %v, want success", i, r.err)
				case want == errAny && r.err == nil:
					t.Errorf("member %d: success, want an error", i)
				case want != nil && want != errAny && !errors.Is(r.err, want):
					t.Errorf("member %d: %v, want %v", i, r.err, want)
				}
			}
			if got := committedKeys(t, db); !slices.Equal(got, tt.wantKeys) {
				t.Errorf("committed %q, want %q", got, tt.wantKeys)
			}
		})
	}
}

var errAny = errors.New("any error")

// A caller whose batch was lost runs again and commits; a panic reaches
// the caller that caused it.
func TestGroupCommitThroughTx(t *testing.T) {
	db := openTemp(t)
	calls := 0
	err := db.tx(t.Context(), insertKey("x", func(tx *sql.Tx) error {
		calls++
		if calls == 1 {
			return errBatchLost
		}
		return nil
	}))
	if err != nil || calls != 2 {
		t.Fatalf("after %d calls: %v; want success on the second", calls, err)
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("panic in a write transaction did not reach its caller")
			}
		}()
		db.tx(context.Background(), func(*sql.Tx) error { panic("boom") })
	}()
	// The writer survives the panic.
	var wg sync.WaitGroup
	for _, k := range []string{"p", "q", "r", "s"} {
		wg.Go(func() {
			if err := db.tx(context.Background(), insertKey(k, nil)); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got := committedKeys(t, db); !slices.Equal(got, []string{"p", "q", "r", "s", "x"}) {
		t.Errorf("committed %q", got)
	}
}

// A write transaction that has started runs to its end even if its caller
// goes away meanwhile: its statements are not interrupted (stmtCtx), so a
// batch never loses its other members' work to one caller's cancellation.
// A caller cancelled before its turn is not run at all.
func TestStartedWriteOutlivesItsCaller(t *testing.T) {
	db := openTemp(t)
	ctx, cancel := context.WithCancel(t.Context())
	err := db.tx(ctx, func(tx *sql.Tx) error {
		t := db.wtx(tx)
		if err := t.exec(ctx, `INSERT INTO rate_windows (key, count, reset_at) VALUES (?, 1, 0)`, []byte("started")); err != nil {
			return err
		}
		cancel() // the caller goes away between two statements
		return t.exec(ctx, `UPDATE rate_windows SET count = 2 WHERE key = ?`, []byte("started"))
	})
	if err != nil {
		t.Fatalf("a started transaction whose caller went away: %v", err)
	}
	var n int
	if err := db.read.QueryRowContext(t.Context(), `SELECT count FROM rate_windows WHERE key = ?`, []byte("started")).Scan(&n); err != nil || n != 2 {
		t.Fatalf("its row: count %d, %v; want 2", n, err)
	}
	if err := db.tx(ctx, insertKey("never", nil)); !errors.Is(err, context.Canceled) {
		t.Errorf("a transaction whose caller had gone: %v, want context.Canceled", err)
	}
	if got := committedKeys(t, db); !slices.Equal(got, []string{"started"}) {
		t.Errorf("committed %q", got)
	}
}

// openTemp opens a store on a new file, closed when the test ends.
func openTemp(t *testing.T) *DB {
	t.Helper()
	db, err := Open(t.Context(), filepath.Join(t.TempDir(), "signet.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
