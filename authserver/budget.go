package authserver

import (
	"context"
	"time"

	"github.com/signet-auth/signet"
)

// pendingBudget is the client-auth failure budget (catalogue CL-04) of a
// refresh whose client secret the node's cache verified: instead of a read
// of its own before the credential, the rotation reads the budget's window
// with its snapshot (signet.Rotation.Budget), one statement fewer per
// refresh (docs/performance.md). The answers stay those of the budget
// asked first: a spent budget refuses with too_many_requests before
// anything changes, and an answer of any other error that comes before the
// rotation consulted the budget consults it then (settle). Only the cache's
// verification is deferred: a credential the cache cannot confirm is
// checked against the store after the budget (authenticateSecret), as for
// every other grant, and the rotation then carries none.
type pendingBudget struct {
	budget    *signet.Budget
	auth      ClientAuth
	consulted bool
}

// deferBudget returns the pending budget of a refresh with a client secret
// read through cache; nil when the budget must be asked first (every other
// grant: only a rotation carries a budget).
func (s *Server) deferBudget(ctx context.Context, a ClientAuth, grantType string, cache *clientCache) *pendingBudget {
	c, ok := a.Credential.(ClientSecret)
	if !ok || cache == nil || s.limiter == nil || grantType != signet.GrantRefreshToken {
		return nil
	}
	b := s.limiter.ClientAuthBudget(ctx, c.ID, a.Origin)
	if b == nil {
		return nil
	}
	return &pendingBudget{budget: b, auth: a}
}

// rotation is the budget for the rotation to consult; nil when there is
// none or it was consulted already (the cache could not confirm the secret).
func (p *pendingBudget) rotation() *signet.Budget {
	if p == nil || p.consulted {
		return nil
	}
	return &signet.Budget{Key: p.budget.Key, Admit: func(n int64, reset time.Time, err error) error {
		p.consulted = true
		return p.budget.Admit(n, reset, err)
	}}
}

// consult asks the pending budget now, unless it was consulted already.
func (s *Server) consult(ctx context.Context, p *pendingBudget) error {
	if p == nil || p.consulted {
		return nil
	}
	p.consulted = true
	return s.admitClientAuth(ctx, p.auth)
}

// settle returns err, unless it is an answer that came before the pending
// budget was consulted and the budget, asked now, refuses.
func (s *Server) settle(ctx context.Context, p *pendingBudget, err error) error {
	if err == nil {
		return nil
	}
	if aerr := s.consult(ctx, p); aerr != nil {
		return aerr
	}
	return err
}
