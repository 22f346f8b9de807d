package upstream

import (
	"github.com/signet-auth/signet"
)

// maxGroups bounds the groups taken from one login.
const maxGroups = 1000

// maxClaim bounds one string claim.
const maxClaim = 1024

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// str returns claim c as a bounded string; "" if absent or another type.
func str(claims map[string]any, c string) string {
	s, _ := claims[c].(string)
	if len(s) > maxClaim {
		return ""
	}
	return s
}

// list returns claim c as a list of strings: a JSON array of strings, or
// one string.
func list(claims map[string]any, c string) []string {
	switch v := claims[c].(type) {
	case string:
		if v != "" && len(v) <= maxClaim {
			return []string{v}
		}
	case []any:
		var out []string
		for _, x := range v {
			if s, ok := x.(string); ok && s != "" && len(s) <= maxClaim && len(out) < maxGroups {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// mapClaims builds the identity from verified claims. The subject must be
// present: it is the identity's key (FD-03), never the e-mail.
func mapClaims(p signet.IdentityProvider, claims map[string]any) (Identity, error) {
	m := p.Claims
	id := Identity{
		IdP:         p.Name,
		Subject:     str(claims, or(m.Subject, "sub")),
		Username:    str(claims, or(m.Username, "preferred_username")),
		DisplayName: str(claims, or(m.DisplayName, "name")),
		Email:       str(claims, or(m.Email, "email")),
		Groups:      list(claims, or(m.Groups, "groups")),
		AMR:         list(claims, "amr"),
	}
	if id.Subject == "" {
		return Identity{}, refused("ID token from %s without the subject claim %q", p.Name, or(m.Subject, "sub"))
	}
	return id, nil
}
