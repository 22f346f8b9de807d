package storetest

import "github.com/signet-auth/signet"

// ClientKeys: a private_key_jwt client's JWK Set, stored and replaced per
// client as given, refused for an unknown client, and gone with the client.
func testClientKeys(f *fixture) {
	t, ctx := f.t, f.ctx
	ks := f.s.ClientKeys
	if ks == nil {
		t.Fatal("Stores.ClientKeys is nil")
	}
	isErr(t, "SetClientJWKS of an unknown client", ks.SetClientJWKS(ctx, "nobody", []byte(`{"keys":[]}`)), signet.ErrNotFound)
	_, err := ks.ClientJWKS(ctx, "nobody")
	isErr(t, "ClientJWKS of an unknown client", err, signet.ErrNotFound)

	f.client("svc")
	f.client("other")
	_, err = ks.ClientJWKS(ctx, "svc")
	isErr(t, "ClientJWKS before any was set", err, signet.ErrNotFound)
	noErr(t, "SetClientJWKS other", ks.SetClientJWKS(ctx, "other", []byte(`{"keys":["other"]}`)))
	// Stored byte for byte: the caller parses it.
	for _, set := range []string{`{"keys":[{"kty":"EC","kid":"1"}]}`, `{ "keys" : [ {"kid":"2"} ] }`} {
		noErr(t, "SetClientJWKS", ks.SetClientJWKS(ctx, "svc", []byte(set)))
		got, err := ks.ClientJWKS(ctx, "svc")
		noErr(t, "ClientJWKS", err)
		eq(t, "ClientJWKS after SetClientJWKS", string(got), set)
	}
	got, err := ks.ClientJWKS(ctx, "other")
	noErr(t, "ClientJWKS other", err)
	eq(t, "the other client's set is its own", string(got), `{"keys":["other"]}`)

	noErr(t, "DeleteClient", f.s.Clients.DeleteClient(ctx, "svc", t0))
	_, err = ks.ClientJWKS(ctx, "svc")
	isErr(t, "ClientJWKS after the client was deleted", err, signet.ErrNotFound)
	isErr(t, "SetClientJWKS after the client was deleted", ks.SetClientJWKS(ctx, "svc", []byte(`{"keys":[]}`)), signet.ErrNotFound)
}
