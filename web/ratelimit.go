package web

import "github.com/signet-auth/signet/ratelimit"

// The store-backed failure counter of package ratelimit is a Limiter.
var _ Limiter = ratelimit.Pages{}

// PageLimits returns the login and device pages' failure budgets of p, for
// Options.Limits (counted by ratelimit.Limiter.Pages).
func PageLimits(p ratelimit.Policy) Limits {
	w := func(l ratelimit.Limit) Limit { return Limit{Max: l.N, Window: l.Per} }
	return Limits{
		LoginAccount:  w(p.LoginAccount),
		LoginIP:       w(p.LoginIP),
		DeviceIP:      w(p.UserCodeIP),
		DeviceSession: w(p.UserCodeSession),
		DeviceGlobal:  w(p.UserCodeGlobal),
	}
}
