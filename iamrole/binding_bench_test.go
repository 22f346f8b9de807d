package iamrole_test

import (
	"context"
	"testing"
	"time"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/awscreds"
	"github.com/signet-auth/signet/iamrole"
	"github.com/signet-auth/signet/iamrole/iamroletest"
	"github.com/signet-auth/signet/internal/testenv"
)

// What reading the role binding on every request costs, on SQLite: the
// lookup alone (a bound and an unbound assignment), and local credentials
// through the Source (lookup, not found, mint) beside the Authority alone
// (mint). A bound request adds a signed token and an STS round trip, whose
// cost `signet bench --scenario role-credentials-sts` measures.
func BenchmarkRoleBindingLookup(b *testing.B) {
	e := boundEnv(b, iamroletest.NewFakeSTS(b), iamrole.Config{})
	ctx := context.Background()
	r := awscreds.RoleRequest{Assignment: signet.Assignment{AccountID: testenv.AccountID, RoleName: "ReadOnly"},
		UserID: e.User.ID, UserName: e.User.Name, SessionID: "s-bench", Expiry: e.Clock.Now().Add(time.Hour)}
	b.Run("GetRoleBinding/bound", func(b *testing.B) {
		for b.Loop() {
			if _, err := e.Stores.RoleBindings.GetRoleBinding(ctx, testenv.AccountID, "Admin"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("GetRoleBinding/unbound", func(b *testing.B) {
		for b.Loop() {
			if _, err := e.Stores.RoleBindings.GetRoleBinding(ctx, testenv.AccountID, "ReadOnly"); err == nil {
				b.Fatal("ReadOnly is bound")
			}
		}
	})
	b.Run("local/Source", func(b *testing.B) {
		for b.Loop() {
			if _, err := e.Roles.RoleCredentials(ctx, r); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("local/Authority", func(b *testing.B) {
		for b.Loop() {
			if _, err := e.Authority.RoleCredentials(ctx, r); err != nil {
				b.Fatal(err)
			}
		}
	})
}
