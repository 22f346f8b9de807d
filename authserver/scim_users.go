package authserver

import (
	"context"
	"errors"

	"github.com/signet-auth/signet"
)

// SCIM users. The caller gives userName as User.Name, displayName as
// User.DisplayName and !active as User.Disabled; ids, tenant and times are
// the engine's.

// checkSCIMUser refuses what a user may not hold.
func checkSCIMUser(u signet.SCIMUser) error {
	switch {
	case !validUserName(u.User.Name):
		return invalidRequest("userName must be 2 to 64 characters of letters, digits and +=,.@_-.")
	case !printable(u.User.DisplayName, MaxDisplayNameLen):
		return invalidRequest("displayName is too long or contains control characters.")
	case !printable(u.ExternalID, maxSubject):
		return invalidRequest("externalId is too long or contains control characters.")
	case !printable(u.Email, 320), !printable(u.GivenName, 256), !printable(u.FamilyName, 256):
		return invalidRequest("An e-mail address or name is too long or contains control characters.")
	}
	return nil
}

// CreateUser provisions a user in tenant. A user created inactive cannot
// sign in until activated.
func (p *SCIM) CreateUser(ctx context.Context, tenant string, in signet.SCIMUser) (signet.SCIMUser, error) {
	if err := checkSCIMUser(in); err != nil {
		return signet.SCIMUser{}, err
	}
	id, err := p.s.minter.ID()
	if err != nil {
		return signet.SCIMUser{}, signet.Internal(err)
	}
	uid, err := p.s.minter.ID()
	if err != nil {
		return signet.SCIMUser{}, signet.Internal(err)
	}
	now := p.s.clock.Now()
	u := in
	u.ID, u.Tenant, u.CreatedAt, u.UpdatedAt = id, tenant, now, now
	// No password: a provisioned user signs in through the provider.
	u.User = signet.User{ID: uid, Name: in.User.Name, DisplayName: in.User.DisplayName, Disabled: in.User.Disabled,
		CredentialsChangedAt: now, CreatedAt: now, UpdatedAt: now}
	if err := p.store.CreateSCIMUser(ctx, u); err != nil {
		return signet.SCIMUser{}, scimStoreErr(err, "A user")
	}
	if err := p.auditSCIM(ctx, tenant, signet.AuditUserProvisioned, u.User.ID, scimUserDetail("scim user created", u)); err != nil {
		return signet.SCIMUser{}, err
	}
	return u, nil
}

// GetUser returns the tenant's user; CodeNotFound for another tenant's.
func (p *SCIM) GetUser(ctx context.Context, tenant, id string) (signet.SCIMUser, error) {
	u, err := p.store.GetSCIMUser(ctx, tenant, id)
	return u, scimStoreErr(err, "The user")
}

// ListUsers returns the tenant's users.
func (p *SCIM) ListUsers(ctx context.Context, tenant string) ([]signet.SCIMUser, error) {
	us, err := p.store.ListSCIMUsers(ctx, tenant)
	if err != nil {
		return nil, signet.Internal(err)
	}
	return us, nil
}

// scimAttempts bounds the retries of an update that met a concurrent
// write (signet.ErrSCIMStale).
const scimAttempts = 32

// scimBusy is the answer when concurrent writes kept winning.
func scimBusy(err error) *signet.Error {
	return &signet.Error{Code: signet.CodeUnavailable, Message: "The resource is being changed by other requests; try again.", Err: err}
}

// UpdateUser replaces the user's attributes with what change makes of the
// user as stored (a PUT ignores it; a PATCH applies its operations to
// it). Should another write come between the read and the write, the
// read, change and write are done again, so that no concurrent request's
// change is lost. Making the user inactive ends every token session and
// browser session of the user at once (catalogue FD-05), and its
// refreshes fail from then on (ReasonUserDisabled).
func (p *SCIM) UpdateUser(ctx context.Context, tenant, id string, change func(signet.SCIMUser) (signet.SCIMUser, error)) (signet.SCIMUser, error) {
	var err error
	for range scimAttempts {
		var old, in signet.SCIMUser
		if old, err = p.GetUser(ctx, tenant, id); err != nil {
			return signet.SCIMUser{}, err
		}
		if in, err = change(old); err != nil {
			return signet.SCIMUser{}, err
		}
		if err := checkSCIMUser(in); err != nil {
			return signet.SCIMUser{}, err
		}
		now := p.s.clock.Now()
		u := old
		u.ExternalID, u.Email, u.GivenName, u.FamilyName, u.UpdatedAt = in.ExternalID, in.Email, in.GivenName, in.FamilyName, now
		u.User.Name, u.User.DisplayName, u.User.Disabled, u.User.UpdatedAt = in.User.Name, in.User.DisplayName, in.User.Disabled, now
		err = p.store.ReplaceSCIMUser(ctx, u)
		if errors.Is(err, signet.ErrSCIMStale) {
			continue
		}
		if err != nil {
			return signet.SCIMUser{}, scimStoreErr(err, "A user")
		}
		if u.User.Disabled {
			if err := p.endSessions(ctx, u.User.ID, "deactivated by SCIM"); err != nil {
				return signet.SCIMUser{}, err
			}
		}
		if err := p.auditSCIM(ctx, tenant, signet.AuditAdminChange, u.User.ID, scimUserDetail("scim user updated", u)); err != nil {
			return signet.SCIMUser{}, err
		}
		u.Version++
		return u, nil
	}
	return signet.SCIMUser{}, scimBusy(err)
}

// DeleteUser deprovisions the user: its SCIM resource, group memberships
// and provider link go, its signet user is disabled (and kept, for the
// record), and every session of it ends at once (catalogue FD-05).
func (p *SCIM) DeleteUser(ctx context.Context, tenant, id string) error {
	old, err := p.GetUser(ctx, tenant, id)
	if err != nil {
		return err
	}
	if err := p.store.DeleteSCIMUser(ctx, tenant, id, p.s.clock.Now()); err != nil {
		return scimStoreErr(err, "The user")
	}
	if err := p.endSessions(ctx, old.User.ID, "deleted by SCIM"); err != nil {
		return err
	}
	old.User.Disabled = true
	return p.auditSCIM(ctx, tenant, signet.AuditAdminChange, old.User.ID, scimUserDetail("scim user deleted", old))
}
