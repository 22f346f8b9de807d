package authserver

import (
	"context"
	"strconv"

	"github.com/signet-auth/signet"
)

// auditSCIM records a provisioning change made by tenant's SCIM token
// (catalogue AU-01): the actor is "scim:<tenant>", the user the person
// changed (none for a group), the detail what changed and never a
// token. Provisioning answers an error when its record cannot be
// written; the change is then made already, as for the admin commands.
func (p *SCIM) auditSCIM(ctx context.Context, tenant string, ev signet.AuditEvent, userID, detail string) error {
	actor := "scim:" + tenant
	if tenant == "" {
		actor = "scim"
	}
	return p.s.audit(ctx, signet.AuditRecord{Event: ev, Actor: actor, UserID: userID, Surface: "scim", Detail: detail})
}

// scimUserDetail names a SCIM user change: the resource and whether the
// person may sign in.
func scimUserDetail(what string, u signet.SCIMUser) string {
	return what + " scim_id=" + u.ID + " active=" + strconv.FormatBool(!u.User.Disabled)
}

// scimGroupDetail names a SCIM group change: the group and how many
// members it has now.
func scimGroupDetail(what string, g signet.SCIMGroup) string {
	return what + " scim_id=" + g.ID + " group=" + strconv.Quote(g.DisplayName) + " members=" + strconv.Itoa(len(g.Members))
}
