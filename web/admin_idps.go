package web

import (
	"context"
	"net/http"
	"strings"

	"github.com/signet-auth/signet"
)

// The console's identity providers and group rules (/admin/idps). A
// provider's client secret is taken only as the reference it is read
// from (env:VAR, file:PATH), as the admin command takes it, and shown the
// same way; every change is an audit record written by the backend.

// AdminFederation is the console's part of federation. The server's
// adapter implements it beside AdminBackend; an AdminBackend that does not
// has no identity providers page.
type AdminFederation interface {
	ListIdPs(ctx context.Context) ([]signet.IdentityProvider, error)
	AddIdP(ctx context.Context, p NewIdP) error
	RemoveIdP(ctx context.Context, name string) error
	ListGroupRules(ctx context.Context) ([]signet.GroupRule, error)
	AddGroupRule(ctx context.Context, r signet.GroupRule) error
	RemoveGroupRule(ctx context.Context, r signet.GroupRule) error
}

// NewIdP is the console's provider form.
type NewIdP struct {
	Name, DisplayName, Issuer, ClientID string
	// ClientSecret is a reference (env:VAR or file:PATH), never a secret.
	ClientSecret                   string
	Scopes, Domains, AllowedGroups []string
}

// adminFederation is the backend's federation part, nil without one.
func (h *Handler) adminFederation() AdminFederation {
	f, _ := h.opts.Admin.(AdminFederation)
	return f
}

type adminIdPsView struct {
	adminView
	Issuer string // the redirect URIs' prefix
	IdPs   []signet.IdentityProvider
	Rules  []signet.GroupRule
}

func (h *Handler) adminIdPs(w http.ResponseWriter, r *http.Request, a *adminCtx) {
	h.showIdPs(w, r, a, http.StatusOK, "")
}

func (h *Handler) showIdPs(w http.ResponseWriter, r *http.Request, a *adminCtx, status int, problem string) {
	fed := h.adminFederation()
	v := adminIdPsView{adminView: h.adminView("Identity providers", "idps", a, r)}
	v.Problem, v.Issuer = problem, strings.TrimSuffix(h.opts.Issuer, "/")
	var err error
	if v.IdPs, err = fed.ListIdPs(a.ctx); err == nil {
		v.Rules, err = fed.ListGroupRules(a.ctx)
	}
	if err != nil {
		h.internalError(w, r, err)
		return
	}
	h.render(w, r, status, "admin_idps", v)
}

func (h *Handler) adminIdPsPost(w http.ResponseWriter, r *http.Request, a *adminCtx) {
	fed, f := h.adminFederation(), r.PostForm
	rule := signet.GroupRule{Group: f.Get("group"), AccountID: f.Get("account"), RoleName: f.Get("role")}
	var err error
	var done string
	switch f.Get("action") {
	case "add-idp":
		err, done = fed.AddIdP(a.ctx, NewIdP{Name: f.Get("name"), DisplayName: f.Get("display_name"),
			Issuer: f.Get("issuer"), ClientID: f.Get("client_id"), ClientSecret: f.Get("client_secret"),
			Scopes: splitList(f.Get("scopes")), Domains: splitList(f.Get("domains")),
			AllowedGroups: splitList(f.Get("allowed_groups"))}), "idp-added"
	case "remove-idp":
		err, done = fed.RemoveIdP(a.ctx, f.Get("name")), "idp-removed"
	case "add-rule":
		err, done = fed.AddGroupRule(a.ctx, rule), "rule-added"
	case "remove-rule":
		err, done = fed.RemoveGroupRule(a.ctx, rule), "rule-removed"
	default:
		h.showIdPs(w, r, a, http.StatusBadRequest, "Unknown action.")
		return
	}
	if err != nil {
		h.adminFailed(w, r, err, func(p string) { h.showIdPs(w, r, a, http.StatusBadRequest, p) })
		return
	}
	adminDone(w, "/admin/idps", done, nil)
}
