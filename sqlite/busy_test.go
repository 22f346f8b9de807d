package sqlite

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/signet-auth/signet"
)

// These tests answer catalogue CC-06 for SQLite: another process holding
// the database's write lock makes a write wait at most busy_timeout, then
// fail as ErrUnavailable (a 5xx at the wire) with nothing written; a lock
// released within that time only delays the write.

var busyT0 = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

func busyDigest(parts ...string) signet.Digest {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return signet.Digest(h.Sum(nil))
}

// busyFixture is a database with a client, a user, a live session at
// generation 0 and an authorization code not yet redeemed.
type busyFixture struct {
	db   *DB
	path string
	sess signet.Session
	gen  signet.TokenGeneration
	code signet.Digest // of the code not yet redeemed
}

func newBusyFixture(t *testing.T, lockWait time.Duration) *busyFixture {
	t.Helper()
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "signet.db")
	db, err := open(ctx, path, lockWait, writerAutoCheckpoint)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(db.CreateClient(ctx, signet.Client{ID: "cli", Type: signet.ClientPublic,
		GrantTypes: []string{signet.GrantAuthorizationCode, signet.GrantRefreshToken}, CreatedAt: busyT0}))
	must(db.CreateUser(ctx, signet.User{ID: "usr", Name: "alice", PasswordHash: "x", CreatedAt: busyT0, UpdatedAt: busyT0}))
	f := &busyFixture{db: db, path: path}
	for _, label := range []string{"first", "second"} {
		must(db.CreateCode(ctx, signet.AuthorizationCode{
			Digest: busyDigest("code", label), ClientID: "cli", UserID: "usr", Protocol: signet.ProtocolSSOOIDC,
			Scopes: []string{"openid"}, AuthTime: busyT0, CreatedAt: busyT0, ExpiresAt: busyT0.Add(10 * time.Minute),
		}))
	}
	_, f.sess, f.gen, err = db.RedeemCode(ctx, busyRedemption(busyDigest("code", "first"), "sess-first"))
	must(err)
	f.code = busyDigest("code", "second")
	return f
}

func busyRedemption(d signet.Digest, sessionID string) signet.CodeRedemption {
	return signet.CodeRedemption{
		Digest: d, Now: busyT0.Add(time.Second),
		Check: func(signet.AuthorizationCode, signet.User) error { return nil },
		Grant: func(c signet.AuthorizationCode) (signet.Session, signet.TokenGeneration) {
			now := busyT0.Add(time.Second)
			return signet.Session{ID: sessionID, ClientID: c.ClientID, UserID: c.UserID, Protocol: c.Protocol,
					Scopes: c.Scopes, AuthTime: c.AuthTime, CreatedAt: now, ExpiresAt: now.Add(24 * time.Hour)},
				signet.TokenGeneration{RefreshDigest: busyDigest("rt", sessionID, "0"), AccessDigest: busyDigest("at", sessionID, "0"),
					IssuedAt: now, AccessExpiresAt: now.Add(15 * time.Minute), RefreshExpiresAt: now.Add(12 * time.Hour)}
		},
	}
}

func busyRotation(g signet.TokenGeneration) signet.Rotation {
	now := busyT0.Add(time.Minute)
	return signet.Rotation{
		Digest: g.RefreshDigest, Now: now, Grace: time.Minute,
		Check: func(signet.Session, signet.User, signet.TokenGeneration) error { return nil },
		Next: func(s signet.Session, g signet.TokenGeneration) signet.TokenGeneration {
			return signet.TokenGeneration{RefreshDigest: busyDigest("rt", s.ID, "1"), AccessDigest: busyDigest("at", s.ID, "1"),
				IssuedAt: now, AccessExpiresAt: now.Add(15 * time.Minute), RefreshExpiresAt: now.Add(12 * time.Hour)}
		},
	}
}

// holdWriteLock opens a second, independent connection on the file (as
// another process would) and takes the write lock with BEGIN IMMEDIATE. The
// returned function releases it.
func holdWriteLock(t *testing.T, path string) (release func()) {
	t.Helper()
	other, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(0)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Close() })
	conn, err := other.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(context.Background(), "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	done := false
	release = func() {
		if done {
			return
		}
		done = true
		if _, err := conn.ExecContext(context.Background(), "ROLLBACK"); err != nil {
			t.Error(err)
		}
		conn.Close()
	}
	t.Cleanup(release)
	return release
}

// busyCount runs a COUNT(*) query on a fresh connection.
func busyCount(t *testing.T, path, q string, args ...any) int {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestCC06_SQLiteBusyGivesUpAfterOneBusyTimeout holds the write lock from
// another connection for longer than busy_timeout. A refresh and a code
// redemption must each give up with ErrUnavailable after about one
// busy_timeout, not after maxAttempts of them (which would outlast the HTTP
// server's WriteTimeout and cut the connection instead of answering 5xx),
// and leave no row behind: the refresh token and the code still work once
// the lock is gone.
func TestCC06_SQLiteBusyGivesUpAfterOneBusyTimeout(t *testing.T) {
	t.Parallel()
	const lockWait = time.Second
	f := newBusyFixture(t, lockWait)
	ctx := t.Context()
	release := holdWriteLock(t, f.path)

	// A bound far below maxAttempts × busy_timeout (8 s here), with room
	// for a slow machine.
	const bound = 3 * lockWait
	start := time.Now()
	_, err := f.db.Rotate(ctx, busyRotation(f.gen))
	if took := time.Since(start); !errors.Is(err, signet.ErrUnavailable) || took > bound {
		t.Fatalf("Rotate with the write lock held: %v after %v; want ErrUnavailable within %v", err, took, bound)
	}
	start = time.Now()
	_, _, _, err = f.db.RedeemCode(ctx, busyRedemption(f.code, "sess-second"))
	if took := time.Since(start); !errors.Is(err, signet.ErrUnavailable) || took > bound {
		t.Fatalf("RedeemCode with the write lock held: %v after %v; want ErrUnavailable within %v", err, took, bound)
	}
	// Readers are not blocked by a writer (WAL).
	if _, _, err := f.db.LookupRefresh(ctx, f.gen.RefreshDigest); err != nil {
		t.Errorf("LookupRefresh with the write lock held: %v", err)
	}
	release()

	// Nothing of either failed write is in the file.
	if n := busyCount(t, f.path, `SELECT COUNT(*) FROM token_generations`); n != 1 {
		t.Errorf("%d token generations after the failed writes, want 1", n)
	}
	if n := busyCount(t, f.path, `SELECT COUNT(*) FROM sessions`); n != 1 {
		t.Errorf("%d sessions after the failed writes, want 1", n)
	}
	if n := busyCount(t, f.path, `SELECT COUNT(*) FROM codes WHERE used_at <> 0`); n != 1 {
		t.Errorf("%d used codes after the failed writes, want 1", n)
	}
	s, g, err := f.db.LookupRefresh(ctx, f.gen.RefreshDigest)
	if err != nil || s.Generation != 0 || !g.RotatedAt.IsZero() {
		t.Errorf("presented generation after the failed rotation: %+v, %+v, %v", s, g, err)
	}
	// And both writes go through now, as first attempts would.
	res, err := f.db.Rotate(ctx, busyRotation(f.gen))
	if err != nil || res.Retry || res.Tokens.Generation != 1 {
		t.Errorf("Rotate after the lock is gone: %+v, %v", res, err)
	}
	if _, _, _, err := f.db.RedeemCode(ctx, busyRedemption(f.code, "sess-second")); err != nil {
		t.Errorf("RedeemCode after the lock is gone: %v", err)
	}
}

// TestCC06_SQLiteBusyLockReleasedWithinBudget holds the write lock for a
// moment, well within busy_timeout: the refresh waits for it and then
// succeeds, exactly once.
func TestCC06_SQLiteBusyLockReleasedWithinBudget(t *testing.T) {
	t.Parallel()
	f := newBusyFixture(t, busyTimeout)
	ctx := t.Context()
	release := holdWriteLock(t, f.path)

	type result struct {
		res signet.RotationResult
		err error
	}
	done := make(chan result, 1)
	go func() {
		res, err := f.db.Rotate(ctx, busyRotation(f.gen))
		done <- result{res, err}
	}()
	time.Sleep(200 * time.Millisecond)
	select {
	case r := <-done:
		t.Fatalf("Rotate finished while the write lock was held: %+v, %v", r.res, r.err)
	default:
	}
	release()
	r := <-done
	if r.err != nil || r.res.Retry || r.res.Tokens.Generation != 1 || r.res.Session.Generation != 1 {
		t.Fatalf("Rotate after the lock was released: %+v, %v", r.res, r.err)
	}
	if n := busyCount(t, f.path, `SELECT COUNT(*) FROM token_generations`); n != 2 {
		t.Errorf("%d token generations, want 2", n)
	}
	if _, g, err := f.db.LookupRefresh(ctx, f.gen.RefreshDigest); err != nil || g.RotatedAt.IsZero() {
		t.Errorf("predecessor after the rotation: %+v, %v", g, err)
	}
}
