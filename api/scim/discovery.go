package scim

import (
	"net/http"

	"github.com/signet-auth/signet"
)

// Discovery (RFC 7644 §4): what this server supports, so that a client
// does not try what it does not.

func (h *Handler) serviceProviderConfig(w http.ResponseWriter, _ *http.Request, _ signet.SCIMToken) error {
	l := h.Engine.Limits()
	writeJSON(w, http.StatusOK, map[string]any{
		"schemas":          []any{"urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"},
		"documentationUri": "https://github.com/signet-auth/signet#scim-provisioning",
		"patch":            map[string]any{"supported": true},
		"bulk":             map[string]any{"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
		"filter":           map[string]any{"supported": true, "maxResults": maxPage},
		"changePassword":   map[string]any{"supported": false},
		"sort":             map[string]any{"supported": false},
		"etag":             map[string]any{"supported": false},
		"authenticationSchemes": []any{map[string]any{"type": "oauthbearertoken", "name": "Bearer token",
			"description": "A token from signet admin scim-token create", "primary": true}},
		"x-signet-limits": map[string]any{"maxBodyBytes": l.MaxBodyBytes, "maxOperations": l.MaxOperations,
			"maxMembers": l.MaxMembers},
		"meta": map[string]any{"resourceType": "ServiceProviderConfig", "location": h.base() + "/ServiceProviderConfig"},
	})
	return nil
}

func (h *Handler) resourceTypes(w http.ResponseWriter, _ *http.Request, _ signet.SCIMToken) error {
	rt := func(name, endpoint, schema string) map[string]any {
		return map[string]any{"schemas": []any{"urn:ietf:params:scim:schemas:core:2.0:ResourceType"},
			"id": name, "name": name, "endpoint": endpoint, "schema": schema,
			"meta": map[string]any{"resourceType": "ResourceType", "location": h.base() + "/ResourceTypes/" + name}}
	}
	writeJSON(w, http.StatusOK, list(rt("User", "/Users", userSchema), rt("Group", "/Groups", groupSchema)))
	return nil
}

func attr(name, typ string, multi, required bool, mutability, uniqueness string, caseExact bool) map[string]any {
	return map[string]any{"name": name, "type": typ, "multiValued": multi, "required": required,
		"caseExact": caseExact, "mutability": mutability, "returned": "default", "uniqueness": uniqueness}
}

func (h *Handler) schemas(w http.ResponseWriter, _ *http.Request, _ signet.SCIMToken) error {
	name := attr("name", "complex", false, false, "readWrite", "none", false)
	name["subAttributes"] = []any{attr("givenName", "string", false, false, "readWrite", "none", false),
		attr("familyName", "string", false, false, "readWrite", "none", false)}
	emails := attr("emails", "complex", true, false, "readWrite", "none", false)
	emails["subAttributes"] = []any{attr("value", "string", false, false, "readWrite", "none", false),
		attr("type", "string", false, false, "readWrite", "none", false),
		attr("primary", "boolean", false, false, "readWrite", "none", false)}
	members := attr("members", "complex", true, false, "readWrite", "none", false)
	members["subAttributes"] = []any{attr("value", "string", false, false, "immutable", "none", true)}
	schema := func(id, name string, attrs ...any) map[string]any {
		return map[string]any{"schemas": []any{"urn:ietf:params:scim:schemas:core:2.0:Schema"},
			"id": id, "name": name, "attributes": attrs,
			"meta": map[string]any{"resourceType": "Schema", "location": h.base() + "/Schemas/" + id}}
	}
	writeJSON(w, http.StatusOK, list(
		schema(userSchema, "User",
			attr("userName", "string", false, true, "readWrite", "server", false),
			attr("displayName", "string", false, false, "readWrite", "none", false),
			attr("externalId", "string", false, false, "readWrite", "none", true),
			attr("active", "boolean", false, false, "readWrite", "none", false), name, emails),
		schema(groupSchema, "Group",
			attr("displayName", "string", false, true, "readWrite", "server", false),
			attr("externalId", "string", false, false, "readWrite", "none", true), members)))
	return nil
}

// list is a ListResponse of every item.
func list(items ...any) map[string]any {
	return map[string]any{"schemas": []any{listSchema}, "totalResults": len(items), "startIndex": 1,
		"itemsPerPage": len(items), "Resources": items}
}
