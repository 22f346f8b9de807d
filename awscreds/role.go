package awscreds

import (
	"context"
	"time"

	"github.com/signet-auth/signet"
)

// RoleRequest asks for credentials of a user acting in an assignment's
// role. The surfaces (the SSO portal, Sign-In) build it; a credential
// source answers it, locally (Authority) or from a real IAM role (package
// iamrole), and the surfaces do not know which.
type RoleRequest struct {
	Assignment signet.Assignment
	UserID     string // stable: a web identity token's sub
	UserName   string
	SessionID  string // the signet session the credentials belong to
	// Expiry is the latest the credentials should expire. A source may
	// answer an earlier expiry, or a later one where its upstream has a
	// floor (STS hands out nothing shorter than 15 minutes); the caller
	// reports what it gets.
	Expiry time.Time
	// Seed, when set, makes local credentials deterministic (MintFromSeed):
	// a retried Sign-In refresh hands back what the first attempt did.
	Seed string
}

// RoleCredentials implements the surfaces' credential source with local
// credentials: the assumed-role principal of the request, minted fresh or
// from the request's seed.
func (a *Authority) RoleCredentials(_ context.Context, r RoleRequest) (Credentials, error) {
	p, err := AssumedRole(r.Assignment, r.UserName, r.SessionID)
	if err != nil {
		return Credentials{}, signet.Internal(err)
	}
	var c Credentials
	if r.Seed != "" {
		c, err = a.MintFromSeed(r.Seed, p, r.Expiry)
	} else {
		c, err = a.Mint(p, r.Expiry)
	}
	if err != nil {
		return Credentials{}, signet.Internal(err)
	}
	return c, nil
}
