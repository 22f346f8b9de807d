package bench

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/authserver"
	"github.com/signet-auth/signet/internal/testenv"
	"github.com/signet-auth/signet/postgres"
	"github.com/signet-auth/signet/sqlite"
)

// The hot paths below the HTTP layer, per backend: redeeming a code (the
// one conditional UPDATE plus the session INSERT of every login) and
// rotating a refresh token (the conditional UPDATE plus INSERT of every
// refresh). Run with
//
//	go test -run '^$' -bench . ./bench
//	SIGNET_TEST_POSTGRES_URL=postgres://... go test -run '^$' -bench . ./bench

// backends opens each store a benchmark runs on; PostgreSQL only with
// SIGNET_TEST_POSTGRES_URL, as in the postgres package's tests.
func backends(b *testing.B) map[string]func(b *testing.B) signet.Stores {
	return map[string]func(b *testing.B) signet.Stores{
		"sqlite": func(b *testing.B) signet.Stores {
			db, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "signet.db"))
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { db.Close() })
			return db.Stores()
		},
		"postgres": func(b *testing.B) signet.Stores {
			url := os.Getenv("SIGNET_TEST_POSTGRES_URL")
			if url == "" {
				b.Skip("SIGNET_TEST_POSTGRES_URL not set")
			}
			db, err := postgres.Open(context.Background(), url)
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { db.Close() })
			return db.Stores()
		},
	}
}

// digest is a stand-in digest: the store sees only digests.
func digest(parts ...uint64) signet.Digest {
	var buf []byte
	for _, p := range parts {
		buf = binary.BigEndian.AppendUint64(buf, p)
	}
	return sha256.Sum256(buf)
}

// benchRun separates one benchmark run's rows from another's on a shared
// PostgreSQL database.
func benchRun() uint64 { return uint64(time.Now().UnixNano()) }

func benchCode(run, i uint64, now time.Time) signet.AuthorizationCode {
	return signet.AuthorizationCode{
		Digest: digest(run, i, 1), ClientID: "bench-client", UserID: "bench-user", Protocol: signet.ProtocolSSOOIDC,
		RedirectURI: loopbackRedirect, CodeChallenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", CodeChallengeMethod: "S256",
		AuthTime: now, CreatedAt: now, ExpiresAt: now.Add(10 * time.Minute),
	}
}

func grantFor(run, i uint64, now time.Time) func(signet.AuthorizationCode) (signet.Session, signet.TokenGeneration) {
	return func(c signet.AuthorizationCode) (signet.Session, signet.TokenGeneration) {
		return signet.Session{
				ID: "bench-" + digest(run, i).String(), ClientID: c.ClientID, UserID: c.UserID, Protocol: c.Protocol,
				AuthTime: now, CreatedAt: now, ExpiresAt: now.Add(24 * time.Hour),
			}, signet.TokenGeneration{
				RefreshDigest: digest(run, i, 2), AccessDigest: digest(run, i, 3), IssuedAt: now,
				AccessExpiresAt: now.Add(time.Hour), RefreshExpiresAt: now.Add(24 * time.Hour),
			}
	}
}

// BenchmarkStoreRedeemCode: CreateCode then RedeemCode, a login's two
// store transactions.
func BenchmarkStoreRedeemCode(b *testing.B) {
	for name, open := range backends(b) {
		b.Run(name, func(b *testing.B) {
			g := open(b).Grants
			ctx, now, run := b.Context(), time.Now(), benchRun()
			var i uint64
			b.ReportAllocs()
			for b.Loop() {
				i++
				c := benchCode(run, i, now)
				if err := g.CreateCode(ctx, c); err != nil {
					b.Fatal(err)
				}
				if _, _, _, err := g.RedeemCode(ctx, signet.CodeRedemption{
					Digest: c.Digest, Now: now, Check: func(signet.AuthorizationCode, signet.User) error { return nil }, Grant: grantFor(run, i, now),
				}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkStoreRotate: one refresh rotation, the store's share of every
// sso-refresh and signin-refresh step.
func BenchmarkStoreRotate(b *testing.B) {
	for name, open := range backends(b) {
		b.Run(name, func(b *testing.B) {
			g := open(b).Grants
			ctx, now, run := b.Context(), time.Now(), benchRun()
			c := benchCode(run, 0, now)
			if err := g.CreateCode(ctx, c); err != nil {
				b.Fatal(err)
			}
			_, _, gen, err := g.RedeemCode(ctx, signet.CodeRedemption{
				Digest: c.Digest, Now: now, Check: func(signet.AuthorizationCode, signet.User) error { return nil }, Grant: grantFor(run, 0, now),
			})
			if err != nil {
				b.Fatal(err)
			}
			presented := gen.RefreshDigest
			var n uint64
			b.ReportAllocs()
			for b.Loop() {
				n++
				res, err := g.Rotate(ctx, signet.Rotation{
					Digest: presented, Now: now, Grace: time.Second,
					Check: func(signet.Session, signet.User, signet.TokenGeneration) error { return nil },
					Next: func(_ signet.Session, prev signet.TokenGeneration) signet.TokenGeneration {
						return signet.TokenGeneration{
							RefreshDigest: digest(run, 0, 2, n), AccessDigest: digest(run, 0, 3, n), IssuedAt: now,
							AccessExpiresAt: now.Add(time.Hour), RefreshExpiresAt: prev.RefreshExpiresAt,
						}
					},
				})
				if err != nil {
					b.Fatal(err)
				}
				presented = res.Tokens.RefreshDigest
			}
		})
	}
}

// BenchmarkLookupAccessToken: the engine resolving a presented access
// token (syntax, HMAC, one indexed read), what the SSO portal and
// introspection do on every call.
func BenchmarkLookupAccessToken(b *testing.B) {
	env := testenv.New(b, testenv.Options{})
	_, tok := env.SSOTokens(b)
	ctx := b.Context()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := env.Engine.LookupToken(ctx, authserver.TokenLookup{Token: tok.AccessToken}); err != nil {
			b.Fatal(err)
		}
	}
}
