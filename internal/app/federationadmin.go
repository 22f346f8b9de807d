package app

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/internal/config"
	"github.com/signet-auth/signet/upstream"
	"github.com/signet-auth/signet/web"
)

// The audit details of an administrator's change to the identity
// providers and group rules, the same whether the admin command or the
// console made it. A provider's client secret appears only as the
// reference it is read from, never resolved.

// IdPChangeDetail describes p, set or removed, for an admin.change record.
func IdPChangeDetail(verb string, p signet.IdentityProvider) string {
	d := "idp " + verb + " name=" + p.Name + " issuer=" + p.Issuer + " client_id=" + p.ClientID
	if p.ClientSecretRef != "" {
		d += " client_secret=" + p.ClientSecretRef
	}
	if len(p.AllowedGroups) > 0 {
		d += " allowed_groups=" + strings.Join(p.AllowedGroups, ",")
	}
	return d
}

// GroupRuleChangeDetail describes r, added or removed.
func GroupRuleChangeDetail(verb string, r signet.GroupRule) string {
	return "group rule " + verb + " group=" + r.Group + " assignment=" + r.AccountID + "/" + r.RoleName
}

// The console's identity providers and group rules: the same checks as
// the admin command, each change an admin.change record whose actor is
// the signed-in administrator (the request's audit origin).

var _ web.AdminFederation = adminBackend{}

func (b adminBackend) ListIdPs(ctx context.Context) ([]signet.IdentityProvider, error) {
	return b.core.Stores.Federation.ListIdPs(ctx)
}

func badRequest(msg string) error {
	return &signet.Error{Code: signet.CodeInvalidRequest, Message: msg}
}

func (b adminBackend) AddIdP(ctx context.Context, n web.NewIdP) error {
	// The secret reference first, and never echoed: someone may have
	// typed the secret itself.
	if !upstream.ValidSecretRef(n.ClientSecret) {
		return badRequest("The client secret must be a reference, env:VAR or file:PATH, never the secret itself.")
	}
	s := config.IdPSettings{Name: n.Name, DisplayName: n.DisplayName, Issuer: strings.TrimSpace(n.Issuer),
		ClientID: n.ClientID, ClientSecret: n.ClientSecret, Scopes: n.Scopes, Domains: n.Domains,
		AllowedGroups: n.AllowedGroups}
	c := config.Config{Federation: config.Federation{IdentityProviders: []config.IdPSettings{s}}}
	if err := c.ValidateFederation(); err != nil {
		return badRequest(err.Error())
	}
	now := b.clock.Now()
	p := IdPFromSettings(s)
	p.CreatedAt, p.UpdatedAt = now, now
	if err := b.core.Stores.Federation.SetIdP(ctx, p); err != nil {
		return err
	}
	return b.core.Audit.Record(ctx, signet.AuditRecord{Event: signet.AuditAdminChange, Surface: "admin",
		Detail: IdPChangeDetail("set", p)})
}

func (b adminBackend) RemoveIdP(ctx context.Context, name string) error {
	err := b.core.Stores.Federation.DeleteIdP(ctx, name)
	if errors.Is(err, signet.ErrNotFound) {
		return &signet.Error{Code: signet.CodeNotFound, Message: "No such identity provider.", Err: err}
	}
	if err != nil {
		return err
	}
	return b.core.Audit.Record(ctx, signet.AuditRecord{Event: signet.AuditAdminChange, Surface: "admin",
		Detail: "idp removed name=" + name})
}

func (b adminBackend) ListGroupRules(ctx context.Context) ([]signet.GroupRule, error) {
	return b.core.Stores.Federation.ListGroupRules(ctx)
}

func validGroupRule(r signet.GroupRule) error {
	switch {
	case r.Group == "" || len(r.Group) > 256:
		return badRequest("The group must be 1 to 256 characters.")
	case !config.ValidAccountID(r.AccountID):
		return badRequest("The account must be 12 digits.")
	case !config.ValidRoleName(r.RoleName):
		return badRequest("The role must be 1 to 64 letters, digits and +=,.@_-.")
	}
	return nil
}

func (b adminBackend) AddGroupRule(ctx context.Context, r signet.GroupRule) error {
	if err := validGroupRule(r); err != nil {
		return err
	}
	r.CreatedAt = b.clock.Now()
	err := b.core.Stores.Federation.AddGroupRule(ctx, r)
	if errors.Is(err, signet.ErrConflict) {
		return &signet.Error{Code: signet.CodeConflict, Message: "That group already gives that account and role.", Err: err}
	}
	if err != nil {
		return err
	}
	return b.core.Audit.Record(ctx, signet.AuditRecord{Event: signet.AuditAdminChange, Surface: "admin",
		AccountID: r.AccountID, RoleName: r.RoleName, Detail: GroupRuleChangeDetail("added", r)})
}

func (b adminBackend) RemoveGroupRule(ctx context.Context, r signet.GroupRule) error {
	err := b.core.Stores.Federation.DeleteGroupRule(ctx, r)
	if errors.Is(err, signet.ErrNotFound) {
		return &signet.Error{Code: signet.CodeNotFound, Message: "No such group rule.", Err: err}
	}
	if err != nil {
		return err
	}
	return b.core.Audit.Record(ctx, signet.AuditRecord{Event: signet.AuditAdminChange, Surface: "admin",
		AccountID: r.AccountID, RoleName: r.RoleName, Detail: GroupRuleChangeDetail("removed", r)})
}

// The users page's factors and identity providers.

var _ web.AdminUserFactors = adminBackend{}

func (b adminBackend) UserFactors(ctx context.Context, u signet.User) (web.UserFactors, error) {
	st, err := b.core.Engine.MFAStatus(ctx, u)
	if err != nil {
		return web.UserFactors{}, err
	}
	f := web.UserFactors{TOTP: st.TOTP, Passkeys: len(st.Passkeys), RecoveryLeft: st.RecoveryLeft}
	ids, err := b.core.Stores.Federation.ListIdentities(ctx, u.ID)
	if err != nil {
		return web.UserFactors{}, err
	}
	for _, id := range ids {
		if !slices.Contains(f.IdPs, id.IdP) {
			f.IdPs = append(f.IdPs, id.IdP)
		}
	}
	return f, nil
}

func (b adminBackend) ResetFactors(ctx context.Context, userID string) error {
	if _, err := b.core.Stores.Users.GetUser(ctx, userID); errors.Is(err, signet.ErrNotFound) {
		return &signet.Error{Code: signet.CodeNotFound, Message: "No such user.", Err: err}
	} else if err != nil {
		return err
	}
	_, _, err := b.core.Engine.ResetMFA(ctx, userID)
	return err
}
