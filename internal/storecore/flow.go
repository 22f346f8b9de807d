package storecore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/internal/failpoint"
)

// ErrRetry reports that a conditional statement found the row changed under
// it (a race the backend's locking should make impossible). The backend
// rolls back and runs the whole transaction again, a bounded number of
// times, as it does for a serialization failure.
var ErrRetry = errors.New("storecore: row changed concurrently; retry the transaction")

// Revocation reasons the store writes itself (Session.RevokeReason).
const (
	ReasonCodeReuse     = "code_reuse"     // a code was redeemed a second time (RFC 6749 §4.1.2)
	ReasonTokenReuse    = "reuse"          // a rotated-out refresh token came back (RFC 9700 §4.14.2)
	ReasonClientDeleted = "client_deleted" // DeleteClient
)

// Tx is one open write transaction of a backend, offering the statements the
// single-use rules need. Each method is one SQL statement. Reads inside a Tx
// see every change committed before the statement began (SQLite: the
// transaction holds the write lock from BEGIN IMMEDIATE; PostgreSQL: READ
// COMMITTED takes a snapshot per statement, and Lock* hold row locks).
type Tx interface {
	// ClaimCode marks the unused code d used at now (the deciding statement:
	// UPDATE … WHERE used_at = 0 RETURNING …) and returns it as claimed; ok
	// is false if no row changed.
	ClaimCode(ctx context.Context, d signet.Digest, now time.Time) (c signet.AuthorizationCode, ok bool, err error)
	Code(ctx context.Context, d signet.Digest) (signet.AuthorizationCode, error)
	SetCodeSession(ctx context.Context, d signet.Digest, sessionID string) error

	// LockSession reads a session and locks it until the transaction ends
	// (SELECT … FOR UPDATE where the engine has row locks).
	LockSession(ctx context.Context, id string) (signet.Session, error)
	InsertSession(ctx context.Context, s signet.Session) error
	// RevokeSession revokes the session if it is not revoked yet.
	RevokeSession(ctx context.Context, id string, now time.Time, reason string) error
	// AdvanceSession moves the session's current generation from from to
	// from+1, if it still is from.
	AdvanceSession(ctx context.Context, id string, from int64) (bool, error)
	// AdvanceCurrent is AdvanceSession for a rotation decided on a
	// snapshot: it also requires the session to be unrevoked and unexpired
	// at now and, when u is not nil, its user to exist with u's disabled
	// flag and credentials time, so ok is true only if nothing the rotation
	// rules read has changed since.
	AdvanceCurrent(ctx context.Context, id string, from int64, now time.Time, u *signet.User) (bool, error)
	User(ctx context.Context, id string) (signet.User, error)

	// LockRefresh reads the generation whose refresh token has digest d with
	// its session, and locks both until the transaction ends: concurrent
	// refreshers of one token run one after the other, and each one after
	// the first reads what the one before it committed.
	LockRefresh(ctx context.Context, d signet.Digest) (signet.Session, signet.TokenGeneration, error)
	Generation(ctx context.Context, sessionID string, n int64) (signet.TokenGeneration, error)
	InsertGeneration(ctx context.Context, g signet.TokenGeneration) error
	// RotateGeneration sets rotated_at on a generation not rotated yet (the
	// deciding statement of a refresh); ok is false if no row changed.
	RotateGeneration(ctx context.Context, sessionID string, n int64, now time.Time) (bool, error)

	// LockDevice reads a device authorization by device code digest and
	// locks it until the transaction ends.
	LockDevice(ctx context.Context, d signet.Digest) (signet.DeviceAuthorization, error)
	DeviceByUserCode(ctx context.Context, userCode signet.Digest) (signet.DeviceAuthorization, error)
	// UpdateDevice writes to's status, interval, last poll and session if the
	// stored row still has was's; ok is false if no row changed.
	UpdateDevice(ctx context.Context, was, to signet.DeviceAuthorization) (bool, error)
	// DecideDevice sets status, user and auth time on the pending, unexpired
	// authorization with that user code (UPDATE … WHERE status = 'pending'
	// AND expires_at > now RETURNING …); ok is false if no row changed.
	DecideDevice(ctx context.Context, userCode signet.Digest, status signet.DeviceStatus, userID string, authTime, now time.Time) (a signet.DeviceAuthorization, ok bool, err error)

	// InsertAudit appends an audit record (a grant's, signet.GrantAudit).
	InsertAudit(ctx context.Context, r signet.AuditRecord) error
	// ClientEpoch reads the client epoch (signet.ClientEpoch).
	ClientEpoch(ctx context.Context) (signet.ClientEpoch, error)
}

// insertAudit appends the grant's record when the call asked for one.
func insertAudit(ctx context.Context, tx Tx, a signet.GrantAudit, s signet.Session, g signet.TokenGeneration, retry bool) error {
	if a == nil {
		return nil
	}
	return tx.InsertAudit(ctx, a(s, g, retry))
}

// Outcome is what a rule decided. The backend commits the transaction and
// returns Err to the caller (a domain error such as ErrAlreadyUsed, a failed
// Check, or nil); only the second result of a rule function, a failure to
// talk to the database, makes it roll back.
type Outcome[T any] struct {
	Value T
	Err   error
}

func done[T any](v T, err error) (Outcome[T], error) { return Outcome[T]{Value: v, Err: err}, nil }

// notFound separates a missing row (an outcome) from a database failure.
func notFound(err error) bool { return errors.Is(err, signet.ErrNotFound) }

// Rules implements the single-use methods of signet.GrantStore
// (RedeemCode, PollDevice, DecideDevice, Rotate) for a backend; the backends
// embed it.
type Rules struct {
	// InTx runs fn in one write transaction and commits when fn returns nil,
	// running it again from the start (a bounded number of times) after a
	// serialization failure or ErrRetry. Errors come back mapped to the
	// store sentinels.
	InTx func(ctx context.Context, fn func(Tx) error) error

	// Snapshot, when set, reads a refresh token's generation, session and
	// user from the last commit, outside any transaction. Rotate then
	// decides the common case — a live, current generation that passes
	// the checks — on that snapshot, and the transaction only makes the
	// conditional writes that confirm nothing changed since; if anything
	// did, the full rule runs in the same transaction. For SQLite this
	// takes the reads off the one writer connection every write queues
	// for (docs/performance.md); the deciding statements stay inside.
	// The client epoch comes in the same read, and a rotation whose
	// ClientEpoch it does not match goes to the full rule. So does the
	// window of the rotation's failure budget, when it carries one
	// (RotationSnapshotBudget).
	Snapshot func(ctx context.Context, rot signet.Rotation) (RotationRead, error)

	// Count reads a failure budget's window (signet.RateLimitStore.Count)
	// for a rotation whose snapshot could not carry it: an unknown token,
	// a failed read, or no Snapshot at all.
	Count func(ctx context.Context, key signet.Digest, now time.Time) (int64, time.Time, error)

	// CommitCurrent, when set, makes RotateCurrent's conditional writes
	// for a snapshot's common case as one atomic statement instead of a
	// transaction (PostgreSQL: one round trip instead of five): it moves
	// session s from generation g to next only if s is still live at now
	// and at g, g is not rotated, and u (when not nil) is unchanged in
	// what the rules read, and appends audit (when not nil) in the same
	// statement. ok is false, with nothing written, when any of that does
	// not hold, and the full rule then decides in a transaction.
	CommitCurrent func(ctx context.Context, now time.Time, s signet.Session, g signet.TokenGeneration, u *signet.User, next signet.TokenGeneration, audit *signet.AuditRecord) (ok bool, err error)

	// FailPoints are the crash test's armed points (package failpoint),
	// met inside the transaction: grant-claimed after a code, device code
	// or refresh token was consumed and before what it grants is inserted,
	// reuse-revoking after a reuse revoked a session and before the
	// commit. Nil, the default, arms none. CommitCurrent's single
	// statement has no moment between its claim and its insert, so
	// grant-claimed is not met on that path.
	FailPoints *failpoint.Points
}

// apply runs a rule in one transaction and commits what it decided.
func apply[T any](ctx context.Context, r Rules, rule func(Tx) (Outcome[T], error)) (T, error) {
	var out Outcome[T]
	err := r.InTx(ctx, func(tx Tx) error {
		var err error
		out, err = rule(tx)
		return err
	})
	if err != nil {
		var zero T
		return zero, err
	}
	return out.Value, out.Err
}

// RedeemCode implements signet.GrantStore.
func (r Rules) RedeemCode(ctx context.Context, cr signet.CodeRedemption) (signet.AuthorizationCode, signet.Session, signet.TokenGeneration, error) {
	res, err := apply(ctx, r, func(tx Tx) (Outcome[CodeResult], error) { return RedeemCode(ctx, tx, r.FailPoints, cr) })
	return res.Code, res.Session, res.Tokens, err
}

// StartSession implements signet.GrantStore.
func (r Rules) StartSession(ctx context.Context, st signet.SessionStart) (signet.Session, signet.TokenGeneration, error) {
	res, err := apply(ctx, r, func(tx Tx) (Outcome[CodeResult], error) { return StartSession(ctx, tx, st) })
	return res.Session, res.Tokens, err
}

// PollDevice implements signet.GrantStore.
func (r Rules) PollDevice(ctx context.Context, p signet.DevicePoll) (signet.DevicePollResult, error) {
	return apply(ctx, r, func(tx Tx) (Outcome[signet.DevicePollResult], error) { return PollDevice(ctx, tx, r.FailPoints, p) })
}

// DecideDevice implements signet.GrantStore.
func (r Rules) DecideDevice(ctx context.Context, userCode signet.Digest, status signet.DeviceStatus, userID string, authTime, now time.Time) (signet.DeviceAuthorization, error) {
	return apply(ctx, r, func(tx Tx) (Outcome[signet.DeviceAuthorization], error) {
		return DecideDevice(ctx, tx, userCode, status, userID, authTime, now)
	})
}

// Rotate implements signet.GrantStore.
func (r Rules) Rotate(ctx context.Context, rot signet.Rotation) (signet.RotationResult, error) {
	admitted := rot.Budget == nil
	if r.Snapshot != nil {
		snap, err := r.Snapshot(ctx, rot)
		if err == nil && !admitted {
			admitted = true
			if err := rot.Budget.Admit(snap.Budget.Count, snap.Budget.Reset, nil); err != nil {
				return signet.RotationResult{}, err
			}
		}
		if err == nil && rot.ClientEpoch != 0 && snap.ClientEpoch != rot.ClientEpoch {
			// The epoch only grows: the full rule would read this or a
			// later one, so its answer is already known.
			return signet.RotationResult{}, signet.ErrClientChanged
		}
		if err == nil && current(rot, snap) {
			s, g, u := snap.Session, snap.Tokens, snap.User
			if r.CommitCurrent == nil {
				return apply(ctx, r, func(tx Tx) (Outcome[signet.RotationResult], error) {
					out, ok, err := RotateCurrent(ctx, tx, r.FailPoints, rot, s, g, u)
					if err != nil || ok {
						return out, err
					}
					return Rotate(ctx, tx, r.FailPoints, rot)
				})
			}
			var user *signet.User
			if s.UserID != "" {
				user = &u
			}
			next := rot.Next(s, g)
			next.SessionID, next.Generation = s.ID, g.Generation+1
			var rec *signet.AuditRecord
			if rot.Audit != nil {
				moved := s
				moved.Generation = next.Generation
				a := rot.Audit(moved, next, false)
				rec = &a
			}
			ok, err := r.CommitCurrent(ctx, rot.Now, s, g, user, next, rec)
			if err != nil {
				return signet.RotationResult{}, err
			}
			if ok {
				s.Generation = next.Generation
				return signet.RotationResult{Session: s, Tokens: next}, nil
			}
		}
	}
	if !admitted {
		if err := r.admit(ctx, rot); err != nil {
			return signet.RotationResult{}, err
		}
	}
	return apply(ctx, r, func(tx Tx) (Outcome[signet.RotationResult], error) { return Rotate(ctx, tx, r.FailPoints, rot) })
}

// errNoCount is what a budget is told when its backend cannot count.
var errNoCount = errors.New("storecore: the backend reads no failure budget")

// admit consults rot's failure budget with a read of its own.
func (r Rules) admit(ctx context.Context, rot signet.Rotation) error {
	if r.Count == nil {
		return rot.Budget.Admit(0, time.Time{}, errNoCount)
	}
	n, reset, err := r.Count(ctx, rot.Budget.Key, rot.Now)
	return rot.Budget.Admit(n, reset, err)
}

// current reports whether a snapshot shows the common case of a rotation:
// a live session whose current generation is g, not rotated, not expired,
// and passing the rotation's checks.
func current(r signet.Rotation, snap RotationRead) bool {
	s, g, u := snap.Session, snap.Tokens, snap.User
	if r.Decide(s, g, nil) != signet.RefreshRotate || s.Generation != g.Generation {
		return false
	}
	if s.UserID == "" {
		u = signet.User{}
	}
	return r.Check == nil || r.Check(s, u, g) == nil
}

// RotateCurrent rotates generation g of session s as read in a snapshot
// that current accepted. The session's generation moves first, on the
// condition that the session, its user and its current generation are as
// the snapshot showed (AdvanceCurrent); ok is false, with nothing written,
// if they are not, and the caller runs the full rule instead. fp's
// grant-claimed is met between the rotation mark and the insert.
func RotateCurrent(ctx context.Context, tx Tx, fp *failpoint.Points, r signet.Rotation, s signet.Session, g signet.TokenGeneration, u signet.User) (Outcome[signet.RotationResult], bool, error) {
	type result = signet.RotationResult
	var user *signet.User
	if s.UserID != "" {
		user = &u
	}
	if ok, err := tx.AdvanceCurrent(ctx, s.ID, g.Generation, r.Now, user); err != nil || !ok {
		return Outcome[result]{}, false, err
	}
	// The session's current generation is never a rotated one: both move
	// in the same transaction. Not so here means the store is
	// inconsistent, which nobody should be answered 200 on.
	if ok, err := tx.RotateGeneration(ctx, s.ID, g.Generation, r.Now); err != nil || !ok {
		if err == nil {
			err = fmt.Errorf("storecore: current generation %d of a session was already rotated", g.Generation)
		}
		return Outcome[result]{}, false, err
	}
	fp.Hit(failpoint.GrantClaimed)
	next := r.Next(s, g)
	next.SessionID, next.Generation = s.ID, g.Generation+1
	if err := tx.InsertGeneration(ctx, next); err != nil {
		return Outcome[result]{}, false, err
	}
	s.Generation = next.Generation
	if err := insertAudit(ctx, tx, r.Audit, s, next, false); err != nil {
		return Outcome[result]{}, false, err
	}
	return Outcome[result]{Value: result{Session: s, Tokens: next}}, true, nil
}

// CodeResult is what RedeemCode returns.
type CodeResult struct {
	Code    signet.AuthorizationCode
	Session signet.Session
	Tokens  signet.TokenGeneration
}

// clientChanged reports whether epoch, the epoch a caller read its client
// at, is not zero and not tx's: the rule then answers ErrClientChanged with
// nothing changed, and the caller decides again on the client as stored.
func clientChanged(ctx context.Context, tx Tx, epoch signet.ClientEpoch) (bool, error) {
	if epoch == 0 {
		return false, nil
	}
	e, err := tx.ClientEpoch(ctx)
	return err == nil && e != epoch, err
}

// RedeemCode applies GrantStore.RedeemCode's rules in tx. fp's
// grant-claimed is met once the code is claimed, reuse-revoking once a
// second redemption revoked what the first made.
func RedeemCode(ctx context.Context, tx Tx, fp *failpoint.Points, r signet.CodeRedemption) (Outcome[CodeResult], error) {
	// First: a stale client neither burns the code nor revokes what a first
	// redemption made; the caller decides again on the client as stored now.
	if changed, err := clientChanged(ctx, tx, r.ClientEpoch); err != nil {
		return Outcome[CodeResult]{}, err
	} else if changed {
		return done(CodeResult{}, signet.ErrClientChanged)
	}
	c, ok, err := tx.ClaimCode(ctx, r.Digest, r.Now)
	if err != nil {
		return Outcome[CodeResult]{}, err
	}
	if !ok {
		return redeemedAgain(ctx, tx, fp, r)
	}
	fp.Hit(failpoint.GrantClaimed)
	var u signet.User
	if c.UserID != "" {
		if u, err = tx.User(ctx, c.UserID); err != nil && !notFound(err) {
			return Outcome[CodeResult]{}, err
		}
	}
	if err := r.Check(c, u); err != nil {
		// The claim above stays: a failed check burns the code (RFC 7636 §4.6).
		return done(CodeResult{Code: c}, err)
	}
	s, g := r.Grant(c)
	s.Generation = 0
	g.SessionID, g.Generation = s.ID, 0
	if err := insertSession(ctx, tx, s, g); err != nil {
		return Outcome[CodeResult]{}, err
	}
	if err := tx.SetCodeSession(ctx, r.Digest, s.ID); err != nil {
		return Outcome[CodeResult]{}, err
	}
	if err := insertAudit(ctx, tx, r.Audit, s, g, false); err != nil {
		return Outcome[CodeResult]{}, err
	}
	c.SessionID = s.ID
	return done(CodeResult{Code: c, Session: s, Tokens: g}, nil)
}

// redeemedAgain handles a code that is unknown or already used: a second
// redemption revokes what the first one created (RFC 6749 §4.1.2, catalogue
// AC-07).
func redeemedAgain(ctx context.Context, tx Tx, fp *failpoint.Points, r signet.CodeRedemption) (Outcome[CodeResult], error) {
	c, err := tx.Code(ctx, r.Digest)
	if notFound(err) {
		return done(CodeResult{}, signet.ErrNotFound)
	}
	if err != nil {
		return Outcome[CodeResult]{}, err
	}
	if c.UsedAt.IsZero() {
		return Outcome[CodeResult]{}, ErrRetry
	}
	res := CodeResult{Code: c}
	if c.SessionID != "" {
		if err := tx.RevokeSession(ctx, c.SessionID, r.Now, ReasonCodeReuse); err != nil {
			return Outcome[CodeResult]{}, err
		}
		fp.Hit(failpoint.ReuseRevoking)
		s, err := tx.LockSession(ctx, c.SessionID)
		if err != nil && !notFound(err) {
			return Outcome[CodeResult]{}, err
		}
		res.Session = s
	}
	return done(res, signet.ErrAlreadyUsed)
}

// StartSession applies GrantStore.StartSession's rule in tx: the user is
// read in the transaction that writes the session, so a user disabled or
// removed concurrently never gets a session Check did not see.
func StartSession(ctx context.Context, tx Tx, st signet.SessionStart) (Outcome[CodeResult], error) {
	var u signet.User
	if st.UserID != "" {
		var err error
		if u, err = tx.User(ctx, st.UserID); err != nil && !notFound(err) {
			return Outcome[CodeResult]{}, err
		}
	}
	if err := st.Check(u); err != nil {
		return done(CodeResult{}, err)
	}
	s, g := st.Grant(u)
	s.Generation = 0
	g.SessionID, g.Generation = s.ID, 0
	if err := insertSession(ctx, tx, s, g); err != nil {
		return Outcome[CodeResult]{}, err
	}
	if err := insertAudit(ctx, tx, st.Audit, s, g, false); err != nil {
		return Outcome[CodeResult]{}, err
	}
	return done(CodeResult{Session: s, Tokens: g}, nil)
}

func insertSession(ctx context.Context, tx Tx, s signet.Session, g signet.TokenGeneration) error {
	if err := tx.InsertSession(ctx, s); err != nil {
		return err
	}
	return tx.InsertGeneration(ctx, g)
}

// PollDevice applies GrantStore.PollDevice's rules in tx. fp's
// grant-claimed is met once the device code is marked redeemed.
func PollDevice(ctx context.Context, tx Tx, fp *failpoint.Points, p signet.DevicePoll) (Outcome[signet.DevicePollResult], error) {
	type result = signet.DevicePollResult
	if changed, err := clientChanged(ctx, tx, p.ClientEpoch); err != nil {
		return Outcome[result]{}, err
	} else if changed {
		return done(result{}, signet.ErrClientChanged)
	}
	a, err := tx.LockDevice(ctx, p.Digest)
	if notFound(err) {
		return done(result{}, signet.ErrNotFound)
	}
	if err != nil {
		return Outcome[result]{}, err
	}
	if p.Check != nil {
		if err := p.Check(a); err != nil {
			return done(result{Device: a}, err)
		}
	}
	// Redeemed before slow-down: the losers of a race right after approval
	// learn that the code is spent, not that they polled too fast.
	if a.Status == signet.DeviceRedeemed {
		return done(result{Device: a}, signet.ErrAlreadyUsed)
	}
	if !p.Now.Before(a.ExpiresAt) {
		return done(result{Device: a}, nil)
	}
	was := a
	if !a.LastPolledAt.IsZero() && p.Now.Before(a.LastPolledAt.Add(a.Interval-p.BurstAllowance)) {
		// RFC 8628 §3.5: slow_down raises the interval for every later poll,
		// on every node, because it is stored.
		a.Interval += p.SlowDownStep
		if ok, err := tx.UpdateDevice(ctx, was, a); err != nil || !ok {
			return Outcome[result]{}, orRetry(err)
		}
		return done(result{Device: a, SlowDown: true}, nil)
	}
	// The poll counts at the later of now and one interval after the last
	// counted one (GCRA): a poll inside the allowance moves the mark ahead,
	// so a burst is paid back by waiting; without an allowance the mark is
	// now.
	if next := a.LastPolledAt.Add(a.Interval); a.LastPolledAt.IsZero() || p.Now.After(next) {
		a.LastPolledAt = p.Now
	} else {
		a.LastPolledAt = next
	}
	var res result
	if a.Status == signet.DeviceApproved {
		if a.UserID != "" {
			if res.User, err = tx.User(ctx, a.UserID); err != nil && !notFound(err) {
				return Outcome[result]{}, err
			}
		}
		if p.CheckUser != nil {
			if err := p.CheckUser(a, res.User); err != nil {
				return done(result{Device: was}, err)
			}
		}
		s, g := p.Grant(a)
		s.Generation = 0
		g.SessionID, g.Generation = s.ID, 0
		a.Status, a.SessionID = signet.DeviceRedeemed, s.ID
		res.Session, res.Tokens = s, g
	}
	if ok, err := tx.UpdateDevice(ctx, was, a); err != nil || !ok {
		return Outcome[result]{}, orRetry(err)
	}
	if a.Status == signet.DeviceRedeemed {
		fp.Hit(failpoint.GrantClaimed)
		if err := insertSession(ctx, tx, res.Session, res.Tokens); err != nil {
			return Outcome[result]{}, err
		}
		if err := insertAudit(ctx, tx, p.Audit, res.Session, res.Tokens, false); err != nil {
			return Outcome[result]{}, err
		}
	}
	res.Device = a
	return done(res, nil)
}

func orRetry(err error) error {
	if err != nil {
		return err
	}
	return ErrRetry
}

// DecideDevice applies GrantStore.DecideDevice's rules in tx.
func DecideDevice(ctx context.Context, tx Tx, userCode signet.Digest, status signet.DeviceStatus, userID string, authTime, now time.Time) (Outcome[signet.DeviceAuthorization], error) {
	if status != signet.DeviceApproved && status != signet.DeviceDenied {
		return done(signet.DeviceAuthorization{}, fmt.Errorf("storecore: a device decision is approved or denied, not %q", status))
	}
	a, ok, err := tx.DecideDevice(ctx, userCode, status, userID, authTime, now)
	if err != nil {
		return Outcome[signet.DeviceAuthorization]{}, err
	}
	if ok {
		return done(a, nil)
	}
	a, err = tx.DeviceByUserCode(ctx, userCode)
	if notFound(err) {
		return done(a, signet.ErrNotFound)
	}
	if err != nil {
		return Outcome[signet.DeviceAuthorization]{}, err
	}
	if !now.Before(a.ExpiresAt) {
		return done(a, signet.ErrNotFound)
	}
	if a.Status == signet.DevicePending {
		return Outcome[signet.DeviceAuthorization]{}, ErrRetry
	}
	return done(a, signet.ErrAlreadyUsed)
}

// Rotate applies GrantStore.Rotate's rules in tx. fp's grant-claimed is
// met between the rotation mark and the successor's insert,
// reuse-revoking once a reuse revoked the session.
func Rotate(ctx context.Context, tx Tx, fp *failpoint.Points, r signet.Rotation) (Outcome[signet.RotationResult], error) {
	type result = signet.RotationResult
	fail := func(err error) (Outcome[result], error) {
		if notFound(err) {
			return done(result{}, signet.ErrNotFound)
		}
		return Outcome[result]{}, err
	}
	s, g, err := tx.LockRefresh(ctx, r.Digest)
	if err != nil {
		return fail(err)
	}
	// Read after the session is locked: a deletion of its client, which
	// revokes it, either committed before (and shows here) or waits for
	// this transaction.
	if changed, err := clientChanged(ctx, tx, r.ClientEpoch); err != nil {
		return Outcome[result]{}, err
	} else if changed {
		return done(result{}, signet.ErrClientChanged)
	}
	if !s.Live(r.Now) {
		return done(result{}, signet.ErrNotFound)
	}
	var u signet.User
	if s.UserID != "" {
		if u, err = tx.User(ctx, s.UserID); err != nil && !notFound(err) {
			return Outcome[result]{}, err
		}
	}
	if r.Check != nil {
		if err := r.Check(s, u, g); err != nil {
			return done(result{}, err)
		}
	}
	// One decision for every rotation path (signet.Rotation.Decide): the
	// grace window never extends an expiry (catalogue RT-04).
	var next signet.TokenGeneration
	step := r.Decide(s, g, nil)
	if step == signet.RefreshNeedsSuccessor {
		if next, err = tx.Generation(ctx, s.ID, s.Generation); err != nil {
			return fail(err)
		}
		step = r.Decide(s, g, &next)
	}
	switch step {
	case signet.RefreshExpired:
		return done(result{}, signet.ErrNotFound)
	case signet.RefreshRetry:
		// An idempotent retry (catalogue RT-02, CC-02): handed out again,
		// so recorded again.
		if err := insertAudit(ctx, tx, r.Audit, s, next, true); err != nil {
			return Outcome[result]{}, err
		}
		return done(result{Session: s, Tokens: next, Retry: true}, nil)
	case signet.RefreshReuse:
		// Reuse detection: the whole family goes (RFC 9700 §4.14.2, RT-01).
		if err := tx.RevokeSession(ctx, s.ID, r.Now, ReasonTokenReuse); err != nil {
			return Outcome[result]{}, err
		}
		fp.Hit(failpoint.ReuseRevoking)
		return done(result{}, signet.ErrTokenReused)
	}
	if ok, err := tx.RotateGeneration(ctx, s.ID, g.Generation, r.Now); err != nil || !ok {
		return Outcome[result]{}, orRetry(err)
	}
	fp.Hit(failpoint.GrantClaimed)
	next = r.Next(s, g)
	next.SessionID, next.Generation = s.ID, g.Generation+1
	if err := tx.InsertGeneration(ctx, next); err != nil {
		return Outcome[result]{}, err
	}
	if ok, err := tx.AdvanceSession(ctx, s.ID, g.Generation); err != nil || !ok {
		return Outcome[result]{}, orRetry(err)
	}
	s.Generation = next.Generation
	if err := insertAudit(ctx, tx, r.Audit, s, next, false); err != nil {
		return Outcome[result]{}, err
	}
	return done(result{Session: s, Tokens: next}, nil)
}

// Claimed adapts a conditional UPDATE … RETURNING read through a Scanner:
// no row (signet.ErrNotFound) means the condition did not hold, ok=false.
func Claimed[T any](v T, err error) (T, bool, error) {
	if notFound(err) {
		var zero T
		return zero, false, nil
	}
	return v, err == nil, err
}
