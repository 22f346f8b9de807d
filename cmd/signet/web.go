package main

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/httpserver"
	"github.com/signet-auth/signet/ratelimit"
	"github.com/signet-auth/signet/web"
)

// newWeb builds the login, consent and device pages. Failures are counted
// per client address as the trusted proxies resolve it, IPv6 by /64
// (catalogue RL-04, RL-05), in the store, so the budgets hold across nodes
// and restarts (DV-07, CC-08).
func (a *app) newWeb(c *Config, svc *services, limiter *ratelimit.Limiter, log *slog.Logger) (*web.Handler, error) {
	return web.New(web.Deps{
		Backend: web.EngineBackend{Engine: svc.engine, Users: svc.stores.Users, Clients: svc.stores.Clients},
		Sealer:  svc.keys,
		Limiter: limiter.Pages(),
		Clock:   a.clock,
		Rand:    a.rand,
		Log:     log,
	}, web.Options{
		Issuer:          c.Issuer,
		SessionLifetime: svc.engine.Lifetimes().BrowserSession,
		Limits:          web.PageLimits(limiter.Policy()),
		ClientIP:        func(r *http.Request) string { return ratelimit.AddrKey(httpserver.ClientIP(r)) },
		DevAutoApprove:  c.DevAutoApprove,
		DevUser: func(ctx context.Context) (signet.User, error) {
			return svc.stores.Users.GetUserByName(ctx, devUserName)
		},
	})
}
