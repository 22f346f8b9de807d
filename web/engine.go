package web

import (
	"context"
	"time"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/authserver"
)

// EngineBackend is the Backend the server runs with: the pages' view of the
// engine (package authserver) and of the user and client stores. The pages
// define Backend in root domain types so their tests need no engine; this
// adapter is the one place both shapes meet.
type EngineBackend struct {
	Engine  *authserver.Server
	Users   signet.UserStore
	Clients signet.ClientStore
}

var _ Backend = EngineBackend{}

// Authenticate checks a login.
func (b EngineBackend) Authenticate(ctx context.Context, name, password string) (signet.User, error) {
	return b.Engine.Authenticate(ctx, name, password)
}

// User reads a user.
func (b EngineBackend) User(ctx context.Context, id string) (signet.User, error) {
	return b.Users.GetUser(ctx, id)
}

// Client reads a client.
func (b EngineBackend) Client(ctx context.Context, id string) (signet.Client, error) {
	return b.Clients.GetClient(ctx, id)
}

// MatchRedirectURI is the engine's redirect rule (exact, plus the RFC 8252
// §7.3 loopback port).
func (b EngineBackend) MatchRedirectURI(c signet.Client, uri string) bool {
	return authserver.MatchRedirectURI(c.RedirectURIs, uri)
}

// IssueCode issues an authorization code for an approved request.
func (b EngineBackend) IssueCode(ctx context.Context, r CodeRequest) (string, error) {
	return b.Engine.IssueCode(ctx, authserver.AuthorizeRequest{
		ClientID:            r.ClientID,
		UserID:              r.UserID,
		Protocol:            r.Protocol,
		RedirectURI:         r.RedirectURI,
		Scopes:              r.Scopes,
		CodeChallenge:       r.CodeChallenge,
		CodeChallengeMethod: r.CodeChallengeMethod,
		Nonce:               r.Nonce,
		DPoPJKT:             r.DPoPJKT,
		Assignment:          r.Assignment,
		AuthTime:            r.AuthTime,
		ClientIP:            r.ClientIP,
		AMR:                 r.AMR,
	})
}

// LookupUserCode finds the device authorization a typed user code names.
func (b EngineBackend) LookupUserCode(ctx context.Context, typed string) (signet.DeviceAuthorization, error) {
	v, err := b.Engine.LookupUserCode(ctx, typed)
	return v.Device, err
}

// DecideDevice approves or denies; the engine stamps the decision with its
// own clock, so authTime is not passed on.
func (b EngineBackend) DecideDevice(ctx context.Context, typed string, approve bool, userID string, _ time.Time) (signet.DeviceAuthorization, error) {
	if approve {
		return b.Engine.ApproveDevice(ctx, typed, userID)
	}
	return b.Engine.DenyDevice(ctx, typed)
}

// StartBrowserSession records a sign-in.
func (b EngineBackend) StartBrowserSession(ctx context.Context, userID string, amr []string, address, userAgent string) (string, signet.BrowserSession, error) {
	return b.Engine.StartBrowserSession(ctx, authserver.BrowserLogin{UserID: userID, AMR: amr, Address: address, UserAgent: userAgent})
}

// BrowserSession checks a browser session's token.
func (b EngineBackend) BrowserSession(ctx context.Context, token string) (signet.BrowserSession, signet.User, error) {
	return b.Engine.BrowserSession(ctx, token)
}

// EndBrowserSession signs a browser session out.
func (b EngineBackend) EndBrowserSession(ctx context.Context, token string) error {
	return b.Engine.EndBrowserSession(ctx, token)
}
