package storetest

import (
	"time"

	"github.com/signet-auth/signet"
)

// AccessKeys: the long-term AWS access keys a backend keeps for package
// awscreds.
func testAccessKeys(f *fixture) {
	t, ctx := f.t, f.ctx
	ks := f.s.AccessKeys
	if ks == nil {
		t.Fatal("Stores.AccessKeys is nil")
	}
	const alice = "arn:aws:iam::111122223333:user/alice"
	const bob = "arn:aws:iam::111122223333:user/bob"
	k2 := signet.AccessKey{ID: "AKIAEXAMPLE000000002", PrincipalARN: alice, SealedSecret: []byte{2, 0, 2},
		CreatedAt: t0.Add(time.Second)}
	k1 := signet.AccessKey{ID: "AKIAEXAMPLE000000001", PrincipalARN: alice, SealedSecret: []byte{1, 0, 1}, CreatedAt: t0}
	k3 := signet.AccessKey{ID: "AKIAEXAMPLE000000003", PrincipalARN: bob, SealedSecret: []byte{3}, CreatedAt: t0, Disabled: true}
	for _, k := range []signet.AccessKey{k2, k1, k3} {
		noErr(t, "CreateAccessKey "+k.ID, ks.CreateAccessKey(ctx, k))
	}
	dup := k1
	dup.PrincipalARN = bob
	isErr(t, "CreateAccessKey with a taken id", ks.CreateAccessKey(ctx, dup), signet.ErrConflict)

	got, err := ks.GetAccessKey(ctx, k3.ID)
	noErr(t, "GetAccessKey", err)
	eq(t, "GetAccessKey", got, k3)
	_, err = ks.GetAccessKey(ctx, "AKIANOSUCHKEY0000000")
	isErr(t, "GetAccessKey of an unknown id", err, signet.ErrNotFound)

	list, err := ks.ListAccessKeys(ctx, alice)
	noErr(t, "ListAccessKeys", err)
	eq(t, "alice's keys, oldest first", list, []signet.AccessKey{k1, k2})
	list, err = ks.ListAccessKeys(ctx, "")
	noErr(t, "ListAccessKeys all", err)
	eq(t, "every key, by creation then id", list, []signet.AccessKey{k1, k3, k2})
	list, err = ks.ListAccessKeys(ctx, "arn:aws:iam::111122223333:user/nobody")
	noErr(t, "ListAccessKeys of nobody", err)
	eq(t, "nobody's keys", len(list), 0)

	noErr(t, "DeleteAccessKey", ks.DeleteAccessKey(ctx, k1.ID))
	_, err = ks.GetAccessKey(ctx, k1.ID)
	isErr(t, "deleted key", err, signet.ErrNotFound)
	isErr(t, "DeleteAccessKey again", ks.DeleteAccessKey(ctx, k1.ID), signet.ErrNotFound)
}
