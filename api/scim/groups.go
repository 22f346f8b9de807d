package scim

import (
	"net/http"

	"github.com/signet-auth/signet"
)

// /Groups (RFC 7644 §3.3, §3.4, §3.5, §3.6). Members are users of the same
// tenant, by SCIM id.

func (h *Handler) createGroup(w http.ResponseWriter, r *http.Request, t signet.SCIMToken) error {
	m, err := h.readObject(w, r)
	if err != nil {
		return err
	}
	in, err := readGroup(m)
	if err != nil {
		return err
	}
	g, err := h.Engine.CreateGroup(r.Context(), t.Tenant, in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", h.base()+"/Groups/"+g.ID)
	writeJSON(w, http.StatusCreated, h.renderGroup(g))
	return nil
}

func (h *Handler) getGroup(w http.ResponseWriter, r *http.Request, t signet.SCIMToken) error {
	g, err := h.Engine.GetGroup(r.Context(), t.Tenant, r.PathValue("id"))
	if err != nil {
		return err
	}
	return h.writeResource(w, r, h.renderGroup(g))
}

func (h *Handler) listGroups(w http.ResponseWriter, r *http.Request, t signet.SCIMToken) error {
	q, err := readListQuery(r)
	if err != nil {
		return err
	}
	gs, err := h.Engine.ListGroups(r.Context(), t.Tenant)
	if err != nil {
		return err
	}
	res := make([]map[string]any, len(gs))
	for i, g := range gs {
		res[i] = h.renderGroup(g)
	}
	writeJSON(w, http.StatusOK, q.page(res))
	return nil
}

func (h *Handler) putGroup(w http.ResponseWriter, r *http.Request, t signet.SCIMToken) error {
	m, err := h.readObject(w, r)
	if err != nil {
		return err
	}
	in, err := readGroup(m)
	if err != nil {
		return err
	}
	return h.updateGroup(w, r, t, func(signet.SCIMGroup) (signet.SCIMGroup, int, error) { return in, len(in.Members), nil })
}

func (h *Handler) updateGroup(w http.ResponseWriter, r *http.Request, t signet.SCIMToken,
	change func(signet.SCIMGroup) (signet.SCIMGroup, int, error)) error {
	g, err := h.Engine.UpdateGroup(r.Context(), t.Tenant, r.PathValue("id"), change)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, h.renderGroup(g))
	return nil
}

// patchGroup applies the operations (Okta's and Entra ID's member adds and
// removes) to the group as rendered; the engine replaces the group with
// the result in one transaction: all operations or none (catalogue
// FD-06), and none of a concurrent request's changes lost.
func (h *Handler) patchGroup(w http.ResponseWriter, r *http.Request, t signet.SCIMToken) error {
	b, err := h.readBody(w, r)
	if err != nil {
		return err
	}
	ops, err := parsePatch(b, h.Engine.Limits().MaxOperations)
	if err != nil {
		return err
	}
	return h.updateGroup(w, r, t, func(cur signet.SCIMGroup) (signet.SCIMGroup, int, error) {
		m := h.renderGroup(cur)
		named, err := applyPatch(m, ops)
		if err != nil {
			return signet.SCIMGroup{}, 0, err
		}
		in, err := readGroup(m)
		return in, named, err
	})
}

func (h *Handler) deleteGroup(w http.ResponseWriter, r *http.Request, t signet.SCIMToken) error {
	if err := h.Engine.DeleteGroup(r.Context(), t.Tenant, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
