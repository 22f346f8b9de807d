package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/audit"
	"github.com/signet-auth/signet/httpserver"
)

// The admin console at /admin: server-rendered like every page (the same
// strict CSP, no script, CSRF on every POST, no third-party asset), open to
// the users named by Options.Admins once signed in at /login. Every action
// goes through AdminBackend, whose engine calls write the audit record with
// the signed-in administrator as the actor.

// AdminBackend is what the console reads and changes; the server's
// adapter (internal/app) implements it over the engine, the stores and the
// keyring.
type AdminBackend interface {
	ListUsers(ctx context.Context) ([]signet.User, error)
	CreateUser(ctx context.Context, name, displayName, password string) (signet.User, error)
	SetDisabled(ctx context.Context, userID string, disabled bool) error
	SetPassword(ctx context.Context, userID, password string) error
	SetAssignments(ctx context.Context, userID string, as []signet.Assignment) error

	ListSessions(ctx context.Context, f signet.SessionFilter) ([]signet.Session, error)
	ListBrowserSessions(ctx context.Context, f signet.SessionFilter) ([]signet.BrowserSession, error)
	RevokeSession(ctx context.Context, id string) error

	ListClients(ctx context.Context) ([]signet.Client, error)
	// CreateClient returns the new client's id and its secret (shown once;
	// empty for a public client).
	CreateClient(ctx context.Context, c NewClient) (id, secret string, err error)
	DeleteClient(ctx context.Context, id string) error

	ListKeys(ctx context.Context) ([]KeyInfo, error)
	RotateSigningKey(ctx context.Context) (KeyInfo, error)
	ListAccessKeys(ctx context.Context) ([]signet.AccessKey, error)

	ScanAudit(ctx context.Context, f signet.AuditFilter, fn func(signet.AuditRecord) error) error
}

// NewClient is the console's client form.
type NewClient struct {
	Name                             string
	Confidential                     bool
	GrantTypes, RedirectURIs, Scopes []string
}

// KeyInfo describes one server key, never its material.
type KeyInfo struct {
	ID, Purpose, Algorithm       string
	CreatedAt, ActiveAt, Retired time.Time
	Current                      bool
}

// isAdminPage reports whether path is one of the console's pages, a
// return target after sign-in.
func isAdminPage(path string) bool {
	return slices.Contains([]string{"/admin", "/admin/users", "/admin/sessions", "/admin/clients", "/admin/keys", "/admin/audit", "/admin/idps"}, path)
}

// adminRoutes are the console's routes; none when it is off.
func (h *Handler) adminRoutes() []httpserver.Route {
	if h.opts.Admin == nil || len(h.opts.Admins) == 0 {
		return nil
	}
	r := func(method, path string, f http.HandlerFunc) httpserver.Route {
		return httpserver.Route{Method: method, Path: path, Handler: f}
	}
	routes := []httpserver.Route{
		r("GET", "/admin", h.adminGet(func(w http.ResponseWriter, r *http.Request, _ *adminCtx) { seeOther(w, "/admin/users") })),
		r("GET", "/admin/users", h.adminGet(h.adminUsers)),
		r("POST", "/admin/users", h.adminPost(h.adminUsersPost)),
		r("GET", "/admin/sessions", h.adminGet(h.adminSessions)),
		r("POST", "/admin/sessions", h.adminPost(h.adminSessionsPost)),
		r("GET", "/admin/clients", h.adminGet(h.adminClients)),
		r("POST", "/admin/clients", h.adminPost(h.adminClientsPost)),
		r("GET", "/admin/keys", h.adminGet(h.adminKeys)),
		r("POST", "/admin/keys", h.adminPost(h.adminKeysPost)),
		r("GET", "/admin/audit", h.adminGet(h.adminAudit)),
	}
	if h.adminFederation() != nil {
		routes = append(routes, r("GET", "/admin/idps", h.adminGet(h.adminIdPs)),
			r("POST", "/admin/idps", h.adminPost(h.adminIdPsPost)))
	}
	return routes
}

// adminCtx is a request of a signed-in administrator.
type adminCtx struct {
	s   *browserSession
	ctx context.Context // records the administrator as the actor
}

// isAdmin reports whether the session's user may use the console.
func (h *Handler) isAdmin(s *browserSession) bool {
	return s.signedIn() && !s.user.Disabled && slices.Contains(h.opts.Admins, s.user.Name)
}

// adminOnly sends a browser that is not signed in to the login page, and
// refuses one signed in as anyone but an administrator.
func (h *Handler) adminOnly(w http.ResponseWriter, r *http.Request, s *browserSession) (*adminCtx, bool) {
	if !s.signedIn() {
		seeOther(w, "/login?return="+url.QueryEscape(r.URL.Path))
		return nil, false
	}
	if !h.isAdmin(s) {
		h.errorPage(w, r, http.StatusForbidden, "Not an administrator",
			"The admin console is for administrators. Sign in as one to use it.")
		return nil, false
	}
	// The engine holds every console administrator to a second factor
	// whatever the policy, so such a session is already pending its
	// second step and was sent to sign in above; this asks the engine
	// again, as every approval does, before anything is shown or done.
	if err := h.approvalAllowed(r.Context(), s.UserID, s.record.AMR); err != nil {
		if signet.ErrorCodeOf(err) == signet.CodeAccessDenied {
			seeOther(w, "/login?return="+url.QueryEscape(r.URL.Path))
		} else {
			h.internalError(w, r, err)
		}
		return nil, false
	}
	ctx := audit.WithOrigin(r.Context(), audit.Origin{Actor: "user:" + s.user.Name})
	return &adminCtx{s: s, ctx: ctx}, true
}

func (h *Handler) adminGet(next func(http.ResponseWriter, *http.Request, *adminCtx)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s, err := h.ensureSession(w, r)
		if err != nil {
			h.internalError(w, r, err)
			return
		}
		if a, ok := h.adminOnly(w, r, s); ok {
			next(w, r, a)
		}
	}
}

func (h *Handler) adminPost(next func(http.ResponseWriter, *http.Request, *adminCtx)) http.HandlerFunc {
	return h.post(func(w http.ResponseWriter, r *http.Request, s *browserSession) {
		if a, ok := h.adminOnly(w, r, s); ok {
			next(w, r, a)
		}
	})
}

// adminView is what every console page reads.
type adminView struct {
	common
	Page    string // the nav entry to mark current
	Notice  string
	Problem string
}

func (h *Handler) adminView(title, page string, a *adminCtx, r *http.Request) adminView {
	c := h.common(title, a.s)
	c.Wide = true
	v := adminView{common: c, Page: page}
	// A notice comes back through the redirect after a POST: one of ours,
	// picked by key, never text from the query.
	v.Notice = adminNotices[r.URL.Query().Get("done")]
	return v
}

// adminNotices are the messages a POST's redirect may show.
var adminNotices = map[string]string{
	"user-added": "User added.", "user-disabled": "User disabled; their sign-ins are ended.",
	"user-enabled": "User enabled.", "password-reset": "Password reset; sessions begun before it end at their next refresh.",
	"assigned": "Assignments saved.", "revoked": "Session revoked.", "client-deleted": "Client deleted; its sessions are revoked.",
	"rotated":   "New signing key added; it signs once every node has published it.",
	"idp-added": "Identity provider saved; register its redirect URI at the provider.", "idp-removed": "Identity provider removed; its users stay.",
	"factors-reset": "Second factors reset; the user's sessions are ended.",
	"rule-added":    "Group rule added.", "rule-removed": "Group rule removed; its members lose the access at their next refresh or call.",
}

// adminDone redirects back to page with a notice key.
func adminDone(w http.ResponseWriter, page, key string, keep url.Values) {
	q := url.Values{"done": {key}}
	for k, v := range keep {
		q[k] = v
	}
	seeOther(w, page+"?"+q.Encode())
}

// adminFailed renders page again with the error's message (ours: engine
// errors carry fixed, user-safe messages).
func (h *Handler) adminFailed(w http.ResponseWriter, r *http.Request, err error, show func(problem string)) {
	e := signet.AsError(err)
	if e.Code == signet.CodeInternal || e.Code == signet.CodeUnavailable {
		h.internalError(w, r, err)
		return
	}
	show(e.Message)
}

// splitList reads a comma- or space-separated form field.
func splitList(s string) []string {
	return strings.FieldsFunc(s, func(c rune) bool { return c == ',' || c == ' ' || c == '\n' || c == '\r' || c == '\t' })
}
