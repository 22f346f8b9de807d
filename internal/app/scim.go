package app

import (
	"github.com/signet-auth/signet/api/scim"
	"github.com/signet-auth/signet/authserver"
	"github.com/signet-auth/signet/httpserver"
)

// newSCIM builds the SCIM 2.0 server with the configured bounds.
func (a *App) newSCIM() {
	c := a.Config.SCIM
	a.SCIM = &scim.Handler{
		Engine: a.Engine.SCIM(a.Stores.SCIM, authserver.SCIMLimits{MaxBodyBytes: c.MaxBodyBytes,
			MaxOperations: c.MaxOperations, MaxMembers: c.MaxMembers}),
		Issuer: a.Config.Issuer,
		Log:    a.deps.Log,
	}
}

// scimBodyLimit lets SCIM bodies (member lists) reach the SCIM server's
// own bound instead of the server-wide cap.
func (a *App) scimBodyLimit() []httpserver.BodyLimit {
	return []httpserver.BodyLimit{{Prefix: scim.Prefix + "/", Max: a.Config.SCIM.MaxBodyBytes}}
}
