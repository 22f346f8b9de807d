package storetest

import (
	"time"

	"github.com/signet-auth/signet"
)

// Passkeys: credentials round-trip, are unique by ID across users, list
// per user in order, delete only for their owner, and the signature
// counter moves only forward (catalogue MF-02: a regression is a cloned
// authenticator and changes nothing).
func testPasskeys(f *fixture) {
	t, ctx := f.t, f.ctx
	ps := f.s.Passkeys
	if ps == nil {
		t.Fatal("Stores.Passkeys is nil")
	}
	f.user("u1", "one")
	f.user("u2", "two")
	a := signet.Passkey{ID: []byte{1, 2, 3}, UserID: "u1", Name: "YubiKey", PublicKey: []byte{0xa5, 1, 2}, SignCount: 5,
		Transports: []string{"usb", "nfc"}, AAGUID: []byte{9, 9}, BackupEligible: true, CreatedAt: t0}
	b := signet.Passkey{ID: []byte{4, 5}, UserID: "u1", Name: "Laptop", PublicKey: []byte{0xa5}, CreatedAt: t0.Add(time.Second)}
	c := signet.Passkey{ID: []byte{6}, UserID: "u2", Name: "Phone", PublicKey: []byte{0xa5}, BackupEligible: true, BackupState: true,
		CreatedAt: t0}
	for _, p := range []signet.Passkey{b, a, c} {
		noErr(t, "AddPasskey "+p.Name, ps.AddPasskey(ctx, p))
	}
	dup := c
	dup.UserID = "u1"
	isErr(t, "AddPasskey with a taken ID", ps.AddPasskey(ctx, dup), signet.ErrConflict)
	got, err := ps.GetPasskey(ctx, a.ID)
	noErr(t, "GetPasskey", err)
	eq(t, "GetPasskey", got, a)
	_, err = ps.GetPasskey(ctx, []byte{7})
	isErr(t, "GetPasskey unknown", err, signet.ErrNotFound)
	list, err := ps.ListPasskeys(ctx, "u1")
	noErr(t, "ListPasskeys", err)
	eq(t, "ListPasskeys", list, []signet.Passkey{a, b})

	noErr(t, "UsePasskey forward", ps.UsePasskey(ctx, a.ID, 6, t0.Add(time.Minute)))
	isErr(t, "MF-02 UsePasskey same counter", ps.UsePasskey(ctx, a.ID, 6, t0.Add(time.Minute)), signet.ErrAlreadyUsed)
	isErr(t, "MF-02 UsePasskey counter regression", ps.UsePasskey(ctx, a.ID, 2, t0.Add(time.Minute)), signet.ErrAlreadyUsed)
	got, _ = ps.GetPasskey(ctx, a.ID)
	eq(t, "counter after uses", [2]any{got.SignCount, got.LastUsed}, [2]any{uint32(6), t0.Add(time.Minute)})
	// An authenticator that keeps no counter reports 0 every time.
	noErr(t, "UsePasskey without counter", ps.UsePasskey(ctx, b.ID, 0, t0))
	noErr(t, "UsePasskey without counter again", ps.UsePasskey(ctx, b.ID, 0, t0))
	isErr(t, "UsePasskey unknown", ps.UsePasskey(ctx, []byte{7}, 1, t0), signet.ErrNotFound)

	isErr(t, "DeletePasskey of another user", ps.DeletePasskey(ctx, "u2", a.ID), signet.ErrNotFound)
	noErr(t, "DeletePasskey", ps.DeletePasskey(ctx, "u1", a.ID))
	_, err = ps.GetPasskey(ctx, a.ID)
	isErr(t, "GetPasskey after delete", err, signet.ErrNotFound)
}
