package signintest

import (
	"context"
	"time"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/authserver"
	"github.com/signet-auth/signet/web"
)

// backend adapts the engine to the pages' web.Backend, as the server's
// wiring does.
type backend struct {
	engine *authserver.Server
	stores signet.Stores
}

func (b backend) Authenticate(ctx context.Context, name, password string) (signet.User, error) {
	return b.engine.Authenticate(ctx, name, password)
}

func (b backend) User(ctx context.Context, id string) (signet.User, error) {
	return b.stores.Users.GetUser(ctx, id)
}

func (b backend) Client(ctx context.Context, id string) (signet.Client, error) {
	return b.stores.Clients.GetClient(ctx, id)
}

func (b backend) MatchRedirectURI(c signet.Client, uri string) bool {
	return authserver.MatchRedirectURI(c.RedirectURIs, uri)
}

func (b backend) IssueCode(ctx context.Context, r web.CodeRequest) (string, error) {
	return b.engine.IssueCode(ctx, authserver.AuthorizeRequest{
		ClientID: r.ClientID, UserID: r.UserID, Protocol: r.Protocol, RedirectURI: r.RedirectURI,
		Scopes: r.Scopes, CodeChallenge: r.CodeChallenge, CodeChallengeMethod: r.CodeChallengeMethod,
		Nonce: r.Nonce, DPoPJKT: r.DPoPJKT, Assignment: r.Assignment, AuthTime: r.AuthTime,
	})
}

func (b backend) LookupUserCode(ctx context.Context, typed string) (signet.DeviceAuthorization, error) {
	v, err := b.engine.LookupUserCode(ctx, typed)
	return v.Device, err
}

func (b backend) DecideDevice(ctx context.Context, typed string, approve bool, userID string, _ time.Time) (signet.DeviceAuthorization, error) {
	if approve {
		return b.engine.ApproveDevice(ctx, typed, userID)
	}
	return b.engine.DenyDevice(ctx, typed)
}
