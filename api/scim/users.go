package scim

import (
	"net/http"

	"github.com/signet-auth/signet"
)

// /Users (RFC 7644 §3.3, §3.4, §3.5, §3.6).

func (h *Handler) createUser(w http.ResponseWriter, r *http.Request, t signet.SCIMToken) error {
	m, err := h.readObject(w, r)
	if err != nil {
		return err
	}
	in, err := readUser(m)
	if err != nil {
		return err
	}
	u, err := h.Engine.CreateUser(r.Context(), t.Tenant, in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", h.base()+"/Users/"+u.ID)
	writeJSON(w, http.StatusCreated, h.renderUser(u))
	return nil
}

func (h *Handler) getUser(w http.ResponseWriter, r *http.Request, t signet.SCIMToken) error {
	u, err := h.Engine.GetUser(r.Context(), t.Tenant, r.PathValue("id"))
	if err != nil {
		return err
	}
	return h.writeResource(w, r, h.renderUser(u))
}

func (h *Handler) listUsers(w http.ResponseWriter, r *http.Request, t signet.SCIMToken) error {
	q, err := readListQuery(r)
	if err != nil {
		return err
	}
	us, err := h.Engine.ListUsers(r.Context(), t.Tenant)
	if err != nil {
		return err
	}
	res := make([]map[string]any, len(us))
	for i, u := range us {
		res[i] = h.renderUser(u)
	}
	writeJSON(w, http.StatusOK, q.page(res))
	return nil
}

func (h *Handler) putUser(w http.ResponseWriter, r *http.Request, t signet.SCIMToken) error {
	m, err := h.readObject(w, r)
	if err != nil {
		return err
	}
	in, err := readUser(m)
	if err != nil {
		return err
	}
	return h.updateUser(w, r, t, func(signet.SCIMUser) (signet.SCIMUser, error) { return in, nil })
}

func (h *Handler) updateUser(w http.ResponseWriter, r *http.Request, t signet.SCIMToken,
	change func(signet.SCIMUser) (signet.SCIMUser, error)) error {
	u, err := h.Engine.UpdateUser(r.Context(), t.Tenant, r.PathValue("id"), change)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, h.renderUser(u))
	return nil
}

// patchUser applies the operations to the user as rendered; the engine
// replaces the user with the result. Entra ID's deactivation is
// {"op":"Replace","path":"active","value":"False"}.
func (h *Handler) patchUser(w http.ResponseWriter, r *http.Request, t signet.SCIMToken) error {
	b, err := h.readBody(w, r)
	if err != nil {
		return err
	}
	ops, err := parsePatch(b, h.Engine.Limits().MaxOperations)
	if err != nil {
		return err
	}
	return h.updateUser(w, r, t, func(cur signet.SCIMUser) (signet.SCIMUser, error) {
		m := h.renderUser(cur)
		if _, err := applyPatch(m, ops); err != nil {
			return signet.SCIMUser{}, err
		}
		return readUser(m)
	})
}

func (h *Handler) deleteUser(w http.ResponseWriter, r *http.Request, t signet.SCIMToken) error {
	if err := h.Engine.DeleteUser(r.Context(), t.Tenant, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
