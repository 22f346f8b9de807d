package app

import (
	"context"
	"errors"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/authserver"
	"github.com/signet-auth/signet/keyring"
	"github.com/signet-auth/signet/web"
)

// adminBackend is the admin console's view of the server: the engine for
// users, sessions and clients (it records its own audit events), the
// stores and the keyring for the rest, which record theirs here.
type adminBackend struct {
	core  *Core
	clock signet.Clock
}

var _ web.AdminBackend = adminBackend{}

func (b adminBackend) ListUsers(ctx context.Context) ([]signet.User, error) {
	return b.core.Stores.Users.ListUsers(ctx)
}

func (b adminBackend) CreateUser(ctx context.Context, name, displayName, password string) (signet.User, error) {
	return b.core.Engine.CreateUser(ctx, name, displayName, password)
}

func (b adminBackend) SetDisabled(ctx context.Context, userID string, disabled bool) error {
	if err := b.core.Engine.SetDisabled(ctx, userID, disabled); err != nil || !disabled {
		return err
	}
	// Disabling ends what the user holds now, as `admin user disable` does.
	_, _, err := b.core.Engine.RevokeUserSessions(ctx, userID, "user disabled")
	return err
}

func (b adminBackend) SetPassword(ctx context.Context, userID, password string) error {
	return b.core.Engine.SetPassword(ctx, userID, password)
}

func (b adminBackend) SetAssignments(ctx context.Context, userID string, as []signet.Assignment) error {
	return b.core.Engine.SetAssignments(ctx, userID, as)
}

func (b adminBackend) ListSessions(ctx context.Context, f signet.SessionFilter) ([]signet.Session, error) {
	return b.core.Engine.ListSessions(ctx, f)
}

func (b adminBackend) ListBrowserSessions(ctx context.Context, f signet.SessionFilter) ([]signet.BrowserSession, error) {
	return b.core.Engine.ListBrowserSessions(ctx, f)
}

func (b adminBackend) RevokeSession(ctx context.Context, id string) error {
	return b.core.Engine.RevokeSession(ctx, id)
}

func (b adminBackend) ListClients(ctx context.Context) ([]signet.Client, error) {
	return b.core.Stores.Clients.ListClients(ctx)
}

func (b adminBackend) CreateClient(ctx context.Context, c web.NewClient) (string, string, error) {
	typ := signet.ClientPublic
	if c.Confidential {
		typ = signet.ClientConfidential
	}
	ic, err := b.core.Engine.CreateClient(ctx, authserver.ClientSpec{Name: c.Name, Type: typ,
		GrantTypes: c.GrantTypes, RedirectURIs: c.RedirectURIs, Scopes: c.Scopes})
	return ic.Client.ID, ic.Secret, err
}

func (b adminBackend) DeleteClient(ctx context.Context, id string) error {
	err := b.core.Stores.Clients.DeleteClient(ctx, id, b.clock.Now())
	if errors.Is(err, signet.ErrNotFound) {
		return &signet.Error{Code: signet.CodeNotFound, Message: "No such client.", Err: err}
	}
	if err != nil {
		return err
	}
	return b.core.Audit.Record(ctx, signet.AuditRecord{Event: signet.AuditAdminChange, ClientID: id, Surface: "admin",
		Detail: "client deleted"})
}

func (b adminBackend) ListKeys(context.Context) ([]web.KeyInfo, error) {
	var out []web.KeyInfo
	for _, k := range b.core.Keyring.List() {
		out = append(out, keyInfo(k))
	}
	return out, nil
}

func (b adminBackend) RotateSigningKey(ctx context.Context) (web.KeyInfo, error) {
	k, err := b.core.Keyring.RotateSigningKey(ctx)
	if err != nil {
		return web.KeyInfo{}, err
	}
	return keyInfo(k), b.core.Audit.Record(ctx, signet.AuditRecord{Event: signet.AuditKeyRotated, Surface: "admin",
		Detail: "signing key=" + k.ID})
}

func keyInfo(k keyring.KeyInfo) web.KeyInfo {
	return web.KeyInfo{ID: k.ID, Purpose: string(k.Purpose), Algorithm: k.Algorithm, CreatedAt: k.CreatedAt,
		ActiveAt: k.ActiveAt, Retired: k.RetiredAt, Current: k.Current}
}

func (b adminBackend) ListAccessKeys(ctx context.Context) ([]signet.AccessKey, error) {
	return b.core.Authority.ListAccessKeys(ctx, "")
}

func (b adminBackend) ScanAudit(ctx context.Context, f signet.AuditFilter, fn func(signet.AuditRecord) error) error {
	return b.core.Stores.Audit.ScanAudit(ctx, f, fn)
}
