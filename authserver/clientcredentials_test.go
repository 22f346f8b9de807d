package authserver

import (
	"testing"

	"github.com/signet-auth/signet"
)

// Only an administrator's confidential client may register the
// client_credentials grant (RFC 6749 §4.4; catalogue CL-07); public and
// dynamically registered clients may not.
func TestClientCredentialsOnlyForConfidentialClients(t *testing.T) {
	f := newFixture(t)
	cc := []string{signet.GrantClientCredentials}
	if _, err := f.srv.CreateClient(f.ctx, ClientSpec{Name: "svc", Type: signet.ClientConfidential, GrantTypes: cc}); err != nil {
		t.Fatalf("confidential: %v", err)
	}
	if _, err := f.srv.CreateClient(f.ctx, ClientSpec{Name: "app", Type: signet.ClientPublic, GrantTypes: cc}); signet.ErrorCodeOf(err) != signet.CodeUnsupportedGrantType {
		t.Errorf("public: %v", err)
	}
	if _, err := f.srv.RegisterClient(f.ctx, Registration{ClientName: "dyn", ClientType: "public", GrantTypes: cc}); signet.ErrorCodeOf(err) != signet.CodeUnsupportedGrantType {
		t.Errorf("dynamic: %v", err)
	}
}
