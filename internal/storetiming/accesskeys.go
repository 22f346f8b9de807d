package storetiming

import (
	"context"

	"github.com/signet-auth/signet"
)

type accessKeys struct {
	s signet.AccessKeyStore
	o Observer
}

func (w accessKeys) CreateAccessKey(ctx context.Context, k signet.AccessKey) error {
	return timedErr(ctx, w.o, "create_access_key", func() error { return w.s.CreateAccessKey(ctx, k) })
}
func (w accessKeys) GetAccessKey(ctx context.Context, id string) (signet.AccessKey, error) {
	return timed(ctx, w.o, "get_access_key", func() (signet.AccessKey, error) { return w.s.GetAccessKey(ctx, id) })
}
func (w accessKeys) ListAccessKeys(ctx context.Context, principalARN string) ([]signet.AccessKey, error) {
	return timed(ctx, w.o, "list_access_keys", func() ([]signet.AccessKey, error) { return w.s.ListAccessKeys(ctx, principalARN) })
}
func (w accessKeys) DeleteAccessKey(ctx context.Context, id string) error {
	return timedErr(ctx, w.o, "delete_access_key", func() error { return w.s.DeleteAccessKey(ctx, id) })
}

type clientKeys struct {
	s signet.ClientKeyStore
	o Observer
}

func (w clientKeys) SetClientJWKS(ctx context.Context, clientID string, jwks []byte) error {
	return timedErr(ctx, w.o, "set_client_jwks", func() error { return w.s.SetClientJWKS(ctx, clientID, jwks) })
}
func (w clientKeys) ClientJWKS(ctx context.Context, clientID string) ([]byte, error) {
	return timed(ctx, w.o, "client_jwks", func() ([]byte, error) { return w.s.ClientJWKS(ctx, clientID) })
}

var (
	_ signet.AccessKeyStore = accessKeys{}
	_ signet.ClientKeyStore = clientKeys{}
)
