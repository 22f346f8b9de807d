package scim

import (
	"strings"
	"time"

	"github.com/signet-auth/signet"
)

// Resources as rendered (RFC 7643 §4) and as read back from a POST, PUT or
// patched body. A resource is rendered as a map so that filters and PATCH
// work on the representation the client sees.

const (
	userSchema  = "urn:ietf:params:scim:schemas:core:2.0:User"
	groupSchema = "urn:ietf:params:scim:schemas:core:2.0:Group"
	listSchema  = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
)

func meta(kind, location string, created, modified time.Time) map[string]any {
	return map[string]any{"resourceType": kind, "created": created.UTC().Format(time.RFC3339),
		"lastModified": modified.UTC().Format(time.RFC3339), "location": location}
}

// renderUser is u's representation.
func (h *Handler) renderUser(u signet.SCIMUser) map[string]any {
	m := map[string]any{
		"schemas":  []any{userSchema},
		"id":       u.ID,
		"userName": u.User.Name,
		"active":   !u.User.Disabled,
		"meta":     meta("User", h.base()+"/Users/"+u.ID, u.CreatedAt, u.UpdatedAt),
	}
	if u.ExternalID != "" {
		m["externalId"] = u.ExternalID
	}
	if u.User.DisplayName != "" {
		m["displayName"] = u.User.DisplayName
	}
	if u.GivenName != "" || u.FamilyName != "" {
		name := map[string]any{}
		if u.GivenName != "" {
			name["givenName"] = u.GivenName
		}
		if u.FamilyName != "" {
			name["familyName"] = u.FamilyName
		}
		m["name"] = name
	}
	if u.Email != "" {
		m["emails"] = []any{map[string]any{"value": u.Email, "type": "work", "primary": true}}
	}
	return m
}

// renderGroup is g's representation.
func (h *Handler) renderGroup(g signet.SCIMGroup) map[string]any {
	members := make([]any, 0, len(g.Members))
	for _, id := range g.Members {
		members = append(members, map[string]any{"value": id, "$ref": h.base() + "/Users/" + id})
	}
	m := map[string]any{
		"schemas":     []any{groupSchema},
		"id":          g.ID,
		"displayName": g.DisplayName,
		"members":     members,
		"meta":        meta("Group", h.base()+"/Groups/"+g.ID, g.CreatedAt, g.UpdatedAt),
	}
	if g.ExternalID != "" {
		m["externalId"] = g.ExternalID
	}
	return m
}

// str reads an optional string attribute.
func str(m map[string]any, name string) (string, error) {
	switch v := field(m, name).(type) {
	case nil:
		return "", nil
	case string:
		return v, nil
	}
	return "", errInvalidValue("The attribute " + name + " must be a string.")
}

// boolean reads a boolean attribute, accepting Entra ID's "True"/"False".
func boolean(m map[string]any, name string, def bool) (bool, error) {
	switch v := field(m, name).(type) {
	case nil:
		return def, nil
	case bool:
		return v, nil
	case string:
		switch strings.ToLower(v) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
	}
	return false, errInvalidValue("The attribute " + name + " must be a boolean.")
}

// readUser is the user a body describes.
func readUser(m map[string]any) (signet.SCIMUser, error) {
	var u signet.SCIMUser
	var err error
	name, err := str(m, "userName")
	if err != nil {
		return u, err
	}
	if name == "" {
		return u, errInvalidValue("userName is required.")
	}
	u.User.Name = name
	if u.User.DisplayName, err = str(m, "displayName"); err != nil {
		return u, err
	}
	if u.ExternalID, err = str(m, "externalId"); err != nil {
		return u, err
	}
	active, err := boolean(m, "active", true)
	if err != nil {
		return u, err
	}
	u.User.Disabled = !active
	switch n := field(m, "name").(type) {
	case nil:
	case map[string]any:
		if u.GivenName, err = str(n, "givenName"); err != nil {
			return u, err
		}
		if u.FamilyName, err = str(n, "familyName"); err != nil {
			return u, err
		}
	default:
		return u, errInvalidValue("name must be an object.")
	}
	u.Email, err = primaryEmail(field(m, "emails"))
	return u, err
}

// primaryEmail is the primary e-mail address, or the first.
func primaryEmail(v any) (string, error) {
	if v == nil {
		return "", nil
	}
	list, ok := v.([]any)
	if !ok {
		return "", errInvalidValue("emails must be a list.")
	}
	first := ""
	for _, e := range list {
		em, ok := e.(map[string]any)
		if !ok {
			return "", errInvalidValue("An e-mail must be an object.")
		}
		val, err := str(em, "value")
		if err != nil {
			return "", err
		}
		if p, err := boolean(em, "primary", false); err == nil && p {
			return val, nil
		}
		if first == "" {
			first = val
		}
	}
	return first, nil
}

// readGroup is the group a body describes.
func readGroup(m map[string]any) (signet.SCIMGroup, error) {
	var g signet.SCIMGroup
	var err error
	if g.DisplayName, err = str(m, "displayName"); err != nil {
		return g, err
	}
	if g.ExternalID, err = str(m, "externalId"); err != nil {
		return g, err
	}
	switch ms := field(m, "members").(type) {
	case nil:
	case []any:
		for _, e := range ms {
			em, ok := e.(map[string]any)
			if !ok {
				return g, errInvalidValue("A member must be an object with a value.")
			}
			v, err := str(em, "value")
			if err != nil || v == "" {
				return g, errInvalidValue("A member must be an object with a value.")
			}
			g.Members = append(g.Members, v)
		}
	default:
		return g, errInvalidValue("members must be a list.")
	}
	return g, nil
}
