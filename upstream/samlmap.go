package upstream

import (
	"github.com/crewjam/saml"

	"github.com/signet-auth/signet"
)

// nameIDKey is the key of the NameID among the attributes mapped: XML
// names cannot hold a NUL, so no attribute takes it.
const nameIDKey = "\x00nameid"

// mapAssertion builds the identity from a verified assertion through the
// provider's mapping: the subject is the NameID, of the provider's NameID
// format (persistent unless set), unless Claims.Subject names an
// attribute; a transient NameID keys nothing and is always refused.
func mapAssertion(p signet.IdentityProvider, a *saml.Assertion) (Identity, error) {
	claims := map[string]any{}
	for _, st := range a.AttributeStatements {
		for _, at := range st.Attributes {
			var vs []any
			for _, v := range at.Values {
				if !v.Nil {
					vs = append(vs, v.Value)
				}
			}
			for _, k := range []string{at.Name, at.FriendlyName} {
				if k != "" {
					claims[k] = vs
				}
			}
		}
	}
	m := p.Claims
	if m.Subject == "" {
		if a.Subject == nil || a.Subject.NameID == nil || a.Subject.NameID.Value == "" {
			return Identity{}, refused("assertion from %s without a NameID", p.Name)
		}
		want := or(p.SAML.NameIDFormat, NameIDPersistent)
		switch f := a.Subject.NameID.Format; {
		case f == nameIDTransient:
			return Identity{}, refused("assertion from %s with a transient NameID, which cannot key an identity", p.Name)
		case f != want:
			// An e-mail NameID is mutable; it keys identities only where
			// the administrator chose that format (FD-03).
			return Identity{}, refused("assertion from %s with NameID format %.200q, not %q", p.Name, f, want)
		}
		claims[nameIDKey] = a.Subject.NameID.Value
	}
	one := func(k string) string {
		if vs, ok := claims[k].([]any); ok && len(vs) > 0 {
			s, _ := vs[0].(string)
			if len(s) <= maxClaim {
				return s
			}
		}
		if s, ok := claims[k].(string); ok && len(s) <= maxClaim {
			return s
		}
		return ""
	}
	id := Identity{
		IdP:         p.Name,
		Subject:     one(or(m.Subject, nameIDKey)),
		Username:    one(or(m.Username, "username")),
		DisplayName: one(or(m.DisplayName, "displayName")),
		Email:       one(or(m.Email, "email")),
		Groups:      list(claims, or(m.Groups, "groups")),
	}
	if id.Subject == "" {
		return Identity{}, refused("assertion from %s without the subject attribute %q", p.Name, m.Subject)
	}
	if id.Username == "" {
		id.Username = id.Subject
	}
	return id, nil
}
