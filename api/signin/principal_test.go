package signin

import (
	"testing"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/authserver"
)

// CC-06: the principal of a grant comes from the user the grant read in its
// own transaction, so no read follows the commit; a grant that returns no
// user is a bug, answered 500, never a principal without a name.
func TestCC06_GrantPrincipalFromTheGrantsUser(t *testing.T) {
	sess := signet.Session{ID: "s-1", UserID: "u-1",
		Assignment: signet.Assignment{AccountID: "111122223333", RoleName: "Admin"}}
	p, err := grantPrincipal(authserver.TokenResponse{Session: sess, User: signet.User{ID: "u-1", Name: "alice"}})
	if err != nil || p.ARN != "arn:aws:sts::111122223333:assumed-role/Admin/alice" || p.SessionID != "s-1" {
		t.Fatalf("principal %+v, %v", p, err)
	}
	for _, u := range []signet.User{{}, {ID: "u-2", Name: "bob"}} {
		if _, err := grantPrincipal(authserver.TokenResponse{Session: sess, User: u}); signet.ErrorCodeOf(err) != signet.CodeInternal {
			t.Errorf("user %+v for the session of u-1: %v, want server_error", u, err)
		}
	}
}
