package testenv

import (
	"context"
	"time"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/authserver"
	"github.com/signet-auth/signet/web"
)

// Backend adapts the engine to the pages' web.Backend, the way the
// production wiring (cmd/signet) does.
type Backend struct {
	Engine  *authserver.Server
	Users   signet.UserStore
	Clients signet.ClientStore
}

var _ web.Backend = Backend{}

// Authenticate checks a login.
func (b Backend) Authenticate(ctx context.Context, name, password string) (signet.User, error) {
	return b.Engine.Authenticate(ctx, name, password)
}

// User reads a user.
func (b Backend) User(ctx context.Context, id string) (signet.User, error) {
	return b.Users.GetUser(ctx, id)
}

// Client reads a client.
func (b Backend) Client(ctx context.Context, id string) (signet.Client, error) {
	return b.Clients.GetClient(ctx, id)
}

// MatchRedirectURI is the engine's redirect rule.
func (b Backend) MatchRedirectURI(c signet.Client, uri string) bool {
	return authserver.MatchRedirectURI(c.RedirectURIs, uri)
}

// IssueCode has the engine store a code.
func (b Backend) IssueCode(ctx context.Context, r web.CodeRequest) (string, error) {
	return b.Engine.IssueCode(ctx, authserver.AuthorizeRequest{
		ClientID: r.ClientID, UserID: r.UserID, Protocol: r.Protocol, RedirectURI: r.RedirectURI,
		Scopes: r.Scopes, CodeChallenge: r.CodeChallenge, CodeChallengeMethod: r.CodeChallengeMethod,
		Nonce: r.Nonce, DPoPJKT: r.DPoPJKT, Assignment: r.Assignment, AuthTime: r.AuthTime,
	})
}

// LookupUserCode finds a device authorization by user code.
func (b Backend) LookupUserCode(ctx context.Context, typed string) (signet.DeviceAuthorization, error) {
	v, err := b.Engine.LookupUserCode(ctx, typed)
	return v.Device, err
}

// DecideDevice approves or denies.
func (b Backend) DecideDevice(ctx context.Context, typed string, approve bool, userID string, _ time.Time) (signet.DeviceAuthorization, error) {
	if approve {
		return b.Engine.ApproveDevice(ctx, typed, userID)
	}
	return b.Engine.DenyDevice(ctx, typed)
}
