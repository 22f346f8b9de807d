package authserver

import (
	"context"
	"errors"
	"slices"

	"github.com/signet-auth/signet"
)

// SCIM groups. A group's displayName is the group name the group rules
// match, so renaming it moves its members to the rules of the new name.

// checkSCIMGroup refuses what a group may not hold and bounds its members.
func (p *SCIM) checkSCIMGroup(g signet.SCIMGroup, named int) error {
	switch {
	case g.DisplayName == "" || !printable(g.DisplayName, 256):
		return invalidRequest("displayName must be 1 to 256 characters without control characters.")
	case !printable(g.ExternalID, maxSubject):
		return invalidRequest("externalId is too long or contains control characters.")
	case named > p.limits.MaxMembers:
		return TooMany("The request names more members than the server accepts at once.")
	}
	for _, m := range g.Members {
		if m == "" || !printable(m, 64) {
			return invalidRequest("A member value is not a user id.")
		}
	}
	return nil
}

// memberErr maps a store error of a group write: an unknown member is the
// request's fault (invalidValue), not a missing group.
func memberErr(err error, groupFound bool) error {
	if errors.Is(err, signet.ErrNotFound) && groupFound {
		return &signet.Error{Code: signet.CodeInvalidRequest, Message: "A member is not a user of this provider.", Err: err}
	}
	return scimStoreErr(err, "A group")
}

// CreateGroup provisions a group with its members, all or nothing.
func (p *SCIM) CreateGroup(ctx context.Context, tenant string, in signet.SCIMGroup) (signet.SCIMGroup, error) {
	if err := p.checkSCIMGroup(in, len(in.Members)); err != nil {
		return signet.SCIMGroup{}, err
	}
	id, err := p.s.minter.ID()
	if err != nil {
		return signet.SCIMGroup{}, signet.Internal(err)
	}
	now := p.s.clock.Now()
	g := signet.SCIMGroup{ID: id, Tenant: tenant, DisplayName: in.DisplayName, ExternalID: in.ExternalID,
		Members: sortedSet(in.Members), CreatedAt: now, UpdatedAt: now}
	if err := p.store.CreateSCIMGroup(ctx, g); err != nil {
		return signet.SCIMGroup{}, memberErr(err, true)
	}
	if err := p.auditSCIM(ctx, tenant, signet.AuditAdminChange, "", scimGroupDetail("scim group created", g)); err != nil {
		return signet.SCIMGroup{}, err
	}
	return g, nil
}

// GetGroup returns the tenant's group; CodeNotFound for another tenant's.
func (p *SCIM) GetGroup(ctx context.Context, tenant, id string) (signet.SCIMGroup, error) {
	g, err := p.store.GetSCIMGroup(ctx, tenant, id)
	return g, scimStoreErr(err, "The group")
}

// ListGroups returns the tenant's groups with their members.
func (p *SCIM) ListGroups(ctx context.Context, tenant string) ([]signet.SCIMGroup, error) {
	gs, err := p.store.ListSCIMGroups(ctx, tenant)
	if err != nil {
		return nil, signet.Internal(err)
	}
	return gs, nil
}

// UpdateGroup replaces the group's name, externalId and members with
// what change makes of the group as stored, in one transaction: on any
// refusal nothing changes. change also says how many members the request
// itself named (a PATCH names fewer than the group holds): that is what
// MaxMembers bounds. Should another write come between the read and the
// write, all three are done again (see UpdateUser). A member removed
// loses the group rules' assignments at its next refresh or call
// (catalogue FD-05).
func (p *SCIM) UpdateGroup(ctx context.Context, tenant, id string,
	change func(signet.SCIMGroup) (in signet.SCIMGroup, named int, err error)) (signet.SCIMGroup, error) {
	var err error
	for range scimAttempts {
		var old, in signet.SCIMGroup
		var named int
		if old, err = p.GetGroup(ctx, tenant, id); err != nil {
			return signet.SCIMGroup{}, err
		}
		if in, named, err = change(old); err != nil {
			return signet.SCIMGroup{}, err
		}
		if err := p.checkSCIMGroup(in, named); err != nil {
			return signet.SCIMGroup{}, err
		}
		g := old
		g.DisplayName, g.ExternalID, g.Members, g.UpdatedAt = in.DisplayName, in.ExternalID, sortedSet(in.Members), p.s.clock.Now()
		err = p.store.ReplaceSCIMGroup(ctx, g)
		if errors.Is(err, signet.ErrSCIMStale) {
			continue
		}
		if err != nil {
			return signet.SCIMGroup{}, memberErr(err, true)
		}
		if err := p.auditSCIM(ctx, tenant, signet.AuditAdminChange, "", scimGroupDetail("scim group updated", g)); err != nil {
			return signet.SCIMGroup{}, err
		}
		g.Version++
		return g, nil
	}
	return signet.SCIMGroup{}, scimBusy(err)
}

// DeleteGroup removes the group; its members lose its rules' assignments.
func (p *SCIM) DeleteGroup(ctx context.Context, tenant, id string) error {
	old, err := p.GetGroup(ctx, tenant, id)
	if err != nil {
		return err
	}
	if err := p.store.DeleteSCIMGroup(ctx, tenant, id); err != nil {
		return scimStoreErr(err, "The group")
	}
	return p.auditSCIM(ctx, tenant, signet.AuditAdminChange, "", scimGroupDetail("scim group deleted", old))
}

func sortedSet(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return slices.Compact(s)
}
