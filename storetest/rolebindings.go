package storetest

import (
	"time"

	"github.com/signet-auth/signet"
)

// RoleBindings: the (account, role) pairs backed by real IAM roles, set
// (and replaced, keeping the creation time), read, listed in order and
// deleted; a pair without one is ErrNotFound.
func testRoleBindings(f *fixture) {
	t, ctx := f.t, f.ctx
	rs := f.s.RoleBindings
	if rs == nil {
		t.Fatal("Stores.RoleBindings is nil")
	}
	_, err := rs.GetRoleBinding(ctx, "111122223333", "Dev")
	isErr(t, "GetRoleBinding of an unbound pair", err, signet.ErrNotFound)
	isErr(t, "DeleteRoleBinding of an unbound pair", rs.DeleteRoleBinding(ctx, "111122223333", "Dev"), signet.ErrNotFound)
	list, err := rs.ListRoleBindings(ctx)
	noErr(t, "ListRoleBindings of none", err)
	eq(t, "ListRoleBindings of none", len(list), 0)

	dev := signet.RoleBinding{AccountID: "111122223333", RoleName: "Dev", RoleARN: "arn:aws:iam::111122223333:role/Dev",
		MaxDuration: time.Hour, CreatedAt: t0, UpdatedAt: t0}
	ops := signet.RoleBinding{AccountID: "111122223333", RoleName: "Ops", RoleARN: "arn:aws:iam::111122223333:role/team/Ops",
		CreatedAt: t0, UpdatedAt: t0}
	other := signet.RoleBinding{AccountID: "000011112222", RoleName: "Dev", RoleARN: "arn:aws:iam::000011112222:role/Dev",
		MaxDuration: 2 * time.Hour, CreatedAt: t0, UpdatedAt: t0}
	for _, b := range []signet.RoleBinding{ops, dev, other} {
		noErr(t, "SetRoleBinding "+b.AccountID+"/"+b.RoleName, rs.SetRoleBinding(ctx, b))
	}
	got, err := rs.GetRoleBinding(ctx, "111122223333", "Dev")
	noErr(t, "GetRoleBinding", err)
	eq(t, "GetRoleBinding", got, dev)
	_, err = rs.GetRoleBinding(ctx, "111122223333", "dev")
	isErr(t, "GetRoleBinding is case-sensitive", err, signet.ErrNotFound)

	// Replacing keeps CreatedAt and takes everything else.
	moved := dev
	moved.RoleARN, moved.MaxDuration = "arn:aws:iam::111122223333:role/Developer", 30*time.Minute
	moved.CreatedAt, moved.UpdatedAt = t0.Add(time.Hour), t0.Add(time.Hour)
	noErr(t, "SetRoleBinding replacing", rs.SetRoleBinding(ctx, moved))
	got, err = rs.GetRoleBinding(ctx, "111122223333", "Dev")
	noErr(t, "GetRoleBinding after replacing", err)
	want := moved
	want.CreatedAt = t0
	eq(t, "GetRoleBinding after replacing", got, want)

	list, err = rs.ListRoleBindings(ctx)
	noErr(t, "ListRoleBindings", err)
	eq(t, "ListRoleBindings", list, []signet.RoleBinding{other, want, ops})

	noErr(t, "DeleteRoleBinding", rs.DeleteRoleBinding(ctx, "111122223333", "Dev"))
	_, err = rs.GetRoleBinding(ctx, "111122223333", "Dev")
	isErr(t, "GetRoleBinding after DeleteRoleBinding", err, signet.ErrNotFound)
	list, err = rs.ListRoleBindings(ctx)
	noErr(t, "ListRoleBindings after DeleteRoleBinding", err)
	eq(t, "ListRoleBindings after DeleteRoleBinding", list, []signet.RoleBinding{other, ops})
}
