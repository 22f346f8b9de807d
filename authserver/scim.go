package authserver

import (
	"context"
	"errors"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/secret"
)

// SCIM provisioning policy (RFC 7644): who may provision (a live token,
// scoped to its tenant), what a user and a group may hold, how much one
// request may ask (catalogue FD-06), and what deprovisioning does: a user
// made inactive or deleted loses every token session and browser session
// at once (FD-05). Package api/scim only translates the wire.

// SCIMLimits bound the work of one SCIM request (catalogue FD-06).
type SCIMLimits struct {
	MaxBodyBytes  int64 // request body
	MaxOperations int   // operations in one PATCH
	MaxMembers    int   // members one request names (POST, PUT or a PATCH in all)
}

// DefaultSCIMLimits: 1 MiB, 100 operations, 1000 members.
var DefaultSCIMLimits = SCIMLimits{MaxBodyBytes: 1 << 20, MaxOperations: 100, MaxMembers: 1000}

// ErrSCIMTooMany marks a request over a SCIMLimits bound; the wire answers
// scimType tooMany.
var ErrSCIMTooMany = errors.New("authserver: SCIM request over its bounds")

// SCIM is the provisioning engine. Build it with Server.SCIM.
type SCIM struct {
	s      *Server
	store  signet.SCIMStore
	limits SCIMLimits
}

// SCIM returns the provisioning engine over store; zero limits take
// DefaultSCIMLimits'.
func (s *Server) SCIM(store signet.SCIMStore, l SCIMLimits) *SCIM {
	if l.MaxBodyBytes <= 0 {
		l.MaxBodyBytes = DefaultSCIMLimits.MaxBodyBytes
	}
	if l.MaxOperations <= 0 {
		l.MaxOperations = DefaultSCIMLimits.MaxOperations
	}
	if l.MaxMembers <= 0 {
		l.MaxMembers = DefaultSCIMLimits.MaxMembers
	}
	return &SCIM{s: s, store: store, limits: l}
}

// Limits returns the bounds in force.
func (p *SCIM) Limits() SCIMLimits { return p.limits }

// TooMany is the refusal of a request over a bound.
func TooMany(msg string) *signet.Error {
	return &signet.Error{Code: signet.CodeInvalidRequest, Message: msg, Err: ErrSCIMTooMany}
}

// scimUnauthorized is the one answer to a missing, malformed, unknown or
// revoked token.
func scimUnauthorized(cause error) *signet.Error {
	return &signet.Error{Code: signet.CodeInvalidClient, Message: "Authorization failure: a valid bearer token is required.", Err: cause}
}

// CreateToken mints a provisioning token for tenant (an identity
// provider's name, or "" for users no provider links to). The token is
// returned once; only its digest is stored.
func (p *SCIM) CreateToken(ctx context.Context, name, tenant string) (string, signet.SCIMToken, error) {
	if !printable(name, 256) {
		return "", signet.SCIMToken{}, invalidRequest("The token name is too long or contains control characters.")
	}
	if tenant != "" && p.s.federation != nil {
		if _, err := p.s.federation.GetIdP(ctx, tenant); err != nil {
			return "", signet.SCIMToken{}, invalidRequest("No identity provider has that name.")
		}
	}
	id, err := p.s.minter.ID()
	if err != nil {
		return "", signet.SCIMToken{}, signet.Internal(err)
	}
	tok, d, err := p.s.minter.New(secret.PrefixSCIMToken)
	if err != nil {
		return "", signet.SCIMToken{}, signet.Internal(err)
	}
	t := signet.SCIMToken{ID: id, Name: name, Digest: d, Tenant: tenant, CreatedAt: p.s.clock.Now()}
	if err := p.store.CreateSCIMToken(ctx, t); err != nil {
		return "", signet.SCIMToken{}, signet.Internal(err)
	}
	return tok, t, nil
}

// Authenticate returns the live token a bearer value names.
func (p *SCIM) Authenticate(ctx context.Context, bearer string) (signet.SCIMToken, error) {
	if !secret.WellFormed(bearer, secret.PrefixSCIMToken) {
		return signet.SCIMToken{}, scimUnauthorized(errors.New("malformed SCIM token"))
	}
	t, err := p.store.SCIMTokenByDigest(ctx, p.s.hasher.Digest(bearer))
	switch {
	case errors.Is(err, signet.ErrNotFound):
		return signet.SCIMToken{}, scimUnauthorized(err)
	case err != nil:
		return signet.SCIMToken{}, signet.Internal(err)
	}
	return t, nil
}

// scimStoreErr maps a store error of a write.
func scimStoreErr(err error, what string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, signet.ErrNotFound):
		return &signet.Error{Code: signet.CodeNotFound, Message: what + " not found.", Err: err}
	case errors.Is(err, signet.ErrConflict):
		return &signet.Error{Code: signet.CodeConflict, Message: what + " with that name or externalId exists.", Err: err}
	}
	return signet.Internal(err)
}

// endSessions ends every token session and browser session of the user
// (catalogue FD-05).
func (p *SCIM) endSessions(ctx context.Context, userID, reason string) error {
	_, _, err := p.s.RevokeUserSessions(ctx, userID, reason)
	return err
}
