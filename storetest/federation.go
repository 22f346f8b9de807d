package storetest

import (
	"time"

	"github.com/signet-auth/signet"
)

// Federation: providers set (keeping CreatedAt), listed and deleted;
// identities keyed by (IdP, subject) only, created with their user in one
// transaction at the first login and found again at the next; groups
// replaced per provider at each login; group rules turned into assignments
// through the current groups.
func testFederation(f *fixture) {
	t, ctx := f.t, f.ctx
	fs := f.s.Federation
	if fs == nil {
		t.Fatal("Stores.Federation is nil")
	}
	_, err := fs.GetIdP(ctx, "okta")
	isErr(t, "GetIdP of none", err, signet.ErrNotFound)
	isErr(t, "DeleteIdP of none", fs.DeleteIdP(ctx, "okta"), signet.ErrNotFound)

	okta := signet.IdentityProvider{Name: "okta", Kind: signet.IdPOIDC, DisplayName: "Okta",
		Issuer: "https://example.okta.com", ClientID: "0oa1", ClientSecretRef: "env:OKTA_SECRET",
		Scopes: []string{"email", "groups"}, Claims: signet.ClaimMapping{Groups: "groups", Username: "email"},
		Domains: []string{"example.com"}, AllowedGroups: []string{"staff", "contractors"}, CreatedAt: t0, UpdatedAt: t0}
	adfs := signet.IdentityProvider{Name: "adfs", Kind: signet.IdPSAML, DisplayName: "AD FS", Issuer: "http://adfs.example.com/adfs/services/trust",
		SAML:      signet.SAMLSettings{Metadata: "<EntityDescriptor/>", NameIDFormat: "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent", AllowIdPInitiated: true},
		CreatedAt: t0, UpdatedAt: t0}
	noErr(t, "SetIdP okta", fs.SetIdP(ctx, okta))
	noErr(t, "SetIdP adfs", fs.SetIdP(ctx, adfs))
	got, err := fs.GetIdP(ctx, "okta")
	noErr(t, "GetIdP", err)
	eq(t, "GetIdP", got, okta)
	moved := okta
	moved.ClientID, moved.CreatedAt, moved.UpdatedAt = "0oa2", t0.Add(time.Hour), t0.Add(time.Hour)
	noErr(t, "SetIdP replacing", fs.SetIdP(ctx, moved))
	want := moved
	want.CreatedAt = t0
	list, err := fs.ListIdPs(ctx)
	noErr(t, "ListIdPs", err)
	eq(t, "ListIdPs", list, []signet.IdentityProvider{adfs, want})
	noErr(t, "DeleteIdP", fs.DeleteIdP(ctx, "adfs"))
	list, err = fs.ListIdPs(ctx)
	noErr(t, "ListIdPs after delete", err)
	eq(t, "ListIdPs after delete", list, []signet.IdentityProvider{want})

	// A local user whose name is the upstream e-mail is never the one an
	// identity lands on (FD-03).
	local := f.user("u-local", "alice@example.com")
	ident := signet.FederatedIdentity{IdP: "okta", Subject: "00u1", Email: "alice@example.com",
		CreatedAt: t0, LastLoginAt: t0}
	fresh := newUser("u-fed", "alice@example.com")
	_, _, err = fs.Provision(ctx, signet.Provisioning{Identity: ident, NewUser: fresh, Groups: []string{"aws-dev"}})
	isErr(t, "Provision with a taken name", err, signet.ErrConflict)
	_, err = fs.GetIdentity(ctx, "okta", "00u1")
	isErr(t, "GetIdentity after a refused Provision", err, signet.ErrNotFound)

	fresh.Name = "alice@example.com#okta"
	u, created, err := fs.Provision(ctx, signet.Provisioning{Identity: ident, NewUser: fresh,
		Groups: []string{"aws-dev", "aws-ops", "aws-dev"}})
	noErr(t, "Provision new", err)
	eq(t, "Provision new: created", created, true)
	eq(t, "Provision new: user", u.ID, "u-fed")
	if u.ID == local.ID {
		t.Fatal("an upstream identity landed on the local user with the same e-mail")
	}
	gotID, err := fs.GetIdentity(ctx, "okta", "00u1")
	noErr(t, "GetIdentity", err)
	wantID := ident
	wantID.UserID = "u-fed"
	eq(t, "GetIdentity", gotID, wantID)
	groups, err := fs.UserGroups(ctx, "u-fed")
	noErr(t, "UserGroups", err)
	eq(t, "UserGroups", groups, []string{"aws-dev", "aws-ops"})

	// The next login, with the e-mail changed upstream and a group gone,
	// finds the same user by (IdP, subject).
	again := ident
	again.Email, again.LastLoginAt = "alice@other.example", t0.Add(time.Hour)
	u, created, err = fs.Provision(ctx, signet.Provisioning{Identity: again, NewUser: newUser("u-new", "x"),
		Groups: []string{"aws-dev"}})
	noErr(t, "Provision known", err)
	eq(t, "Provision known: created", created, false)
	eq(t, "Provision known: user", u.ID, "u-fed")
	_, err = f.s.Users.GetUser(ctx, "u-new")
	isErr(t, "Provision known creates no user", err, signet.ErrNotFound)
	groups, err = fs.UserGroups(ctx, "u-fed")
	noErr(t, "UserGroups after the second login", err)
	eq(t, "UserGroups after the second login", groups, []string{"aws-dev"})
	ids, err := fs.ListIdentities(ctx, "u-fed")
	noErr(t, "ListIdentities", err)
	again.UserID, again.CreatedAt = "u-fed", t0
	eq(t, "ListIdentities", ids, []signet.FederatedIdentity{again})

	// The same subject at another provider is another person.
	other := signet.FederatedIdentity{IdP: "google", Subject: "00u1", CreatedAt: t0, LastLoginAt: t0}
	u, created, err = fs.Provision(ctx, signet.Provisioning{Identity: other, NewUser: newUser("u-g", "00u1#google")})
	noErr(t, "Provision other IdP", err)
	eq(t, "Provision other IdP", [2]any{u.ID, created}, [2]any{"u-g", true})

	// Group rules.
	dev := signet.GroupRule{Group: "aws-dev", AccountID: "111122223333", RoleName: "Developer", CreatedAt: t0}
	ops := signet.GroupRule{Group: "aws-ops", AccountID: "111122223333", RoleName: "Operator", CreatedAt: t0}
	dup := signet.GroupRule{Group: "aws-ops", AccountID: "111122223333", RoleName: "Developer", CreatedAt: t0}
	for _, r := range []signet.GroupRule{ops, dev, dup} {
		noErr(t, "AddGroupRule "+r.Group+"/"+r.RoleName, fs.AddGroupRule(ctx, r))
	}
	isErr(t, "AddGroupRule twice", fs.AddGroupRule(ctx, dev), signet.ErrConflict)
	rules, err := fs.ListGroupRules(ctx)
	noErr(t, "ListGroupRules", err)
	eq(t, "ListGroupRules", rules, []signet.GroupRule{dev, dup, ops})
	as, err := fs.GroupAssignments(ctx, "u-fed")
	noErr(t, "GroupAssignments", err)
	eq(t, "GroupAssignments", as, []signet.Assignment{{AccountID: "111122223333", RoleName: "Developer"}})
	as, err = fs.GroupAssignments(ctx, "u-local")
	noErr(t, "GroupAssignments of a user without groups", err)
	eq(t, "GroupAssignments of a user without groups", len(as), 0)

	// FD-05: the group gone upstream takes its assignment with it.
	_, _, err = fs.Provision(ctx, signet.Provisioning{Identity: again, Groups: []string{"aws-ops"}})
	noErr(t, "Provision with aws-ops only", err)
	as, err = fs.GroupAssignments(ctx, "u-fed")
	noErr(t, "GroupAssignments after the group changed", err)
	eq(t, "GroupAssignments after the group changed", as, []signet.Assignment{
		{AccountID: "111122223333", RoleName: "Developer"}, {AccountID: "111122223333", RoleName: "Operator"}})
	noErr(t, "DeleteGroupRule", fs.DeleteGroupRule(ctx, dup))
	isErr(t, "DeleteGroupRule twice", fs.DeleteGroupRule(ctx, dup), signet.ErrNotFound)
	as, err = fs.GroupAssignments(ctx, "u-fed")
	noErr(t, "GroupAssignments after the rule went", err)
	eq(t, "GroupAssignments after the rule went", as, []signet.Assignment{{AccountID: "111122223333", RoleName: "Operator"}})
}

// Upstream logins: each state is taken once, by digest, while live.
func testUpstreamLogins(f *fixture) {
	t, ctx := f.t, f.ctx
	fs := f.s.Federation
	l := signet.UpstreamLogin{Digest: dg("state"), IdP: "okta", Binding: dg("cookie"), Return: "/authorize?x=1",
		CreatedAt: t0, ExpiresAt: t0.Add(10 * time.Minute)}
	noErr(t, "CreateUpstreamLogin", fs.CreateUpstreamLogin(ctx, l))
	isErr(t, "CreateUpstreamLogin twice", fs.CreateUpstreamLogin(ctx, l), signet.ErrConflict)
	_, err := fs.TakeUpstreamLogin(ctx, dg("other"), t0)
	isErr(t, "TakeUpstreamLogin of an unknown state", err, signet.ErrNotFound)
	got, err := fs.TakeUpstreamLogin(ctx, l.Digest, t0.Add(time.Minute))
	noErr(t, "TakeUpstreamLogin", err)
	eq(t, "TakeUpstreamLogin", got, l)
	_, err = fs.TakeUpstreamLogin(ctx, l.Digest, t0.Add(time.Minute))
	isErr(t, "TakeUpstreamLogin twice", err, signet.ErrNotFound)

	late := l
	late.Digest = dg("late")
	noErr(t, "CreateUpstreamLogin late", fs.CreateUpstreamLogin(ctx, late))
	_, err = fs.TakeUpstreamLogin(ctx, late.Digest, late.ExpiresAt)
	isErr(t, "TakeUpstreamLogin at its expiry", err, signet.ErrNotFound)
	n, err := f.s.Collector.Collect(ctx, late.ExpiresAt.Add(time.Millisecond), time.Hour, 100)
	noErr(t, "Collect", err)
	if n < 1 {
		t.Errorf("Collect deleted %d rows; want the expired upstream login", n)
	}
	noErr(t, "CreateUpstreamLogin after collection", fs.CreateUpstreamLogin(ctx, late))
}
