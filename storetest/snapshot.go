package storetest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/signet-auth/signet"
)

// RunRotationSnapshot checks a backend that decides rotations on a
// snapshot read outside the transaction (storecore.Rules.Snapshot): a
// change made between the snapshot and the write must leave the answer the
// full rule gives for the changed state, and the records consistent.
// open returns fresh stores and a function that installs a hook the store
// calls once, right after its next snapshot was read.
func RunRotationSnapshot(t *testing.T, open func(t *testing.T) (signet.Stores, func(hook func()))) {
	refused := errors.New("refused by the check")
	tests := []struct {
		name    string
		change  func(f *fixture, s signet.Session, g signet.TokenGeneration)
		wantErr error // nil: rotated to generation 1
		// epoch: the rotation carries the client epoch read before it.
		epoch bool
	}{
		{"NothingChanged", func(*fixture, signet.Session, signet.TokenGeneration) {}, nil, false},
		{"NothingChangedWithEpoch", func(*fixture, signet.Session, signet.TokenGeneration) {}, nil, true},
		{"SessionRevoked", func(f *fixture, s signet.Session, _ signet.TokenGeneration) {
			f.must(f.s.Grants.RevokeSession(f.ctx, s.ID, t0.Add(time.Second), "logout"))
		}, signet.ErrNotFound, false},
		{"RotatedByAnotherRequest", func(f *fixture, _ signet.Session, g signet.TokenGeneration) {
			_, err := f.s.Grants.Rotate(f.ctx, rotation(g, t0.Add(time.Second), time.Minute))
			f.must(err)
		}, nil, false}, // inside the grace window: the same successor (RT-02)
		{"RotatedAndGraceOver", func(f *fixture, _ signet.Session, g signet.TokenGeneration) {
			_, err := f.s.Grants.Rotate(f.ctx, rotation(g, t0.Add(-2*time.Minute), time.Minute))
			f.must(err)
		}, signet.ErrTokenReused, false},
		{"OwnClientDeleted", func(f *fixture, s signet.Session, _ signet.TokenGeneration) {
			f.must(f.s.Clients.DeleteClient(f.ctx, s.ClientID, t0.Add(time.Second)))
		}, signet.ErrNotFound, false},
		{"OwnClientDeletedWithEpoch", func(f *fixture, s signet.Session, _ signet.TokenGeneration) {
			f.must(f.s.Clients.DeleteClient(f.ctx, s.ClientID, t0.Add(time.Second)))
		}, signet.ErrClientChanged, true},
		// Another client's deletion after the snapshot changes nothing the
		// rotation was decided on: the epoch matched in the snapshot's read.
		{"OtherClientDeletedWithEpoch", func(f *fixture, _ signet.Session, _ signet.TokenGeneration) {
			f.must(f.s.Clients.DeleteClient(f.ctx, "snap-other", t0.Add(time.Second)))
		}, nil, true},
		{"UserDisabled", func(f *fixture, s signet.Session, _ signet.TokenGeneration) {
			u, err := f.s.Users.GetUser(f.ctx, s.UserID)
			f.must(err)
			u.Disabled = true
			f.must(f.s.Users.UpdateUser(f.ctx, u))
		}, refused, false},
		{"PasswordChanged", func(f *fixture, s signet.Session, _ signet.TokenGeneration) {
			u, err := f.s.Users.GetUser(f.ctx, s.UserID)
			f.must(err)
			u.CredentialsChangedAt = t0.Add(time.Second)
			f.must(f.s.Users.UpdateUser(f.ctx, u))
		}, refused, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stores, install := open(t)
			f := newFixture(t, stores)
			s, g0 := f.session("snap")
			f.client("snap-other")
			now := t0.Add(time.Minute)
			r := rotation(g0, now, time.Minute)
			if tt.epoch {
				_, e, err := f.s.Clients.GetClientEpoch(f.ctx, s.ClientID)
				f.must(err)
				r.ClientEpoch = e
			}
			install(func() { tt.change(f, s, g0) })

			r.Check = func(s signet.Session, u signet.User, _ signet.TokenGeneration) error {
				if u.ID == "" || u.Disabled || u.CredentialsChangedAt.After(s.AuthTime) {
					return refused
				}
				return nil
			}
			res, err := f.s.Grants.Rotate(f.ctx, r)
			if tt.wantErr != nil {
				isErr(t, "Rotate", err, tt.wantErr)
			} else {
				noErr(t, "Rotate", err)
				eq(t, "successor's generation", res.Tokens.Generation, int64(1))
				eq(t, "session's generation", res.Session.Generation, int64(1))
			}
			// Whatever the answer, the records agree: the session is at
			// generation 1 exactly when generation 0 is rotated, and
			// generation 1 exists exactly then.
			got, err := f.s.Grants.GetSession(f.ctx, s.ID)
			noErr(t, "GetSession", err)
			_, lg, err := f.s.Grants.LookupRefresh(f.ctx, g0.RefreshDigest)
			noErr(t, "LookupRefresh", err)
			// (Successors' digests depend on the session and number only.)
			successors := 0
			if _, _, err := f.s.Grants.LookupAccess(f.ctx, next(now)(s, g0).AccessDigest); err == nil {
				successors = 1
			}
			if (got.Generation == 1) != !lg.RotatedAt.IsZero() || int64(successors) != got.Generation {
				t.Fatalf("session at generation %d, generation 0 rotated at %v, %d successors stored: inconsistent",
					got.Generation, lg.RotatedAt, successors)
			}
		})
	}
}

// RunRotationStatements checks what a rotation of a live, current token
// costs in statements (a backend's Statements counter): want, exactly.
func RunRotationStatements(t *testing.T, s signet.Stores, statements func() uint64, want uint64) {
	f := newFixture(t, s)
	_, g0 := f.session("stmts")
	before := statements()
	_, err := f.s.Grants.Rotate(f.ctx, rotation(g0, t0.Add(time.Minute), time.Minute))
	noErr(t, "Rotate", err)
	if got := statements() - before; got != want {
		t.Errorf("a rotation ran %d statements, want %d", got, want)
	}
}

// HookSnapshot wraps a backend's Rules.Snapshot so that a hook installed
// through the returned function runs once, right after the next snapshot
// was read: what RunRotationSnapshot's open function returns.
func HookSnapshot[T any](snap *func(context.Context, signet.Rotation) (T, error)) func(func()) {
	var (
		mu   sync.Mutex
		hook func()
	)
	orig := *snap
	*snap = func(ctx context.Context, rot signet.Rotation) (T, error) {
		v, err := orig(ctx, rot)
		mu.Lock()
		h := hook
		hook = nil
		mu.Unlock()
		if h != nil {
			h()
		}
		return v, err
	}
	return func(h func()) { mu.Lock(); hook = h; mu.Unlock() }
}
