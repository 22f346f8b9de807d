package authserver

import (
	"strings"
	"testing"
	"time"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/password"
)

func TestCreateUserAndAuthenticate(t *testing.T) {
	f := newFixture(t)
	u := f.user("alice")
	if !strings.HasPrefix(u.PasswordHash, "$argon2id$") || strings.Contains(u.PasswordHash, testPassword) {
		t.Fatalf("hash %q", u.PasswordHash)
	}
	got, err := f.srv.Authenticate(f.ctx, "alice", testPassword)
	if err != nil || got.ID != u.ID {
		t.Fatalf("Authenticate: %+v, %v", got, err)
	}
	_, err = f.srv.CreateUser(f.ctx, "alice", "", testPassword)
	wantErr(t, err, signet.CodeConflict, "")
	for _, tc := range []struct{ name, display, pw string }{
		{"a", "", testPassword}, {strings.Repeat("a", 65), "", testPassword}, {"al ice", "", testPassword},
		{"al/ice", "", testPassword}, {"bob", "x\x00", testPassword}, {"bob", "", "short"},
		{"bob", "", strings.Repeat("p", MaxPasswordLen+1)},
	} {
		_, err := f.srv.CreateUser(f.ctx, tc.name, tc.display, tc.pw)
		wantErr(t, err, signet.CodeInvalidRequest, "")
	}
	if _, err := f.srv.CreateUser(f.ctx, "bob+ci@example.com", "Bob", testPassword); err != nil {
		t.Fatalf("IAM-style name refused: %v", err)
	}
}

// Unknown user, wrong password and disabled user give one answer (no user
// enumeration).
func TestAuthenticateFailuresLookAlike(t *testing.T) {
	f := newFixture(t)
	f.user("alice")
	d := f.user("dora")
	if err := f.srv.SetDisabled(f.ctx, d.ID, true); err != nil {
		t.Fatal(err)
	}
	var first *signet.Error
	for i, tc := range []struct{ name, pw string }{
		{"alice", "wrong password"}, {"nobody", testPassword}, {"dora", testPassword}, {"alice", ""},
		{"alice", strings.Repeat("x", MaxPasswordLen+1)},
	} {
		_, err := f.srv.Authenticate(f.ctx, tc.name, tc.pw)
		e := wantErr(t, err, signet.CodeInvalidGrant, "")
		if i == 0 {
			first = e
		} else if e.Message != first.Message || e.Reason != first.Reason {
			t.Fatalf("%s: %+v differs from %+v", tc.name, e, first)
		}
	}
}

func TestSetPasswordBumpsCredentialsChangedAt(t *testing.T) {
	f := newFixture(t)
	u := f.user("alice")
	f.clock.Add(time.Hour)
	if err := f.srv.SetPassword(f.ctx, u.ID, "a brand new password"); err != nil {
		t.Fatal(err)
	}
	got, err := f.stores.Users.GetUser(f.ctx, u.ID)
	if err != nil || !got.CredentialsChangedAt.Equal(f.clock.Now()) {
		t.Fatalf("CredentialsChangedAt %v, %v", got.CredentialsChangedAt, err)
	}
	if _, err := f.srv.Authenticate(f.ctx, "alice", testPassword); err == nil {
		t.Fatal("old password still works")
	}
	if _, err := f.srv.Authenticate(f.ctx, "alice", "a brand new password"); err != nil {
		t.Fatal(err)
	}
	wantErr(t, f.srv.SetPassword(f.ctx, "nobody", "a brand new password"), signet.CodeNotFound, "")
	wantErr(t, f.srv.SetPassword(f.ctx, u.ID, "short"), signet.CodeInvalidRequest, "")
}

// A hash made with other parameters is upgraded at the next login.
func TestAuthenticateRehashes(t *testing.T) {
	f := newFixture(t)
	u := f.user("alice")
	old, err := password.New(strings.NewReader(strings.Repeat("s", 64)), password.Params{Memory: 2048, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32})
	if err != nil {
		t.Fatal(err)
	}
	u.PasswordHash, _ = old.Hash(testPassword)
	if err := f.stores.Users.UpdateUser(f.ctx, u); err != nil {
		t.Fatal(err)
	}
	if _, err := f.srv.Authenticate(f.ctx, "alice", testPassword); err != nil {
		t.Fatal(err)
	}
	got, _ := f.stores.Users.GetUser(f.ctx, u.ID)
	if f.srv.passwords.NeedsRehash(got.PasswordHash) || got.PasswordHash == u.PasswordHash {
		t.Fatalf("hash not upgraded: %q", got.PasswordHash)
	}
}

func TestSetAssignments(t *testing.T) {
	f := newFixture(t)
	u := f.user("alice")
	good := []signet.Assignment{{AccountID: "123456789012", RoleName: "Admin"}, {AccountID: "000000000000", RoleName: "Read+Only=,.@_-"}}
	if err := f.srv.SetAssignments(f.ctx, u.ID, good); err != nil {
		t.Fatal(err)
	}
	got, _ := f.stores.Users.GetUser(f.ctx, u.ID)
	if len(got.Assignments) != 2 || got.Assignments[1] != good[1] {
		t.Fatalf("assignments %v", got.Assignments)
	}
	for _, as := range [][]signet.Assignment{
		{{AccountID: "12345678901", RoleName: "Admin"}},
		{{AccountID: "1234567890123", RoleName: "Admin"}},
		{{AccountID: "12345678901a", RoleName: "Admin"}},
		{{AccountID: "123456789012", RoleName: ""}},
		{{AccountID: "123456789012", RoleName: strings.Repeat("r", 65)}},
		{{AccountID: "123456789012", RoleName: "Ad min"}},
		{{AccountID: "123456789012", RoleName: "Admin/x"}},
		{good[0], good[0]},
	} {
		wantErr(t, f.srv.SetAssignments(f.ctx, u.ID, as), signet.CodeInvalidRequest, "")
	}
	wantErr(t, f.srv.SetAssignments(f.ctx, "nobody", good), signet.CodeNotFound, "")
}
