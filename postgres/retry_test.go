package postgres

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"math/big"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/internal/pgtest"
)

// These tests answer catalogue CC-06 for PostgreSQL with errors the real
// server raises: serialization failures (40001) and deadlocks (40P01) are
// retried as a whole transaction at most maxAttempts times, then reported
// as ErrUnavailable with nothing written; an exhausted pool is
// ErrUnavailable after a bounded wait.

var cc06T0 = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

func cc06Digest(parts ...string) signet.Digest {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return signet.Digest(h.Sum(nil))
}

// cc06Fixture is a fresh schema with a client, a user, a session at
// generation 0 and a code not yet redeemed; admin is a connection of its
// own on the schema, for the test's own statements.
type cc06Fixture struct {
	url   string // of the schema
	db    *DB
	admin *pgx.Conn
	sess  signet.Session
	gen   signet.TokenGeneration
	code  signet.Digest // not yet redeemed
}

func newCC06Fixture(t *testing.T, maxConns int32) *cc06Fixture {
	t.Helper()
	ctx := t.Context()
	url := pgtest.SchemaURL(t, "signet_cc06_")
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	if maxConns > 0 {
		cfg.MaxConns = maxConns
	}
	db, err := OpenConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	admin, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close(context.Background()) })
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(db.CreateClient(ctx, signet.Client{ID: "cli", Type: signet.ClientPublic,
		GrantTypes: []string{signet.GrantAuthorizationCode, signet.GrantRefreshToken}, CreatedAt: cc06T0}))
	must(db.CreateUser(ctx, signet.User{ID: "usr", Name: "alice", PasswordHash: "x", CreatedAt: cc06T0, UpdatedAt: cc06T0}))
	for _, label := range []string{"first", "second"} {
		must(db.CreateCode(ctx, signet.AuthorizationCode{
			Digest: cc06Digest("code", label), ClientID: "cli", UserID: "usr", Protocol: signet.ProtocolSSOOIDC,
			Scopes: []string{"openid"}, AuthTime: cc06T0, CreatedAt: cc06T0, ExpiresAt: cc06T0.Add(10 * time.Minute),
		}))
	}
	f := &cc06Fixture{url: url, db: db, admin: admin, code: cc06Digest("code", "second")}
	_, f.sess, f.gen, err = db.RedeemCode(ctx, cc06Redemption(cc06Digest("code", "first"), "sess-first"))
	must(err)
	return f
}

func cc06Redemption(d signet.Digest, sessionID string) signet.CodeRedemption {
	now := cc06T0.Add(time.Second)
	return signet.CodeRedemption{
		Digest: d, Now: now,
		Check: func(signet.AuthorizationCode, signet.User) error { return nil },
		Grant: func(c signet.AuthorizationCode) (signet.Session, signet.TokenGeneration) {
			return signet.Session{ID: sessionID, ClientID: c.ClientID, UserID: c.UserID, Protocol: c.Protocol,
					Scopes: c.Scopes, AuthTime: c.AuthTime, CreatedAt: now, ExpiresAt: now.Add(24 * time.Hour)},
				signet.TokenGeneration{RefreshDigest: cc06Digest("rt", sessionID, "0"), AccessDigest: cc06Digest("at", sessionID, "0"),
					IssuedAt: now, AccessExpiresAt: now.Add(15 * time.Minute), RefreshExpiresAt: now.Add(12 * time.Hour)}
		},
	}
}

func cc06Rotation(g signet.TokenGeneration) signet.Rotation {
	now := cc06T0.Add(time.Minute)
	return signet.Rotation{
		Digest: g.RefreshDigest, Now: now, Grace: time.Minute,
		Check: func(signet.Session, signet.User, signet.TokenGeneration) error { return nil },
		Next: func(s signet.Session, g signet.TokenGeneration) signet.TokenGeneration {
			return signet.TokenGeneration{RefreshDigest: cc06Digest("rt", s.ID, "1"), AccessDigest: cc06Digest("at", s.ID, "1"),
				IssuedAt: now, AccessExpiresAt: now.Add(15 * time.Minute), RefreshExpiresAt: now.Add(12 * time.Hour)}
		},
	}
}

func (f *cc06Fixture) exec(t *testing.T, sql string) {
	t.Helper()
	if _, err := f.admin.Exec(t.Context(), sql); err != nil {
		t.Fatal(err)
	}
}

func (f *cc06Fixture) count(t *testing.T, sql string) int64 {
	t.Helper()
	var n int64
	if err := f.admin.QueryRow(t.Context(), sql).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// failInserts makes the server fail the first n inserts into
// token_generations with SQLSTATE code, the table both a rotation and a
// redemption write last, after their other changes. The counter is a
// sequence, which a rollback does not reset, so it also counts attempts.
func (f *cc06Fixture) failInserts(t *testing.T, n int, code string) {
	t.Helper()
	f.exec(t, `CREATE SEQUENCE cc06_attempts`)
	f.exec(t, fmt.Sprintf(`CREATE FUNCTION cc06_fail() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN
			IF nextval('cc06_attempts') <= %d THEN
				RAISE EXCEPTION 'injected by the CC-06 test' USING ERRCODE = '%s';
			END IF;
			RETURN NEW;
		END $$`, n, code))
	f.exec(t, `CREATE TRIGGER cc06_fail BEFORE INSERT ON token_generations
		FOR EACH ROW EXECUTE FUNCTION cc06_fail()`)
}

func (f *cc06Fixture) attempts(t *testing.T) int64 {
	t.Helper()
	return f.count(t, `SELECT last_value FROM cc06_attempts`)
}

// unchanged checks that the fixture's rows are as newCC06Fixture left
// them: no partial rotation or redemption.
func (f *cc06Fixture) unchanged(t *testing.T) {
	t.Helper()
	if n := f.count(t, `SELECT count(*) FROM token_generations`); n != 1 {
		t.Errorf("%d token generations, want 1", n)
	}
	if n := f.count(t, `SELECT count(*) FROM sessions`); n != 1 {
		t.Errorf("%d sessions, want 1", n)
	}
	if n := f.count(t, `SELECT count(*) FROM codes WHERE used_at <> 0`); n != 1 {
		t.Errorf("%d used codes, want 1", n)
	}
	s, g, err := f.db.LookupRefresh(t.Context(), f.gen.RefreshDigest)
	if err != nil || s.Generation != 0 || !g.RotatedAt.IsZero() || !s.RevokedAt.IsZero() {
		t.Errorf("presented generation: %+v, %+v, %v; want generation 0, not rotated, not revoked", s, g, err)
	}
}

// TestCC06_PostgresSerializationFailureRetried has the server raise 40001
// or 40P01 on the last statement of a rotation and of a redemption: within
// the retry budget the transaction runs again from the start and succeeds
// once; past it the store gives up with ErrUnavailable after exactly
// maxAttempts attempts of the transaction and nothing is written.
func TestCC06_PostgresSerializationFailureRetried(t *testing.T) {
	// A rotation first tries the snapshot's one statement, then the full
	// rule's transaction with its budget.
	const rotateAttempts = 1 + maxAttempts
	t.Parallel()
	for _, code := range []string{serializationFailure, deadlockDetected} {
		t.Run(code+" within budget", func(t *testing.T) {
			t.Parallel()
			f := newCC06Fixture(t, 0)
			f.failInserts(t, maxAttempts-1, code)
			res, err := f.db.Rotate(t.Context(), cc06Rotation(f.gen))
			if err != nil || res.Retry || res.Tokens.Generation != 1 || res.Session.Generation != 1 {
				t.Fatalf("Rotate: generation %d (session %d), retry %v, %v", res.Tokens.Generation, res.Session.Generation, res.Retry, err)
			}
			if n := f.attempts(t); n != maxAttempts {
				t.Errorf("%d attempts, want %d", n, maxAttempts)
			}
			if n := f.count(t, `SELECT count(*) FROM token_generations`); n != 2 {
				t.Errorf("%d token generations, want 2: one rotation", n)
			}
			if _, g, err := f.db.LookupRefresh(t.Context(), f.gen.RefreshDigest); err != nil || g.RotatedAt.IsZero() {
				t.Errorf("predecessor: %+v, %v", g, err)
			}
		})
		t.Run(code+" past budget", func(t *testing.T) {
			t.Parallel()
			f := newCC06Fixture(t, 0)
			f.failInserts(t, rotateAttempts+maxAttempts, code)
			_, err := f.db.Rotate(t.Context(), cc06Rotation(f.gen))
			if !errors.Is(err, signet.ErrUnavailable) || pgCode(err) != code {
				t.Fatalf("Rotate: %v; want ErrUnavailable carrying %s", err, code)
			}
			if n := f.attempts(t); n != rotateAttempts {
				t.Errorf("%d attempts, want %d", n, rotateAttempts)
			}
			_, _, _, err = f.db.RedeemCode(t.Context(), cc06Redemption(f.code, "sess-second"))
			if !errors.Is(err, signet.ErrUnavailable) {
				t.Fatalf("RedeemCode: %v; want ErrUnavailable", err)
			}
			if n := f.attempts(t); n != rotateAttempts+maxAttempts {
				t.Errorf("%d attempts in all, want %d", n, rotateAttempts+maxAttempts)
			}
			f.unchanged(t)
		})
	}
}

// TestCC06_PostgresDeadlockRetried makes a real deadlock between a rotation
// and another transaction, and the server's deadlock detector picks the
// rotation: a trigger on token_generations makes the rotation take advisory
// lock a, pass a gate the test holds, then take b. The other transaction
// holds b and waits for a; once it waits, the test opens the gate and the
// rotation's wait for b closes the cycle. The detector runs in the backend
// whose deadlock_timeout runs out with the cycle in place, and that one
// gives up: the rotation, since the other transaction's own check already
// ran (or, as superuser, is set a minute away). The rotation's retry then
// succeeds, with one rotation's rows.
func TestCC06_PostgresDeadlockRetried(t *testing.T) {
	t.Parallel()
	f := newCC06Fixture(t, 0)
	ctx := t.Context()
	// Advisory locks are database-wide: keys of this test only.
	r, err := rand.Int(rand.Reader, big.NewInt(1<<40))
	if err != nil {
		t.Fatal(err)
	}
	a, gate, b := r.Int64()<<2+1, r.Int64()<<2+2, r.Int64()<<2+3
	f.exec(t, `CREATE SEQUENCE cc06_attempts`)
	f.exec(t, fmt.Sprintf(`CREATE FUNCTION cc06_lock() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN
			PERFORM nextval('cc06_attempts');
			PERFORM pg_advisory_xact_lock(%d);
			PERFORM pg_advisory_xact_lock_shared(%d);
			PERFORM pg_advisory_xact_lock(%d);
			RETURN NEW;
		END $$`, a, gate, b))
	f.exec(t, `CREATE TRIGGER cc06_lock BEFORE INSERT ON token_generations FOR EACH ROW EXECUTE FUNCTION cc06_lock()`)

	// The gate, on a connection of its own, which also watches pg_locks.
	watcher, err := pgx.Connect(ctx, f.url)
	if err != nil {
		t.Fatal(err)
	}
	defer watcher.Close(context.Background())
	gateTx, err := watcher.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer gateTx.Rollback(context.Background())
	if _, err := gateTx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, gate); err != nil {
		t.Fatal(err)
	}
	waitingFor := func(key int64) {
		t.Helper()
		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
			var n int
			// A bigint key shows as classid (high half) and objid (low half).
			err := gateTx.QueryRow(ctx, `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
				AND classid::bigint = $1::bigint >> 32 AND objid::bigint = $1::bigint & 4294967295
				AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`, key).Scan(&n)
			if err != nil {
				t.Fatal(err)
			}
			if n > 0 {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("nobody waits for advisory lock %d", key)
			}
		}
	}

	other, err := f.admin.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Rollback(context.Background())
	var super string
	if err := other.QueryRow(ctx, `SELECT current_setting('is_superuser')`).Scan(&super); err != nil {
		t.Fatal(err)
	}
	if super == "on" {
		if _, err := other.Exec(ctx, `SET LOCAL deadlock_timeout = '1min'`); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := other.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, b); err != nil {
		t.Fatal(err)
	}

	type result struct {
		res signet.RotationResult
		err error
	}
	done := make(chan result, 1)
	go func() {
		res, err := f.db.Rotate(ctx, cc06Rotation(f.gen))
		done <- result{res, err}
	}()
	waitingFor(gate) // the rotation holds a

	otherDone := make(chan error, 1)
	go func() {
		_, err := other.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, a)
		otherDone <- err
	}()
	waitingFor(a) // the other transaction waits for the rotation
	if super != "on" {
		// Let the other transaction's one deadlock check pass while there
		// is no cycle yet.
		var dt string
		if err := gateTx.QueryRow(ctx, `SHOW deadlock_timeout`).Scan(&dt); err != nil {
			t.Fatal(err)
		}
		d, err := time.ParseDuration(dt)
		if err != nil {
			t.Fatalf("deadlock_timeout %q: %v", dt, err)
		}
		time.Sleep(2 * d)
	}
	if err := gateTx.Commit(ctx); err != nil { // open the gate: the rotation waits for b
		t.Fatal(err)
	}
	if err := <-otherDone; err != nil {
		t.Fatalf("the other transaction lost the deadlock instead: %v", err)
	}
	if err := other.Commit(ctx); err != nil {
		t.Fatal(err)
	}

	res := <-done
	if res.err != nil || res.res.Tokens.Generation != 1 || res.res.Session.Generation != 1 {
		t.Fatalf("Rotate after the deadlock: generation %d (session %d), %v", res.res.Tokens.Generation, res.res.Session.Generation, res.err)
	}
	if n := f.attempts(t); n != 2 {
		t.Errorf("%d attempts, want 2: one aborted by the deadlock detector, one that succeeded", n)
	}
	if n := f.count(t, `SELECT count(*) FROM token_generations`); n != 2 {
		t.Errorf("%d token generations, want 2: one rotation", n)
	}
}

// TestCC06_PostgresPoolExhausted holds every connection of a two-connection
// pool. A write and a read then each wait at most the acquire bound and
// fail with ErrUnavailable (never hang until a connection comes back); with
// the connections back, the same calls succeed.
func TestCC06_PostgresPoolExhausted(t *testing.T) {
	t.Parallel()
	f := newCC06Fixture(t, 2)
	const wait = 300 * time.Millisecond
	f.db.pool.wait = wait
	// A deadline for the test's calls, so that a store that waits on the
	// pool without a bound fails this test instead of hanging it.
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()

	var held []*pgxpool.Conn
	release := func() {
		for _, c := range held {
			c.Release()
		}
		held = nil
	}
	// Before the pool closes, which waits for every connection.
	defer release()
	for range 2 {
		c, err := f.db.pool.Pool.Acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
	}
	_, err := f.db.Rotate(ctx, cc06Rotation(f.gen))
	if !errors.Is(err, signet.ErrUnavailable) || ctx.Err() != nil {
		t.Fatalf("Rotate with the pool exhausted: %v; want ErrUnavailable", err)
	}
	if _, _, err := f.db.LookupRefresh(ctx, f.gen.RefreshDigest); !errors.Is(err, signet.ErrUnavailable) {
		t.Fatalf("LookupRefresh with the pool exhausted: %v; want ErrUnavailable", err)
	}
	if err := f.db.Ready(ctx); !errors.Is(err, signet.ErrUnavailable) {
		t.Fatalf("Ready with the pool exhausted: %v; want ErrUnavailable", err)
	}
	// A caller's own cancellation stays a cancellation.
	cctx, ccancel := context.WithCancel(ctx)
	ccancel()
	if _, err := f.db.Rotate(cctx, cc06Rotation(f.gen)); !errors.Is(err, context.Canceled) || errors.Is(err, signet.ErrUnavailable) {
		t.Errorf("Rotate with a cancelled context: %v; want context.Canceled", err)
	}
	release()

	f.unchanged(t)
	res, err := f.db.Rotate(ctx, cc06Rotation(f.gen))
	if err != nil || res.Tokens.Generation != 1 {
		t.Fatalf("Rotate with connections free: generation %d, %v", res.Tokens.Generation, err)
	}
	// Every connection the failed calls touched went back to the pool.
	if n := f.db.pool.Stat().AcquiredConns(); n != 0 {
		t.Errorf("%d connections still acquired", n)
	}
}
