package authserver

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/signet-auth/signet"
)

// usersDown is a user store that fails, once down, as a database that went
// away does.
type usersDown struct {
	signet.UserStore
	down atomic.Bool
}

func (u *usersDown) GetUser(ctx context.Context, id string) (signet.User, error) {
	if u.down.Load() {
		return signet.User{}, fmt.Errorf("test: %w", signet.ErrUnavailable)
	}
	return u.UserStore.GetUser(ctx, id)
}

// CC-06, "DB down mid-request": a code redemption or a refresh reads the
// user inside its own transaction and nothing after the commit. Otherwise
// a store failing right after the commit would answer 5xx for a grant that
// happened, and the client's retry of the code would be code reuse that
// revokes the session it was never told about.
func TestCC06_NothingReadAfterTheGrantCommits(t *testing.T) {
	users := &usersDown{}
	f := newFixture(t, func(c *Config) { users.UserStore = c.Users; c.Users = users })
	for _, c := range []IssuedClient{f.ssoClient(), f.signInClient()} {
		u := f.user("alice-" + string(protocolOf(c)))
		r := f.codeRequest(c, f.authorize(c, u, protocolOf(c)))
		if protocolOf(c) == signet.ProtocolSignIn {
			r.DPoPJKT = jktA
		}
		users.down.Store(true) // from here on, any read outside the grant's transaction fails
		resp := f.token(r)
		if resp.User.ID != u.ID || resp.User.Name != u.Name {
			t.Errorf("%s code: the response's user %+v, want %s", protocolOf(c), resp.User, u.Name)
		}
		rr := f.refreshRequest(c, resp.RefreshToken)
		rr.DPoPJKT = r.DPoPJKT
		next := f.token(rr)
		if next.User.ID != u.ID {
			t.Errorf("%s refresh: the response's user %+v, want %s", protocolOf(c), next.User, u.Name)
		}
		users.down.Store(false)
	}
}

// A user disabled between approval and redemption gets nothing: the check
// runs in the redemption's transaction, burns the code and creates no
// session.
func TestCodeOfDisabledUserRefused(t *testing.T) {
	f := newFixture(t)
	c, u := f.ssoClient(), f.user("alice")
	r := f.codeRequest(c, f.authorize(c, u, signet.ProtocolSSOOIDC))
	if err := f.srv.SetDisabled(f.ctx, u.ID, true); err != nil {
		t.Fatal(err)
	}
	_, err := f.srv.Token(f.ctx, r)
	wantErr(t, err, signet.CodeInvalidGrant, signet.ReasonUserDisabled)
	if err := f.srv.SetDisabled(f.ctx, u.ID, false); err != nil {
		t.Fatal(err)
	}
	_, err = f.srv.Token(f.ctx, r)
	wantErr(t, err, signet.CodeInvalidGrant, signet.ReasonCodeExpired)
	ss, err := f.srv.ListSessions(f.ctx, signet.SessionFilter{UserID: u.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(ss) != 0 {
		t.Errorf("%d sessions for the disabled user's code, want none: %+v", len(ss), ss)
	}
}

// The device flow too: the poll that redeems an approved authorization
// reads its user in the same transaction, so a store failing right after
// the commit cannot turn a redeemed device code into a 5xx.
func TestCC06_DeviceGrantReadsNothingAfterCommit(t *testing.T) {
	users := &usersDown{}
	f := newFixture(t, func(c *Config) { users.UserStore = c.Users; c.Users = users })
	c, u := f.deviceClient(), f.user("alice")
	d := f.startDevice(c)
	if _, err := f.srv.ApproveDevice(f.ctx, d.UserCode, u.ID); err != nil {
		t.Fatal(err)
	}
	users.down.Store(true)
	resp := f.token(deviceRequest(c, d.DeviceCode))
	if resp.User.ID != u.ID || resp.User.Name != u.Name {
		t.Errorf("the response's user %+v, want %s", resp.User, u.Name)
	}
}

// A user disabled between approving a device and its redemption gets
// nothing, and no session is created.
func TestDeviceOfDisabledUserRefused(t *testing.T) {
	f := newFixture(t)
	c, u := f.deviceClient(), f.user("alice")
	d := f.startDevice(c)
	if _, err := f.srv.ApproveDevice(f.ctx, d.UserCode, u.ID); err != nil {
		t.Fatal(err)
	}
	if err := f.srv.SetDisabled(f.ctx, u.ID, true); err != nil {
		t.Fatal(err)
	}
	_, err := f.srv.Token(f.ctx, deviceRequest(c, d.DeviceCode))
	wantErr(t, err, signet.CodeInvalidGrant, signet.ReasonUserDisabled)
	ss, err := f.srv.ListSessions(f.ctx, signet.SessionFilter{UserID: u.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(ss) != 0 {
		t.Errorf("%d sessions for the disabled user's device code, want none: %+v", len(ss), ss)
	}
}
