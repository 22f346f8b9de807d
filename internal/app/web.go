package app

import (
	"context"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/web"
)

// newWeb builds the login, consent and device pages. Failures are counted
// per client address as the trusted proxies resolve it, IPv6 by /64
// (catalogue RL-04, RL-05), in the store, so the budgets hold across nodes
// and restarts (DV-07, CC-08).
func (a *App) newWeb() (*web.Handler, error) {
	c, d := &a.Config, &a.deps
	var limiter web.Limiter
	var limits web.Limits
	if a.Limiter != nil {
		limiter, limits = a.Limiter.Pages(), web.PageLimits(a.Limiter.Policy())
	}
	users, devUser := a.Stores.Users, d.DevUserName
	backend := web.EngineBackend{Engine: a.Engine, Users: a.Stores.Users, Clients: a.Stores.Clients}
	var mfa web.MFABackend
	if a.Engine.MFAEnabled() {
		mfa = backend
	}
	return web.New(web.Deps{
		Backend: backend,
		MFA:     mfa,
		Sealer:  a.Keyring,
		Limiter: limiter,
		Clock:   d.Clock,
		Rand:    d.Rand,
		Log:     d.Log,
		// Upstream identity providers (federation.go).
		Federation: a.newFederation(),
		Audit:      a.Audit,
	}, web.Options{
		Issuer:          c.Issuer,
		SessionLifetime: a.Engine.Lifetimes().BrowserSession,
		Limits:          limits,
		ClientIP:        clientIP,
		LoginMode:       loginMode(c.Federation.Login),
		DevAutoApprove:  c.DevAutoApprove,
		DevUser: func(ctx context.Context) (signet.User, error) {
			return users.GetUserByName(ctx, devUser)
		},
		Admins: c.AdminUsers,
		Admin:  adminBackend{core: a.Core, clock: d.Clock},
	})
}
