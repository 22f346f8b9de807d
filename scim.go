package signet

import (
	"context"
	"errors"
	"time"
)

// SCIM 2.0 provisioning (RFC 7643, RFC 7644): an identity provider (Okta,
// Entra ID…) creates, updates, deactivates and deletes people and groups
// here ahead of their logins.
//
// A SCIM user is a signet User plus the SCIM attributes signet keeps
// (SCIMUser). A SCIM group does not get a membership table of its own: its
// members are rows of the federation store's user groups under the source
// SCIMGroupSource(tenant), so the group rules (GroupRule) give a SCIM group's
// members their assignments exactly as they give an upstream login's groups,
// and removing someone from the group removes the access at the next
// refresh or call (catalogue FD-05).

// SCIMToken is a bearer token a provisioning client presents. Only its
// Digest is stored; the token is shown once, when it is created.
type SCIMToken struct {
	ID     string
	Name   string // the administrator's label
	Digest Digest
	// Tenant is the identity provider whose people the token provisions:
	// the resources one token creates are invisible to a token of another
	// tenant (catalogue FD-06), and a user's externalId is that provider's
	// subject (FederatedIdentity), so the person's first upstream login
	// finds the provisioned user. Empty: users that no provider links to.
	Tenant    string
	CreatedAt time.Time
	RevokedAt time.Time // zero: live
}

// SCIMUser is a provisioned person: the SCIM attributes kept beside User.
// Active is !User.Disabled; userName is User.Name.
type SCIMUser struct {
	ID         string // the SCIM id: opaque, stable, never the user's name
	Tenant     string
	ExternalID string // the provider's id; unique per tenant when set
	Email      string
	GivenName  string
	FamilyName string
	User       User
	// Version counts the writes; ReplaceSCIMUser writes only over the
	// version it was read at.
	Version   int64
	CreatedAt time.Time
	UpdatedAt time.Time
}

// SCIMGroup is a provisioned group. Members are SCIM user ids of the same
// tenant.
type SCIMGroup struct {
	ID          string
	Tenant      string
	DisplayName string // unique per tenant; the group name the rules match
	ExternalID  string
	Members     []string // ordered, without duplicates
	// Version counts the writes; ReplaceSCIMGroup writes only over the
	// version it was read at.
	Version   int64
	CreatedAt time.Time
	UpdatedAt time.Time
}

// ErrSCIMStale: a SCIM resource was written since the caller read it; the
// write based on the older read is refused, so that of two concurrent
// PATCHes (a deactivation and a profile update, a member's removal and
// another's addition) neither undoes the other.
var ErrSCIMStale = errors.New("signet: SCIM resource changed since it was read")

// SCIMGroupSource is the source under which a tenant's SCIM groups are kept
// among the user groups. It contains a character no provider name has
// (lower-case letters, digits and '-'), so no login replaces it.
func SCIMGroupSource(tenant string) string { return "scim:" + tenant }

// SCIMStore keeps SCIM tokens, users and groups. Every resource is read and
// written within a tenant: another tenant's id is ErrNotFound.
type SCIMStore interface {
	// CreateSCIMToken stores t; ErrConflict if its id or digest is taken.
	CreateSCIMToken(ctx context.Context, t SCIMToken) error
	// SCIMTokenByDigest returns the live token with digest d; ErrNotFound
	// if there is none or it is revoked.
	SCIMTokenByDigest(ctx context.Context, d Digest) (SCIMToken, error)
	// ListSCIMTokens returns every token, revoked ones too, by creation.
	ListSCIMTokens(ctx context.Context) ([]SCIMToken, error)
	// RevokeSCIMToken revokes a live token; ErrNotFound if there is none.
	RevokeSCIMToken(ctx context.Context, id string, now time.Time) error

	// CreateSCIMUser stores u and its User in one transaction, and, when
	// u.Tenant and u.ExternalID are set, the federated identity
	// (Tenant, ExternalID) of that user. ErrConflict if the user name, an
	// id or the (tenant, externalId) is taken.
	CreateSCIMUser(ctx context.Context, u SCIMUser) error
	// GetSCIMUser returns ErrNotFound for no such user in the tenant.
	GetSCIMUser(ctx context.Context, tenant, id string) (SCIMUser, error)
	// ListSCIMUsers returns the tenant's users ordered by creation, then id.
	ListSCIMUsers(ctx context.Context, tenant string) ([]SCIMUser, error)
	// ReplaceSCIMUser writes u's SCIM attributes and its User's name,
	// display name and Disabled in one transaction, moving the federated
	// identity when the externalId changes, and sets Version to
	// u.Version+1. ErrNotFound if u is not in its tenant; ErrSCIMStale if
	// the stored version is not u.Version (another write came between the
	// caller's read and this one: nothing is written); ErrConflict as at
	// CreateSCIMUser.
	ReplaceSCIMUser(ctx context.Context, u SCIMUser) error
	// DeleteSCIMUser removes the SCIM user, its group memberships and its
	// federated identity of the tenant, and disables its User (which is
	// kept, with its sessions' history), in one transaction. ErrNotFound
	// if it is not in the tenant.
	DeleteSCIMUser(ctx context.Context, tenant, id string, now time.Time) error

	// CreateSCIMGroup stores g and its members in one transaction;
	// ErrConflict if the id or (tenant, displayName) is taken, ErrNotFound
	// if a member is not a user of the tenant (nothing is written).
	CreateSCIMGroup(ctx context.Context, g SCIMGroup) error
	// GetSCIMGroup returns ErrNotFound for no such group in the tenant.
	GetSCIMGroup(ctx context.Context, tenant, id string) (SCIMGroup, error)
	// ListSCIMGroups returns the tenant's groups ordered by creation, then
	// id, with their members.
	ListSCIMGroups(ctx context.Context, tenant string) ([]SCIMGroup, error)
	// ReplaceSCIMGroup writes g and replaces its members in one
	// transaction, all or nothing, and sets Version to g.Version+1.
	// Errors as at CreateSCIMGroup, ErrNotFound if g is not in its
	// tenant, and ErrSCIMStale as at ReplaceSCIMUser.
	ReplaceSCIMGroup(ctx context.Context, g SCIMGroup) error
	// DeleteSCIMGroup removes the group and its memberships; ErrNotFound
	// if it is not in the tenant.
	DeleteSCIMGroup(ctx context.Context, tenant, id string) error
}
