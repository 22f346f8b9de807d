package storetest

import (
	"time"

	"github.com/signet-auth/signet"
)

// SCIM: tokens found by digest until revoked; users stored with their User
// and linked to the tenant's provider by externalId; everything scoped to
// its tenant; groups' members kept among the user groups so that the group
// rules apply to them, replaced all or nothing.
func testSCIM(f *fixture) {
	t, ctx := f.t, f.ctx
	ss, fs := f.s.SCIM, f.s.Federation
	if ss == nil {
		t.Fatal("Stores.SCIM is nil")
	}
	tok := signet.SCIMToken{ID: "st1", Name: "okta", Digest: dg("scim-token"), Tenant: "okta", CreatedAt: t0}
	noErr(t, "CreateSCIMToken", ss.CreateSCIMToken(ctx, tok))
	isErr(t, "CreateSCIMToken twice", ss.CreateSCIMToken(ctx, tok), signet.ErrConflict)
	got, err := ss.SCIMTokenByDigest(ctx, tok.Digest)
	noErr(t, "SCIMTokenByDigest", err)
	eq(t, "SCIMTokenByDigest", got, tok)
	noErr(t, "RevokeSCIMToken", ss.RevokeSCIMToken(ctx, "st1", t0.Add(time.Minute)))
	isErr(t, "RevokeSCIMToken again", ss.RevokeSCIMToken(ctx, "st1", t0), signet.ErrNotFound)
	_, err = ss.SCIMTokenByDigest(ctx, tok.Digest)
	isErr(t, "SCIMTokenByDigest revoked", err, signet.ErrNotFound)
	list, err := ss.ListSCIMTokens(ctx)
	noErr(t, "ListSCIMTokens", err)
	if len(list) != 1 || !list[0].RevokedAt.Equal(t0.Add(time.Minute)) {
		t.Errorf("ListSCIMTokens = %+v", list)
	}

	user := func(id, name, ext string) signet.SCIMUser {
		return signet.SCIMUser{ID: "s-" + id, Tenant: "okta", ExternalID: ext, Email: name + "@example.com",
			GivenName: "G", FamilyName: "F", CreatedAt: t0, UpdatedAt: t0,
			User: signet.User{ID: id, Name: name, DisplayName: name, CredentialsChangedAt: t0, CreatedAt: t0, UpdatedAt: t0}}
	}
	alice, bob := user("u-alice", "alice", "00u1"), user("u-bob", "bob", "")
	noErr(t, "CreateSCIMUser alice", ss.CreateSCIMUser(ctx, alice))
	noErr(t, "CreateSCIMUser bob", ss.CreateSCIMUser(ctx, bob))
	isErr(t, "CreateSCIMUser same externalId", ss.CreateSCIMUser(ctx, user("u-c", "carol", "00u1")), signet.ErrConflict)
	isErr(t, "CreateSCIMUser same name", ss.CreateSCIMUser(ctx, user("u-d", "alice", "00u9")), signet.ErrConflict)
	if _, err := f.s.Users.GetUser(ctx, "u-c"); err == nil {
		t.Error("a refused CreateSCIMUser left its user behind")
	}
	gotU, err := ss.GetSCIMUser(ctx, "okta", "s-u-alice")
	noErr(t, "GetSCIMUser", err)
	eq(t, "GetSCIMUser", gotU, alice)
	_, err = ss.GetSCIMUser(ctx, "entra", "s-u-alice")
	isErr(t, "GetSCIMUser of another tenant", err, signet.ErrNotFound)
	id, err := fs.GetIdentity(ctx, "okta", "00u1")
	noErr(t, "identity of the externalId", err)
	eq(t, "identity's user", id.UserID, "u-alice")

	alice.ExternalID, alice.User.Disabled, alice.User.DisplayName, alice.UpdatedAt = "00u2", true, "Alice A", t0.Add(time.Hour)
	noErr(t, "ReplaceSCIMUser", ss.ReplaceSCIMUser(ctx, alice))
	gotU, _ = ss.GetSCIMUser(ctx, "okta", "s-u-alice")
	if gotU.ExternalID != "00u2" || !gotU.User.Disabled || gotU.User.DisplayName != "Alice A" || gotU.Version != 1 {
		t.Errorf("after ReplaceSCIMUser: %+v", gotU)
	}
	// A write based on the read before that one (version 0) would undo
	// the deactivation: refused, nothing written.
	stale := alice
	stale.User.Disabled, stale.Email = false, "stale@example.com"
	isErr(t, "ReplaceSCIMUser over an older version", ss.ReplaceSCIMUser(ctx, stale), signet.ErrSCIMStale)
	if again, _ := ss.GetSCIMUser(ctx, "okta", "s-u-alice"); !again.User.Disabled || again.Email == "stale@example.com" || again.Version != 1 {
		t.Errorf("a stale ReplaceSCIMUser wrote: %+v", again)
	}
	alice.Version = 1
	_, err = fs.GetIdentity(ctx, "okta", "00u1")
	isErr(t, "old identity after the externalId moved", err, signet.ErrNotFound)
	_, err = fs.GetIdentity(ctx, "okta", "00u2")
	noErr(t, "new identity", err)
	other := alice
	other.Tenant = "entra"
	isErr(t, "ReplaceSCIMUser in another tenant", ss.ReplaceSCIMUser(ctx, other), signet.ErrNotFound)
	users, err := ss.ListSCIMUsers(ctx, "okta")
	noErr(t, "ListSCIMUsers", err)
	eq(t, "ListSCIMUsers", len(users), 2)
	users, _ = ss.ListSCIMUsers(ctx, "entra")
	eq(t, "ListSCIMUsers of another tenant", len(users), 0)

	noErr(t, "AddGroupRule", fs.AddGroupRule(ctx, signet.GroupRule{Group: "aws-dev", AccountID: "111122223333", RoleName: "Developer", CreatedAt: t0}))
	g := signet.SCIMGroup{ID: "g1", Tenant: "okta", DisplayName: "aws-dev", Members: []string{"s-u-bob", "s-u-alice"},
		CreatedAt: t0, UpdatedAt: t0}
	noErr(t, "CreateSCIMGroup", ss.CreateSCIMGroup(ctx, g))
	isErr(t, "CreateSCIMGroup same name", ss.CreateSCIMGroup(ctx, signet.SCIMGroup{ID: "g2", Tenant: "okta",
		DisplayName: "aws-dev", CreatedAt: t0, UpdatedAt: t0}), signet.ErrConflict)
	isErr(t, "CreateSCIMGroup with a stranger", ss.CreateSCIMGroup(ctx, signet.SCIMGroup{ID: "g3", Tenant: "okta",
		DisplayName: "ops", Members: []string{"s-u-bob", "nobody"}, CreatedAt: t0, UpdatedAt: t0}), signet.ErrNotFound)
	_, err = ss.GetSCIMGroup(ctx, "okta", "g3")
	isErr(t, "a refused CreateSCIMGroup is not stored", err, signet.ErrNotFound)
	gotG, err := ss.GetSCIMGroup(ctx, "okta", "g1")
	noErr(t, "GetSCIMGroup", err)
	g.Members = []string{"s-u-alice", "s-u-bob"}
	eq(t, "GetSCIMGroup", gotG, g)
	as, err := fs.GroupAssignments(ctx, "u-bob")
	noErr(t, "GroupAssignments", err)
	eq(t, "bob's assignments through the SCIM group", as, []signet.Assignment{{AccountID: "111122223333", RoleName: "Developer"}})

	bad := g
	bad.Members, bad.DisplayName = []string{"s-u-alice", "stranger"}, "renamed"
	isErr(t, "ReplaceSCIMGroup with a stranger", ss.ReplaceSCIMGroup(ctx, bad), signet.ErrNotFound)
	gotG, _ = ss.GetSCIMGroup(ctx, "okta", "g1")
	eq(t, "nothing partial applied", gotG, g)

	g.Members, g.UpdatedAt = []string{"s-u-alice"}, t0.Add(time.Hour)
	noErr(t, "ReplaceSCIMGroup", ss.ReplaceSCIMGroup(ctx, g))
	// A second write from the same read (bob back in) is refused: the
	// removal stands.
	staleG := g
	staleG.Members = []string{"s-u-alice", "s-u-bob"}
	isErr(t, "ReplaceSCIMGroup over an older version", ss.ReplaceSCIMGroup(ctx, staleG), signet.ErrSCIMStale)
	gotG, _ = ss.GetSCIMGroup(ctx, "okta", "g1")
	if gotG.Version != 1 || len(gotG.Members) != 1 {
		t.Errorf("after a stale ReplaceSCIMGroup: %+v", gotG)
	}
	as, _ = fs.GroupAssignments(ctx, "u-bob")
	eq(t, "bob's assignments after leaving", len(as), 0)
	_, err = ss.GetSCIMGroup(ctx, "entra", "g1")
	isErr(t, "GetSCIMGroup of another tenant", err, signet.ErrNotFound)
	isErr(t, "DeleteSCIMGroup of another tenant", ss.DeleteSCIMGroup(ctx, "entra", "g1"), signet.ErrNotFound)

	noErr(t, "DeleteSCIMUser", ss.DeleteSCIMUser(ctx, "okta", "s-u-alice", t0.Add(2*time.Hour)))
	isErr(t, "DeleteSCIMUser again", ss.DeleteSCIMUser(ctx, "okta", "s-u-alice", t0), signet.ErrNotFound)
	u, err := f.s.Users.GetUser(ctx, "u-alice")
	noErr(t, "the deleted SCIM user's User is kept", err)
	if !u.Disabled {
		t.Error("the deleted SCIM user's User is not disabled")
	}
	as, _ = fs.GroupAssignments(ctx, "u-alice")
	eq(t, "the deleted user's group assignments", len(as), 0)
	_, err = fs.GetIdentity(ctx, "okta", "00u2")
	isErr(t, "the deleted user's identity", err, signet.ErrNotFound)

	// Renamed, the group's members follow it to the new name's rules;
	// deleted, they leave every rule.
	noErr(t, "CreateSCIMUser carol", ss.CreateSCIMUser(ctx, user("u-carol", "carol", "00u3")))
	gotG, _ = ss.GetSCIMGroup(ctx, "okta", "g1")
	gotG.Members, gotG.DisplayName = []string{"s-u-carol"}, "aws-ops"
	noErr(t, "ReplaceSCIMGroup renaming", ss.ReplaceSCIMGroup(ctx, gotG))
	as, _ = fs.GroupAssignments(ctx, "u-carol")
	eq(t, "carol's assignments in the renamed group", len(as), 0)
	noErr(t, "AddGroupRule aws-ops", fs.AddGroupRule(ctx, signet.GroupRule{Group: "aws-ops", AccountID: "444455556666", RoleName: "Ops", CreatedAt: t0}))
	as, _ = fs.GroupAssignments(ctx, "u-carol")
	eq(t, "carol's assignments through aws-ops", as, []signet.Assignment{{AccountID: "444455556666", RoleName: "Ops"}})
	noErr(t, "DeleteSCIMGroup", ss.DeleteSCIMGroup(ctx, "okta", "g1"))
	as, _ = fs.GroupAssignments(ctx, "u-carol")
	eq(t, "carol's assignments after the group is deleted", len(as), 0)
	gs, err := ss.ListSCIMGroups(ctx, "okta")
	noErr(t, "ListSCIMGroups", err)
	eq(t, "ListSCIMGroups after delete", len(gs), 0)
}
