package storetest

import (
	"time"

	"github.com/signet-auth/signet"
)

func testUsers(f *fixture) {
	t, ctx, us := f.t, f.ctx, f.s.Users
	bob := f.user("u2", "bob")
	alice := f.user("u1", "alice")

	got, err := us.GetUser(ctx, "u1")
	noErr(t, "GetUser", err)
	eq(t, "GetUser", got, alice)
	got, err = us.GetUserByName(ctx, "bob")
	noErr(t, "GetUserByName", err)
	eq(t, "GetUserByName", got, bob)

	list, err := us.ListUsers(ctx)
	noErr(t, "ListUsers", err)
	eq(t, "ListUsers (by name)", list, []signet.User{alice, bob})

	isErr(t, "CreateUser same id", us.CreateUser(ctx, newUser("u1", "carol")), signet.ErrConflict)
	isErr(t, "CreateUser same name", us.CreateUser(ctx, newUser("u3", "alice")), signet.ErrConflict)
	_, err = us.GetUser(ctx, "nobody")
	isErr(t, "GetUser unknown", err, signet.ErrNotFound)
	_, err = us.GetUserByName(ctx, "nobody")
	isErr(t, "GetUserByName unknown", err, signet.ErrNotFound)

	// UpdateUser replaces every field, assignments included.
	alice.Name, alice.DisplayName, alice.Disabled = "alice2", "Alice Two", true
	alice.PasswordHash = "$argon2id$v=19$m=65536,t=1,p=2$bmV3$bmV3"
	alice.CredentialsChangedAt, alice.UpdatedAt = t0.Add(time.Hour), t0.Add(time.Hour)
	alice.Assignments = []signet.Assignment{{AccountID: "444455556666", RoleName: "ReadOnly"}, {AccountID: "111122223333", RoleName: "Dev"}}
	noErr(t, "UpdateUser", us.UpdateUser(ctx, alice))
	got, err = us.GetUser(ctx, "u1")
	noErr(t, "GetUser after update", err)
	eq(t, "updated user", got, alice)
	_, err = us.GetUserByName(ctx, "alice")
	isErr(t, "old name after rename", err, signet.ErrNotFound)

	alice.Assignments = nil
	noErr(t, "UpdateUser without assignments", us.UpdateUser(ctx, alice))
	got, _ = us.GetUser(ctx, "u1")
	eq(t, "assignments removed", got.Assignments, nil)

	isErr(t, "UpdateUser to a taken name", us.UpdateUser(ctx, signet.User{ID: "u1", Name: "bob"}), signet.ErrConflict)
	isErr(t, "UpdateUser unknown", us.UpdateUser(ctx, newUser("u9", "zed")), signet.ErrNotFound)
}

func testClients(f *fixture) {
	t, ctx, cs := f.t, f.ctx, f.s.Clients
	b := newClient("b")
	b.CreatedAt = t0.Add(time.Second)
	b.Type, b.SecretDigest, b.SecretExpiresAt = signet.ClientConfidential, dg("secret", "b"), t0.Add(90*24*time.Hour)
	b.Dynamic, b.ExpiresAt = true, t0.Add(-time.Hour) // already expired: still returned
	b.RedirectURIs = nil
	a := newClient("a")
	a.CreatedAt = t0.Add(2 * time.Second)
	for _, c := range []signet.Client{b, a} {
		noErr(t, "CreateClient", cs.CreateClient(ctx, c))
	}

	got, err := cs.GetClient(ctx, "b")
	noErr(t, "GetClient", err)
	eq(t, "GetClient", got, b)
	list, err := cs.ListClients(ctx)
	noErr(t, "ListClients", err)
	eq(t, "ListClients (by creation)", list, []signet.Client{b, a})

	isErr(t, "CreateClient same id", cs.CreateClient(ctx, newClient("a")), signet.ErrConflict)
	_, err = cs.GetClient(ctx, "zz")
	isErr(t, "GetClient unknown", err, signet.ErrNotFound)
	isErr(t, "DeleteClient unknown", cs.DeleteClient(ctx, "zz", t0), signet.ErrNotFound)
	noErr(t, "DeleteClient", cs.DeleteClient(ctx, "a", t0))
	_, err = cs.GetClient(ctx, "a")
	isErr(t, "GetClient deleted", err, signet.ErrNotFound)
}

func testDeleteClient(f *fixture) {
	t, ctx := f.t, f.ctx
	s1, _ := f.session("one")
	s2, _ := f.session("two")
	now := t0.Add(time.Minute)
	noErr(t, "DeleteClient", f.s.Clients.DeleteClient(ctx, s1.ClientID, now))
	got, err := f.s.Grants.GetSession(ctx, s1.ID)
	noErr(t, "GetSession", err)
	if got.Live(now) || !got.RevokedAt.Equal(now) || got.RevokeReason == "" {
		t.Errorf("session of the deleted client: %+v, want revoked at %v with a reason", got, now)
	}
	got, _ = f.s.Grants.GetSession(ctx, s2.ID)
	if !got.Live(now) {
		t.Errorf("session of another client revoked: %+v", got)
	}
}

func testReplay(f *fixture) {
	t, ctx, r := f.t, f.ctx, f.s.Replay
	d := dg("jti", 1)
	for _, step := range []struct {
		what      string
		expires   time.Time
		now       time.Time
		wantFresh bool
	}{
		{"first use", t0.Add(time.Minute), t0, true},
		{"replay", t0.Add(time.Minute), t0.Add(time.Second), false},
		{"replay just before expiry", t0.Add(2 * time.Minute), t0.Add(time.Minute - time.Millisecond), false},
		{"after expiry", t0.Add(2 * time.Minute), t0.Add(time.Minute), true},
		{"replay of the renewed record", t0.Add(2 * time.Minute), t0.Add(90 * time.Second), false},
	} {
		fresh, err := r.MarkUsed(ctx, d, step.expires, step.now)
		noErr(t, step.what, err)
		eq(t, step.what, fresh, step.wantFresh)
	}
	fresh, err := r.MarkUsed(ctx, dg("jti", 2), t0.Add(time.Minute), t0)
	noErr(t, "another value", err)
	eq(t, "another value is fresh", fresh, true)
}

func testKeys(f *fixture) {
	t, ctx, ks := f.t, f.ctx, f.s.Keys
	k2 := signet.Key{ID: "k2", Purpose: signet.KeySigning, Algorithm: "ES256", Sealed: []byte{1, 2, 3},
		CreatedAt: t0.Add(time.Second), ActiveAt: t0.Add(time.Hour)}
	k1 := signet.Key{ID: "k1", Purpose: signet.KeyHMAC, Algorithm: "HS256", Sealed: []byte{4, 5, 6},
		CreatedAt: t0, ActiveAt: t0}
	noErr(t, "AddKey k2", ks.AddKey(ctx, k2))
	noErr(t, "AddKey k1", ks.AddKey(ctx, k1))
	isErr(t, "AddKey same id", ks.AddKey(ctx, signet.Key{ID: "k1", Purpose: signet.KeyAEAD, Algorithm: "A256GCM",
		Sealed: []byte{9}, CreatedAt: t0}), signet.ErrConflict)

	list, err := ks.ListKeys(ctx)
	noErr(t, "ListKeys", err)
	eq(t, "ListKeys (by creation)", list, []signet.Key{k1, k2})

	noErr(t, "RetireKey", ks.RetireKey(ctx, "k2", t0.Add(48*time.Hour)))
	k2.RetiredAt = t0.Add(48 * time.Hour)
	list, _ = ks.ListKeys(ctx)
	eq(t, "ListKeys after retiring", list, []signet.Key{k1, k2})
	isErr(t, "RetireKey unknown", ks.RetireKey(ctx, "k9", t0), signet.ErrNotFound)
}

func testHealth(f *fixture) {
	noErr(f.t, "Ready", f.s.Health.Ready(f.ctx))
}
