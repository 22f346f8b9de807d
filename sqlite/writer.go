package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
)

// maxBatch bounds how many write transactions one commit carries, so one
// batch cannot keep the waiters of its first member waiting without end.
const maxBatch = 64

// errBatchLost answers a member whose own work succeeded but whose batch
// was rolled back by another member's failure before it committed: nothing
// of it was written, so it is retried (from the start, in a later batch).
var errBatchLost = errors.New("sqlite: batch rolled back by another transaction in it")

// writeReq is one logical write transaction handed to the writer.
type writeReq struct {
	ctx  context.Context
	fn   func(*sql.Tx) error
	done chan writeRes // buffered 1: the writer never blocks on it
}

type writeRes struct {
	err      error
	panicked bool
	panicVal any
}

// writer is group commit on the one writer connection. Write transactions
// arriving while a commit is in flight queue up; the writer takes all
// waiting ones (at most maxBatch), runs them one after another in one
// SQLite transaction, each inside its own SAVEPOINT, and commits once. A
// transaction that fails is rolled back to its savepoint and leaves the
// others alone, so each stays all-or-nothing; nobody learns their result
// before the batch has committed, and if the commit fails every member gets
// the error. Running the members in order on one connection is the serial
// execution BEGIN IMMEDIATE gave before, so every single-use decision still
// sees every earlier one. What a batch saves is the commit: one WAL write
// and one lock round for many small transactions, which was most of a
// refresh's time in the store (docs/performance.md).
type writer struct {
	db    *sql.DB
	stmts *stmtCache
	// statements counts BEGIN and COMMIT (the members' statements and
	// savepoints count through their writeTx).
	statements *atomic.Uint64
	reqs       chan writeReq // unbuffered: a send succeeds only when the writer takes it
	// audits are the batch's grant audit records, inserted at its commit.
	audits auditBatch
	quit   chan struct{}
	done   chan struct{}
	once   sync.Once
}

func newWriter(db *sql.DB, stmts *stmtCache, statements *atomic.Uint64) *writer {
	w := &writer{db: db, stmts: stmts, statements: statements, reqs: make(chan writeReq), quit: make(chan struct{}), done: make(chan struct{})}
	go w.loop()
	return w
}

// stop ends the writer after the batch in flight; later do calls fail.
func (w *writer) stop() {
	w.once.Do(func() { close(w.quit) })
	<-w.done
}

// wtx wraps tx, the batch's transaction, for the statements in tx.go.
func (w *writer) wtx(tx *sql.Tx) *writeTx {
	return &writeTx{tx: tx, stmts: w.stmts, statements: w.statements, audits: &w.audits}
}

// do runs fn as one write transaction in some batch and returns its result
// once that batch committed (or failed). A panic in fn panics here.
func (w *writer) do(ctx context.Context, fn func(*sql.Tx) error) error {
	r := writeReq{ctx: ctx, fn: fn, done: make(chan writeRes, 1)}
	select {
	case w.reqs <- r:
	case <-w.quit:
		return sql.ErrConnDone
	case <-ctx.Done():
		return ctx.Err()
	}
	res := <-r.done
	if res.panicked {
		panic(res.panicVal)
	}
	return res.err
}

func (w *writer) loop() {
	defer close(w.done)
	batch := make([]writeReq, 0, maxBatch)
	for {
		select {
		case r := <-w.reqs:
			batch = append(batch[:0], r)
		case <-w.quit:
			return
		}
	more:
		for len(batch) < maxBatch {
			select {
			case r := <-w.reqs:
				batch = append(batch, r)
			default:
				break more
			}
		}
		w.run(batch)
		clear(batch)
		// The connection is free between batches: prepare what it missed.
		w.stmts.prepareWanted(context.Background(), w.db)
	}
}

// run executes one batch and answers every member.
func (w *writer) run(batch []writeReq) {
	res := make([]writeRes, len(batch))
	// The transaction does not end with any caller's context: a cancelled
	// caller must not roll back the others' work.
	w.statements.Add(2) // BEGIN and COMMIT (or ROLLBACK)
	tx, err := w.db.BeginTx(context.Background(), nil)
	if err != nil {
		for i := range res {
			res[i].err = err
		}
		answer(batch, res)
		return
	}
	// Also after a panic inside the writer itself: an abandoned transaction
	// would hold the one connection forever. After Commit this is a no-op.
	defer tx.Rollback()

	if len(batch) == 1 {
		// Nothing to keep apart: no savepoint, the transaction is the unit,
		// and its audit records are inserted as they come.
		res[0] = call(batch[0], tx)
		if res[0].err == nil && !res[0].panicked {
			res[0].err = tx.Commit()
		}
		answer(batch, res)
		return
	}

	t := w.wtx(tx)
	ctx := context.Background()
	// The members' audit records wait for the end of the batch; whatever
	// way it ends, none is left for the next.
	w.audits.deferring = true
	defer w.audits.reset()
	lost := false // SQLite rolled the whole transaction back
	for i, r := range batch {
		// Each member opens a savepoint, nested in the one of the member
		// before (ROLLBACK TO finds the newest of a name); the first
		// member's is named batch, and one RELEASE of it at the end
		// releases them all, so a member that succeeds costs one statement.
		sp := "member"
		if i == 0 {
			sp = "batch"
		}
		if err := t.exec(ctx, `SAVEPOINT `+sp); err != nil {
			lost = true
			break
		}
		mark := w.audits.mark()
		res[i] = call(r, tx)
		if res[i].err == nil && !res[i].panicked {
			continue
		}
		w.audits.undo(mark)
		// ROLLBACK TO fails if SQLite already rolled the whole transaction
		// back (it does on some errors, e.g. an interrupt inside an
		// explicit transaction): then nothing of the batch survives, and
		// the members after this one must not run, or each would commit
		// alone. The savepoint stays, empty, under the next member's.
		if t.exec(ctx, `ROLLBACK TO `+sp) != nil {
			lost = true
			break
		}
	}
	// RELEASE batch fails if the transaction was rolled back by SQLite
	// (or ended by a member) and did not end with an error that showed
	// above: a later SAVEPOINT would have opened a new transaction, which
	// holds no savepoint of that name.
	if !lost && t.exec(ctx, `RELEASE batch`) != nil {
		lost = true
	}
	switch {
	case lost:
		// Whatever had succeeded was rolled back with the rest, and who
		// had not run yet did not: all of it runs again in a later batch.
		fail(res, errBatchLost)
	default:
		if err := w.audits.flush(ctx, t); err != nil {
			fail(res, err)
		} else if err := tx.Commit(); err != nil {
			fail(res, err)
		}
	}
	answer(batch, res)
}

// call runs one member's fn, turning a panic into a result for its caller.
func call(r writeReq, tx *sql.Tx) (res writeRes) {
	if err := r.ctx.Err(); err != nil {
		return writeRes{err: err}
	}
	defer func() {
		if v := recover(); v != nil {
			res = writeRes{panicked: true, panicVal: v, err: fmt.Errorf("sqlite: write transaction panicked: %v", v)}
		}
	}()
	return writeRes{err: r.fn(tx)}
}

// fail gives err to every member that has no error of its own.
func fail(res []writeRes, err error) {
	for i := range res {
		if res[i].err == nil && !res[i].panicked {
			res[i].err = err
		}
	}
}

func answer(batch []writeReq, res []writeRes) {
	for i, r := range batch {
		r.done <- res[i]
	}
}
