package main

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/authserver"
	"github.com/signet-auth/signet/httpserver"
	"github.com/signet-auth/signet/ratelimit"
	"github.com/signet-auth/signet/web"
)

// webBackend is the pages' view of the engine (web.Backend), defined by the
// pages in root domain types and adapted here, where both are known.
type webBackend struct {
	engine *authserver.Server
	stores signet.Stores
}

var _ web.Backend = webBackend{}

func (b webBackend) Authenticate(ctx context.Context, name, password string) (signet.User, error) {
	return b.engine.Authenticate(ctx, name, password)
}

func (b webBackend) User(ctx context.Context, id string) (signet.User, error) {
	return b.stores.Users.GetUser(ctx, id)
}

func (b webBackend) Client(ctx context.Context, id string) (signet.Client, error) {
	return b.stores.Clients.GetClient(ctx, id)
}

func (b webBackend) MatchRedirectURI(c signet.Client, uri string) bool {
	return authserver.MatchRedirectURI(c.RedirectURIs, uri)
}

func (b webBackend) IssueCode(ctx context.Context, r web.CodeRequest) (string, error) {
	return b.engine.IssueCode(ctx, authserver.AuthorizeRequest{
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
	})
}

func (b webBackend) LookupUserCode(ctx context.Context, typed string) (signet.DeviceAuthorization, error) {
	v, err := b.engine.LookupUserCode(ctx, typed)
	return v.Device, err
}

// DecideDevice approves or denies; the engine stamps the decision with its
// own clock, so authTime is not passed on.
func (b webBackend) DecideDevice(ctx context.Context, typed string, approve bool, userID string, _ time.Time) (signet.DeviceAuthorization, error) {
	if approve {
		return b.engine.ApproveDevice(ctx, typed, userID)
	}
	return b.engine.DenyDevice(ctx, typed)
}

// newWeb builds the login, consent and device pages. Failures are counted
// per client address as the trusted proxies resolve it, IPv6 by /64
// (catalogue RL-04, RL-05), in the store, so the budgets hold across nodes
// and restarts (DV-07, CC-08).
func (a *app) newWeb(c *Config, svc *services, limiter *ratelimit.Limiter, log *slog.Logger) (*web.Handler, error) {
	return web.New(web.Deps{
		Backend: webBackend{engine: svc.engine, stores: svc.stores},
		Sealer:  svc.keys,
		Limiter: limiter.Pages(),
		Clock:   a.clock,
		Rand:    a.rand,
		Log:     log,
	}, web.Options{
		Issuer:         c.Issuer,
		Limits:         limiter.Policy().PageLimits(),
		ClientIP:       func(r *http.Request) string { return httpserver.RateKey(httpserver.ClientIP(r)) },
		DevAutoApprove: c.DevAutoApprove,
		DevUser: func(ctx context.Context) (signet.User, error) {
			return svc.stores.Users.GetUserByName(ctx, devUserName)
		},
	})
}
