package authserver

import (
	"testing"

	"github.com/signet-auth/signet"
)

// TestFD05_GroupAssignmentAtRefresh: a Sign-In session bound to an
// assignment that a group rule gave keeps refreshing while the user is in
// the group and is refused (insufficient_permissions) at the first refresh
// after the group went upstream; a session on the user's own assignment is
// not affected (catalogue FD-05).
func TestFD05_GroupAssignmentAtRefresh(t *testing.T) {
	f, cfg := newFixtureConfig(t)
	fed := f.stores.Federation
	cfg.Federation = fed
	srv, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	f.srv = srv
	ctx := f.ctx
	if err := fed.SetIdP(ctx, signet.IdentityProvider{Name: "corp", Kind: signet.IdPOIDC}); err != nil {
		t.Fatal(err)
	}
	u, err := f.srv.FederatedLogin(ctx, FederatedLogin{IdP: "corp", Subject: "s-1", Username: "dana", Groups: []string{"aws-dev"}})
	if err != nil {
		t.Fatal(err)
	}
	own := signet.Assignment{AccountID: "111122223333", RoleName: "ReadOnly"}
	if err := f.srv.SetAssignments(ctx, u.ID, []signet.Assignment{own}); err != nil {
		t.Fatal(err)
	}
	dev := signet.Assignment{AccountID: "111122223333", RoleName: "Developer"}
	if err := fed.AddGroupRule(ctx, signet.GroupRule{Group: "aws-dev", AccountID: dev.AccountID, RoleName: dev.RoleName}); err != nil {
		t.Fatal(err)
	}
	c := f.signInClient()
	viaGroup := f.login(c, u, func(r *AuthorizeRequest) { r.Assignment = dev })
	viaOwn := f.login(c, u, func(r *AuthorizeRequest) { r.Assignment = own })
	viaGroup = f.token(f.refreshRequest(c, viaGroup.RefreshToken))

	// The group goes upstream: the next login replaces the groups.
	if _, err := f.srv.FederatedLogin(ctx, FederatedLogin{IdP: "corp", Subject: "s-1", Username: "dana"}); err != nil {
		t.Fatal(err)
	}
	_, err = f.srv.Token(ctx, f.refreshRequest(c, viaGroup.RefreshToken))
	wantErr(t, err, signet.CodeInvalidGrant, signet.ReasonInsufficientPerms)
	f.token(f.refreshRequest(c, viaOwn.RefreshToken))
	// Nor can a new code be issued for it.
	_, err = f.srv.IssueCode(ctx, AuthorizeRequest{ClientID: c.Client.ID, UserID: u.ID, Protocol: signet.ProtocolSignIn,
		RedirectURI: "http://127.0.0.1:53219/oauth/callback", CodeChallenge: challengeOf(verifier), CodeChallengeMethod: "S256",
		Assignment: dev})
	wantErr(t, err, signet.CodeAccessDenied, signet.ReasonInsufficientPerms)
}

// A provider with allowed groups admits only their members: anyone else it
// vouches for is refused before anything is written, and a known user who
// left the groups is refused at the next login.
func TestAllowedGroups(t *testing.T) {
	f, cfg := newFixtureConfig(t)
	fed := f.stores.Federation
	cfg.Federation = fed
	srv, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	f.srv = srv
	ctx := f.ctx
	if err := fed.SetIdP(ctx, signet.IdentityProvider{Name: "google", Kind: signet.IdPOIDC, AllowedGroups: []string{"staff"}}); err != nil {
		t.Fatal(err)
	}
	before, _ := f.stores.Users.ListUsers(ctx)
	_, err = srv.FederatedLogin(ctx, FederatedLogin{IdP: "google", Subject: "g-1", Username: "stranger", Groups: []string{"public"}})
	wantErr(t, err, signet.CodeAccessDenied, "")
	if after, _ := f.stores.Users.ListUsers(ctx); len(after) != len(before) {
		t.Fatal("a person outside the allowed groups was given a user")
	}
	u, err := srv.FederatedLogin(ctx, FederatedLogin{IdP: "google", Subject: "g-2", Username: "member", Groups: []string{"public", "staff"}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = srv.FederatedLogin(ctx, FederatedLogin{IdP: "google", Subject: "g-2", Username: "member"})
	wantErr(t, err, signet.CodeAccessDenied, "")
	if groups, _ := fed.UserGroups(ctx, u.ID); len(groups) != 2 {
		t.Errorf("a refused login changed the groups: %v", groups)
	}
	_, err = srv.FederatedLogin(ctx, FederatedLogin{IdP: "unknown", Subject: "x", Username: "x"})
	wantErr(t, err, signet.CodeAccessDenied, "")
}
