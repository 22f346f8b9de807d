package app

import (
	"strings"

	"github.com/signet-auth/signet"
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
