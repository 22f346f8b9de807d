package storetest

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/signet-auth/signet"
)

// Dumper is implemented by a backend's Health (its *DB) to show every value
// it stores, for catalogue SE-01: each cell of each table as bytes (text as
// UTF-8, numbers in decimal, blobs raw).
type Dumper interface {
	Dump(ctx context.Context) (map[string][][]byte, error)
}

// Lifetimes the fixtures use.
const (
	codeLife    = 10 * time.Minute
	accessLife  = 15 * time.Minute
	refreshLife = 12 * time.Hour
	sessionLife = 24 * time.Hour
	deviceLife  = 10 * time.Minute
)

// t0 is the fixtures' "now": millisecond precision, as stored.
var t0 = time.Date(2026, 3, 4, 5, 6, 7, 8_000_000, time.UTC)

// dg is a stand-in digest for a label. The store never sees secrets, only
// digests; which keyed hash made them does not matter to it.
func dg(parts ...any) signet.Digest {
	return sha256.Sum256(fmt.Append(nil, parts...))
}

type fixture struct {
	t   testing.TB
	ctx context.Context
	s   signet.Stores
}

func newFixture(t testing.TB, s signet.Stores) *fixture {
	return &fixture{t: t, ctx: t.Context(), s: s}
}

func (f *fixture) must(err error) {
	f.t.Helper()
	if err != nil {
		f.t.Fatal(err)
	}
}

func eq[T any](t testing.TB, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got %+v\nwant %+v", what, got, want)
	}
}

func isErr(t testing.TB, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s: err = %v, want %v", what, err, want)
	}
}

func noErr(t testing.TB, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func newClient(id string) signet.Client {
	return signet.Client{
		ID: id, Name: "Client " + id, Type: signet.ClientPublic,
		GrantTypes:   []string{signet.GrantAuthorizationCode, signet.GrantRefreshToken, signet.GrantDeviceCode},
		RedirectURIs: []string{"http://127.0.0.1/callback"},
		Scopes:       []string{"openid", "sso:account:access"},
		IssuerURL:    "https://issuer.example",
		CreatedAt:    t0,
	}
}

func (f *fixture) client(id string) signet.Client {
	f.t.Helper()
	c := newClient(id)
	f.must(f.s.Clients.CreateClient(f.ctx, c))
	return c
}

func newUser(id, name string) signet.User {
	return signet.User{
		ID: id, Name: name, DisplayName: "User " + name,
		PasswordHash: "$argon2id$v=19$m=65536,t=1,p=2$c2FsdA$aGFzaA",
		Assignments:  []signet.Assignment{{AccountID: "111122223333", RoleName: "Admin"}},
		CreatedAt:    t0, UpdatedAt: t0,
	}
}

func (f *fixture) user(id, name string) signet.User {
	f.t.Helper()
	u := newUser(id, name)
	f.must(f.s.Users.CreateUser(f.ctx, u))
	return u
}

func newCode(label, clientID, userID string) signet.AuthorizationCode {
	return signet.AuthorizationCode{
		Digest: dg("code", label), ClientID: clientID, UserID: userID, Protocol: signet.ProtocolSSOOIDC,
		RedirectURI: "http://127.0.0.1/callback", Scopes: []string{"openid"},
		CodeChallenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", CodeChallengeMethod: "S256",
		Nonce: "n-" + label, DPoPJKT: "jkt-" + label,
		Assignment: signet.Assignment{AccountID: "111122223333", RoleName: "Admin"},
		AuthTime:   t0, CreatedAt: t0, ExpiresAt: t0.Add(codeLife),
	}
}

func (f *fixture) code(label, clientID, userID string) signet.AuthorizationCode {
	f.t.Helper()
	c := newCode(label, clientID, userID)
	f.must(f.s.Grants.CreateCode(f.ctx, c))
	return c
}

// firstGeneration is generation 0 of the session with that id, issued at now.
func firstGeneration(id string, now time.Time) signet.TokenGeneration {
	return signet.TokenGeneration{
		RefreshDigest: dg("rt", id, 0), AccessDigest: dg("at", id, 0), IssuedAt: now,
		AccessExpiresAt: now.Add(accessLife), RefreshExpiresAt: now.Add(refreshLife),
	}
}

// next builds the successor of g the way the engine would: digests derived
// from the session and the new number, so a repeated call gives the same.
func next(now time.Time) func(signet.Session, signet.TokenGeneration) signet.TokenGeneration {
	return func(s signet.Session, g signet.TokenGeneration) signet.TokenGeneration {
		n := g.Generation + 1
		return signet.TokenGeneration{
			RefreshDigest: dg("rt", s.ID, n), AccessDigest: dg("at", s.ID, n), IssuedAt: now,
			AccessExpiresAt: now.Add(accessLife), RefreshExpiresAt: now.Add(refreshLife),
		}
	}
}

// sessionFor is what a code's redemption creates.
func sessionFor(id string, c signet.AuthorizationCode, now time.Time) signet.Session {
	return signet.Session{
		ID: id, ClientID: c.ClientID, UserID: c.UserID, Protocol: c.Protocol, Scopes: c.Scopes,
		Assignment: c.Assignment, DPoPJKT: c.DPoPJKT, Nonce: c.Nonce, AuthTime: c.AuthTime,
		CreatedAt: now, ExpiresAt: now.Add(sessionLife),
	}
}

// redemption redeems c at now into session sessionID, checks passing.
func redemption(c signet.AuthorizationCode, sessionID string, now time.Time) signet.CodeRedemption {
	return signet.CodeRedemption{
		Digest: c.Digest, Now: now,
		Check: func(signet.AuthorizationCode, signet.User) error { return nil },
		Grant: func(c signet.AuthorizationCode) (signet.Session, signet.TokenGeneration) {
			return sessionFor(sessionID, c, now), firstGeneration(sessionID, now)
		},
	}
}

// session creates a client, a user, a code and redeems it: a live session
// with generation 0.
func (f *fixture) session(label string) (signet.Session, signet.TokenGeneration) {
	f.t.Helper()
	cl := f.client("client-" + label)
	u := f.user("user-"+label, "name-"+label)
	c := f.code(label, cl.ID, u.ID)
	_, s, g, err := f.s.Grants.RedeemCode(f.ctx, redemption(c, "sess-"+label, t0))
	f.must(err)
	return s, g
}

// rotation presents g's refresh token at now with the given grace.
func rotation(g signet.TokenGeneration, now time.Time, grace time.Duration) signet.Rotation {
	return signet.Rotation{
		Digest: g.RefreshDigest, Now: now, Grace: grace,
		Check: func(signet.Session, signet.User, signet.TokenGeneration) error { return nil },
		Next:  next(now),
	}
}

func newDevice(label, clientID string) signet.DeviceAuthorization {
	return signet.DeviceAuthorization{
		Digest: dg("device", label), UserCodeDigest: dg("usercode", label), ClientID: clientID,
		Protocol: signet.ProtocolSSOOIDC, Scopes: []string{"openid"}, Status: signet.DevicePending,
		Interval: 5 * time.Second, CreatedAt: t0, ExpiresAt: t0.Add(deviceLife),
	}
}

func (f *fixture) device(label, clientID string) signet.DeviceAuthorization {
	f.t.Helper()
	d := newDevice(label, clientID)
	f.must(f.s.Grants.CreateDevice(f.ctx, d))
	return d
}

// poll polls device d at now; an approved authorization becomes session
// sessionID.
func poll(d signet.Digest, sessionID string, now time.Time) signet.DevicePoll {
	return signet.DevicePoll{
		Digest: d, Now: now, SlowDownStep: 5 * time.Second,
		Check: func(signet.DeviceAuthorization) error { return nil },
		Grant: func(a signet.DeviceAuthorization) (signet.Session, signet.TokenGeneration) {
			return signet.Session{
				ID: sessionID, ClientID: a.ClientID, UserID: a.UserID, Protocol: a.Protocol, Scopes: a.Scopes,
				AuthTime: a.AuthTime, CreatedAt: now, ExpiresAt: now.Add(sessionLife),
			}, firstGeneration(sessionID, now)
		},
	}
}
