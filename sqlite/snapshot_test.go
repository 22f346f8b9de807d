package sqlite

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/signet-auth/signet"
)

// A rotation decided on a snapshot (storecore.Rules.Snapshot) commits only
// if nothing the rules read changed between the snapshot and the write;
// otherwise the full rule decides in the transaction. Each case changes one
// thing right after the snapshot was taken and expects the answer the full
// rule gives for the changed state.
func TestRotationSnapshotRechecksInTransaction(t *testing.T) {
	now := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	tests := []struct {
		name    string
		change  func(t *testing.T, db *DB, s signet.Session, g signet.TokenGeneration, u signet.User)
		wantErr error // nil: rotated
		refused bool  // the rotation's check refused it
	}{
		{"nothing changed", nil, nil, false},
		{"session revoked", func(t *testing.T, db *DB, s signet.Session, _ signet.TokenGeneration, _ signet.User) {
			must(t, db.RevokeSession(t.Context(), s.ID, now, "logout"))
		}, signet.ErrNotFound, false},
		{"token rotated by another request", func(t *testing.T, db *DB, _ signet.Session, g signet.TokenGeneration, _ signet.User) {
			_, err := db.rules.Rotate(t.Context(), testRotation(g.RefreshDigest, now, time.Minute))
			must(t, err)
		}, nil, false}, // inside the grace window: the same successor (RT-02)
		{"user disabled", func(t *testing.T, db *DB, _ signet.Session, _ signet.TokenGeneration, u signet.User) {
			u.Disabled = true
			must(t, db.UpdateUser(t.Context(), u))
		}, nil, true},
		{"password changed", func(t *testing.T, db *DB, _ signet.Session, _ signet.TokenGeneration, u signet.User) {
			u.CredentialsChangedAt = now
			must(t, db.UpdateUser(t.Context(), u))
		}, nil, true},
		{"user deleted", func(t *testing.T, db *DB, _ signet.Session, _ signet.TokenGeneration, u signet.User) {
			must(t, db.exec(t.Context(), true, `DELETE FROM users WHERE id = ?`, u.ID))
		}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, err := Open(t.Context(), filepath.Join(t.TempDir(), "signet.db"))
			must(t, err)
			defer db.Close()
			s, g := seedSession(t, db, now)

			snapshots := 0
			orig := db.rules.Snapshot
			db.rules.Snapshot = func(ctx context.Context, d signet.Digest) (signet.Session, signet.TokenGeneration, signet.User, error) {
				s, g, u, err := orig(ctx, d)
				if snapshots++; snapshots == 1 && tt.change != nil && err == nil {
					tt.change(t, db, s, g, u)
				}
				return s, g, u, err
			}
			refused := errors.New("refused by the check")
			rot := testRotation(g.RefreshDigest, now.Add(time.Second), time.Minute)
			rot.Check = func(_ signet.Session, u signet.User, _ signet.TokenGeneration) error {
				if u.ID == "" || u.Disabled || u.CredentialsChangedAt.After(s.AuthTime) {
					return refused
				}
				return nil
			}
			res, err := db.Rotate(t.Context(), rot)
			switch {
			case tt.refused:
				if !errors.Is(err, refused) {
					t.Fatalf("err %v, want the check's refusal", err)
				}
			case tt.wantErr != nil:
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err %v, want %v", err, tt.wantErr)
				}
			default:
				must(t, err)
				if res.Tokens.Generation != 1 || res.Session.Generation != 1 {
					t.Fatalf("rotated to generation %d (session at %d), want 1", res.Tokens.Generation, res.Session.Generation)
				}
			}
			// Whatever the answer, the records agree with it: the session
			// is at generation 1 exactly when generation 0 is rotated, and
			// there is at most one successor.
			var gen, rotated, gens int64
			must(t, db.read.QueryRowContext(t.Context(), `SELECT generation FROM sessions WHERE id = ?`, s.ID).Scan(&gen))
			must(t, db.read.QueryRowContext(t.Context(), `SELECT rotated_at FROM token_generations WHERE session_id = ? AND generation = 0`, s.ID).Scan(&rotated))
			must(t, db.read.QueryRowContext(t.Context(), `SELECT count(*) FROM token_generations WHERE session_id = ?`, s.ID).Scan(&gens))
			if (gen == 1) != (rotated != 0) || gens != gen+1 {
				t.Fatalf("session at generation %d, generation 0 rotated_at %d, %d generations: inconsistent", gen, rotated, gens)
			}
		})
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func testDigest(parts ...any) signet.Digest { return sha256.Sum256(fmt.Append(nil, parts...)) }

func testRotation(d signet.Digest, now time.Time, grace time.Duration) signet.Rotation {
	return signet.Rotation{
		Digest: d, Now: now, Grace: grace,
		Next: func(s signet.Session, g signet.TokenGeneration) signet.TokenGeneration {
			n := g.Generation + 1
			return signet.TokenGeneration{
				RefreshDigest: testDigest("rt", s.ID, n), AccessDigest: testDigest("at", s.ID, n), IssuedAt: now,
				AccessExpiresAt: now.Add(15 * time.Minute), RefreshExpiresAt: now.Add(time.Hour),
			}
		},
	}
}

// seedSession creates a client, a user and a session at generation 0
// through a code redemption.
func seedSession(t *testing.T, db *DB, now time.Time) (signet.Session, signet.TokenGeneration) {
	t.Helper()
	ctx := t.Context()
	must(t, db.CreateClient(ctx, signet.Client{
		ID: "client1", Name: "c", Type: signet.ClientPublic,
		GrantTypes:   []string{signet.GrantAuthorizationCode, signet.GrantRefreshToken},
		RedirectURIs: []string{"http://127.0.0.1/cb"}, Scopes: []string{"openid"}, CreatedAt: now,
	}))
	must(t, db.CreateUser(ctx, signet.User{
		ID: "user1", Name: "user1", DisplayName: "U", PasswordHash: "$argon2id$v=19$m=65536,t=1,p=2$c2FsdA$aGFzaA",
		CreatedAt: now.Add(-time.Hour), UpdatedAt: now.Add(-time.Hour), CredentialsChangedAt: now.Add(-time.Hour),
	}))
	code := signet.AuthorizationCode{
		Digest: testDigest("code"), ClientID: "client1", UserID: "user1", Protocol: signet.ProtocolSSOOIDC,
		RedirectURI: "http://127.0.0.1/cb", Scopes: []string{"openid"},
		CodeChallenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", CodeChallengeMethod: "S256",
		AuthTime: now.Add(-time.Minute), CreatedAt: now, ExpiresAt: now.Add(time.Minute),
	}
	must(t, db.CreateCode(ctx, code))
	_, s, g, err := db.RedeemCode(ctx, signet.CodeRedemption{
		Digest: code.Digest, Now: now,
		Check: func(signet.AuthorizationCode) error { return nil },
		Grant: func(c signet.AuthorizationCode) (signet.Session, signet.TokenGeneration) {
			return signet.Session{
					ID: "sess1", ClientID: c.ClientID, UserID: c.UserID, Protocol: c.Protocol, Scopes: c.Scopes,
					AuthTime: c.AuthTime, CreatedAt: now, ExpiresAt: now.Add(24 * time.Hour),
				}, signet.TokenGeneration{
					RefreshDigest: testDigest("rt", "sess1", 0), AccessDigest: testDigest("at", "sess1", 0), IssuedAt: now,
					AccessExpiresAt: now.Add(15 * time.Minute), RefreshExpiresAt: now.Add(time.Hour),
				}
		},
	})
	must(t, err)
	return s, g
}
