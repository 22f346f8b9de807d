package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/signet-auth/signet"
)

// Users.

type adminUsersView struct {
	adminView
	Users   []signet.User
	Factors map[string]UserFactors // by user id; nil: not shown
}

func (h *Handler) adminUsers(w http.ResponseWriter, r *http.Request, a *adminCtx) {
	h.showUsers(w, r, a, http.StatusOK, "")
}

func (h *Handler) showUsers(w http.ResponseWriter, r *http.Request, a *adminCtx, status int, problem string) {
	users, err := h.opts.Admin.ListUsers(a.ctx)
	if err != nil {
		h.internalError(w, r, err)
		return
	}
	v := adminUsersView{adminView: h.adminView("Users", "users", a, r), Users: users}
	if v.Factors, err = h.usersFactors(a.ctx, users); err != nil {
		h.internalError(w, r, err)
		return
	}
	v.Problem = problem
	h.render(w, r, status, "admin_users", v)
}

func (h *Handler) adminUsersPost(w http.ResponseWriter, r *http.Request, a *adminCtx) {
	f := r.PostForm
	adm, id := h.opts.Admin, f.Get("user")
	var err error
	done := ""
	switch f.Get("action") {
	case "add":
		_, err = adm.CreateUser(a.ctx, f.Get("name"), f.Get("display_name"), f.Get("password"))
		done = "user-added"
	case "disable", "enable":
		err = adm.SetDisabled(a.ctx, id, f.Get("action") == "disable")
		done = "user-" + f.Get("action") + "d"
	case "password":
		err = adm.SetPassword(a.ctx, id, f.Get("password"))
		done = "password-reset"
	case "reset-factors":
		err = h.resetFactors(a.ctx, id)
		done = "factors-reset"
	case "assign", "unassign":
		err = h.changeAssignment(a, id, signet.Assignment{AccountID: f.Get("account"), RoleName: f.Get("role")}, f.Get("action") == "assign")
		done = "assigned"
	default:
		h.showUsers(w, r, a, http.StatusBadRequest, "Unknown action.")
		return
	}
	if err != nil {
		h.adminFailed(w, r, err, func(p string) { h.showUsers(w, r, a, http.StatusBadRequest, p) })
		return
	}
	adminDone(w, "/admin/users", done, nil)
}

// changeAssignment adds or removes one assignment of the user.
func (h *Handler) changeAssignment(a *adminCtx, userID string, as signet.Assignment, add bool) error {
	users, err := h.opts.Admin.ListUsers(a.ctx)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(users, func(u signet.User) bool { return u.ID == userID })
	if i < 0 {
		return &signet.Error{Code: signet.CodeNotFound, Message: "No such user."}
	}
	next := slices.DeleteFunc(slices.Clone(users[i].Assignments), func(b signet.Assignment) bool { return b == as })
	if add {
		next = append(next, as)
	}
	return h.opts.Admin.SetAssignments(a.ctx, userID, next)
}

// Sessions.

type adminSessionsView struct {
	adminView
	User    string
	Tokens  []signet.Session
	Browser []signet.BrowserSession
	Names   map[string]string // user id → name
	All     bool
}

func (h *Handler) adminSessions(w http.ResponseWriter, r *http.Request, a *adminCtx) {
	q := r.URL.Query()
	v := adminSessionsView{adminView: h.adminView("Sessions", "sessions", a, r), User: q.Get("user"), All: q.Get("all") != ""}
	users, err := h.opts.Admin.ListUsers(a.ctx)
	if err != nil {
		h.internalError(w, r, err)
		return
	}
	v.Names = map[string]string{}
	f := signet.SessionFilter{LiveOnly: !v.All, Limit: 500}
	for _, u := range users {
		v.Names[u.ID] = u.Name
		if u.Name == v.User {
			f.UserID = u.ID
		}
	}
	if v.User != "" && f.UserID == "" {
		v.Problem = "No such user."
		h.render(w, r, http.StatusOK, "admin_sessions", v)
		return
	}
	if v.Tokens, err = h.opts.Admin.ListSessions(a.ctx, f); err == nil {
		v.Browser, err = h.opts.Admin.ListBrowserSessions(a.ctx, f)
	}
	if err != nil {
		h.internalError(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "admin_sessions", v)
}

func (h *Handler) adminSessionsPost(w http.ResponseWriter, r *http.Request, a *adminCtx) {
	if err := h.opts.Admin.RevokeSession(a.ctx, r.PostForm.Get("session")); err != nil {
		h.adminFailed(w, r, err, func(p string) {
			h.errorPage(w, r, http.StatusNotFound, "Not revoked", p)
		})
		return
	}
	keep := url.Values{}
	if u := r.PostForm.Get("filter_user"); u != "" {
		keep.Set("user", u)
	}
	adminDone(w, "/admin/sessions", "revoked", keep)
}

// Clients.

type adminClientsView struct {
	adminView
	Clients []signet.Client
	// Created and Secret show a new client's credentials, once.
	Created, Secret string
}

func (h *Handler) adminClients(w http.ResponseWriter, r *http.Request, a *adminCtx) {
	h.showClients(w, r, a, http.StatusOK, adminClientsView{})
}

func (h *Handler) showClients(w http.ResponseWriter, r *http.Request, a *adminCtx, status int, v adminClientsView) {
	clients, err := h.opts.Admin.ListClients(a.ctx)
	if err != nil {
		h.internalError(w, r, err)
		return
	}
	problem := v.Problem
	v.adminView, v.Clients = h.adminView("Clients", "clients", a, r), clients
	v.Problem = problem
	h.render(w, r, status, "admin_clients", v)
}

func (h *Handler) adminClientsPost(w http.ResponseWriter, r *http.Request, a *adminCtx) {
	f := r.PostForm
	switch f.Get("action") {
	case "create":
		id, sec, err := h.opts.Admin.CreateClient(a.ctx, NewClient{
			Name: f.Get("name"), Confidential: f.Get("confidential") != "",
			GrantTypes: f["grant_type"], RedirectURIs: splitList(f.Get("redirect_uris")), Scopes: splitList(f.Get("scopes")),
		})
		if err != nil {
			h.adminFailed(w, r, err, func(p string) {
				h.showClients(w, r, a, http.StatusBadRequest, adminClientsView{adminView: adminView{Problem: p}})
			})
			return
		}
		// Rendered, not redirected: the secret exists only in this answer.
		h.showClients(w, r, a, http.StatusOK, adminClientsView{Created: id, Secret: sec})
	case "delete":
		if err := h.opts.Admin.DeleteClient(a.ctx, f.Get("client")); err != nil {
			h.adminFailed(w, r, err, func(p string) {
				h.showClients(w, r, a, http.StatusBadRequest, adminClientsView{adminView: adminView{Problem: p}})
			})
			return
		}
		adminDone(w, "/admin/clients", "client-deleted", nil)
	default:
		h.showClients(w, r, a, http.StatusBadRequest, adminClientsView{adminView: adminView{Problem: "Unknown action."}})
	}
}

// Keys and access keys.

type adminKeysView struct {
	adminView
	Keys       []KeyInfo
	AccessKeys []signet.AccessKey
}

func (h *Handler) adminKeys(w http.ResponseWriter, r *http.Request, a *adminCtx) {
	v := adminKeysView{adminView: h.adminView("Keys", "keys", a, r)}
	var err error
	if v.Keys, err = h.opts.Admin.ListKeys(a.ctx); err == nil {
		v.AccessKeys, err = h.opts.Admin.ListAccessKeys(a.ctx)
	}
	if err != nil {
		h.internalError(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "admin_keys", v)
}

func (h *Handler) adminKeysPost(w http.ResponseWriter, r *http.Request, a *adminCtx) {
	if _, err := h.opts.Admin.RotateSigningKey(a.ctx); err != nil {
		h.internalError(w, r, err)
		return
	}
	adminDone(w, "/admin/keys", "rotated", nil)
}

// Audit log.

// adminAuditPage is how many records the audit page shows at once.
const adminAuditPage = 200

type adminAuditView struct {
	adminView
	Since, Until, User, Event string
	Events                    []signet.AuditEvent
	Records                   []signet.AuditRecord
	Names                     map[string]string
	Next                      string // the next page's query, if there is one
}

func (h *Handler) adminAudit(w http.ResponseWriter, r *http.Request, a *adminCtx) {
	q := r.URL.Query()
	v := adminAuditView{adminView: h.adminView("Audit log", "audit", a, r), Since: q.Get("since"), Until: q.Get("until"),
		User: q.Get("user"), Event: q.Get("event"), Events: signet.AuditEvents()}
	var f signet.AuditFilter
	var ok bool
	if f.Since, ok = parseAdminTime(v.Since); !ok {
		v.Problem = "Since must be a date and time such as 2026-01-31T09:00 (UTC)."
	}
	if f.Until, ok = parseAdminTime(v.Until); !ok {
		v.Problem = "Until must be a date and time such as 2026-01-31T18:00 (UTC)."
	}
	if v.Event != "" {
		if !slices.Contains(v.Events, signet.AuditEvent(v.Event)) {
			v.Problem = "Unknown event."
		}
		f.Events = []signet.AuditEvent{signet.AuditEvent(v.Event)}
	}
	users, err := h.opts.Admin.ListUsers(a.ctx)
	if err != nil {
		h.internalError(w, r, err)
		return
	}
	v.Names = map[string]string{}
	for _, u := range users {
		v.Names[u.ID] = u.Name
		if u.Name == v.User {
			f.UserID = u.ID
		}
	}
	if v.User != "" && f.UserID == "" {
		v.Problem = "No such user."
	}
	if v.Problem != "" {
		h.render(w, r, http.StatusBadRequest, "admin_audit", v)
		return
	}
	f.After, _ = strconv.ParseInt(q.Get("after"), 10, 64)
	f.Limit = adminAuditPage + 1
	err = h.opts.Admin.ScanAudit(a.ctx, f, func(rec signet.AuditRecord) error {
		v.Records = append(v.Records, rec)
		return nil
	})
	if err != nil {
		h.internalError(w, r, err)
		return
	}
	if len(v.Records) > adminAuditPage {
		v.Records = v.Records[:adminAuditPage]
		next := url.Values{"after": {strconv.FormatInt(v.Records[len(v.Records)-1].ID, 10)}}
		for k, val := range map[string]string{"since": v.Since, "until": v.Until, "user": v.User, "event": v.Event} {
			if val != "" {
				next.Set(k, val)
			}
		}
		v.Next = "/admin/audit?" + next.Encode()
	}
	h.render(w, r, http.StatusOK, "admin_audit", v)
}

// parseAdminTime reads a datetime-local value (UTC) or RFC 3339; "" is
// the zero time.
func parseAdminTime(s string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, true
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", time.RFC3339} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}
