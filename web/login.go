package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/signet-auth/signet"
)

type loginView struct {
	common
	FormCSRF string
	Return   string
	Username string
	Error    string
	// Providers are the "Continue with …" buttons; Passwords is false
	// when the login is federated only.
	Providers []providerButton
	Passwords bool
	Passkeys  bool // offer a sign-in with a passkey alone (passkey.go)
}

// maxName bounds the login name we count and echo.
const maxName = 256

// safeReturn returns s if it is a path of one of our own pages that a login
// may continue to (with its query), else "": the login page is never an
// open redirect.
func safeReturn(s string) string {
	if s == "" || len(s) > 8192 || strings.ContainsAny(s, "\\#") {
		return ""
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" || !strings.HasPrefix(s, "/") || strings.HasPrefix(s, "//") {
		return ""
	}
	switch u.Path {
	case "/authorize", "/oauth2/authorize", "/v1/authorize", "/device", "/device/confirm", "/mfa":
	default:
		if !isAdminPage(u.Path) {
			return ""
		}
	}
	if u.RawQuery == "" {
		return u.Path
	}
	return u.Path + "?" + u.RawQuery
}

// loginForm serves GET /login. A signed-in user coming back to a flow goes
// straight on, unless the flow asked for a fresh sign-in (force).
func (h *Handler) loginForm(w http.ResponseWriter, r *http.Request) {
	s, err := h.ensureSession(w, r)
	if err != nil {
		h.internalError(w, r, err)
		return
	}
	q := r.URL.Query()
	ret := safeReturn(q.Get("return"))
	if s.signedIn() && ret != "" && q.Get("force") == "" {
		seeOther(w, ret)
		return
	}
	if s.pending != nil && q.Get("force") == "" {
		seeOther(w, secondStepURL(s, ret))
		return
	}
	if idp := h.hintedProvider(r.Context(), r, ret); idp != "" && q.Get("force") == "" {
		seeOther(w, federatedStart(idp, ret))
		return
	}
	h.allowScript(w)
	h.render(w, r, http.StatusOK, "login", h.loginView(r, s, ret))
}

// loginView is the login page's data: the form, the buttons. A passkey
// sign-in is a local account's, offered only where passwords are.
func (h *Handler) loginView(r *http.Request, s *browserSession, ret string) loginView {
	passwords := h.opts.LoginMode != LoginFederatedOnly
	return loginView{common: h.common("Sign in", s), FormCSRF: csrfToken(s), Return: ret,
		Providers: h.buttons(r.Context(), ret), Passwords: passwords, Passkeys: passwords && h.passkeysOn()}
}

func (h *Handler) loginBudgets(r *http.Request, name string) []budget {
	ip := h.opts.ClientIP(r)
	return []budget{
		{"login:account:" + ip + "|" + strings.ToLower(name), h.opts.Limits.LoginAccount, true},
		{"login:ip:" + ip, h.opts.Limits.LoginIP, true},
	}
}

// login serves POST /login.
func (h *Handler) login(w http.ResponseWriter, r *http.Request, s *browserSession) {
	ctx := r.Context()
	name := strings.TrimSpace(r.PostForm.Get("username"))
	password := r.PostForm.Get("password")
	ret := safeReturn(r.PostForm.Get("return"))
	if h.opts.LoginMode == LoginFederatedOnly {
		h.errorPage(w, r, http.StatusForbidden, "Sign-in refused", "Sign in with your identity provider.")
		return
	}
	if len(name) > maxName {
		name = name[:maxName]
	}
	// Counted per IP and account, so that nobody can lock a user out from
	// elsewhere (catalogue RL-04); checked before the password is, so that
	// a locked-out guess costs no password hash.
	budgets := h.loginBudgets(r, name)
	if h.overBudget(w, r, budgets, "login") {
		return
	}
	u, err := h.backend.Authenticate(ctx, name, password)
	if err == nil && u.Disabled {
		err = signet.Errorf(signet.CodeAccessDenied, "user disabled")
	}
	if err != nil {
		switch signet.ErrorCodeOf(err) {
		case signet.CodeInternal, signet.CodeUnavailable:
			h.internalError(w, r, err)
			return
		}
		h.log.InfoContext(ctx, "web: login failed", "ip", h.opts.ClientIP(r), "err", err)
		if err := h.fail(ctx, budgets); err != nil {
			h.internalError(w, r, err)
			return
		}
		// One message for every cause: no user enumeration (RL-04).
		h.allowScript(w)
		v := h.loginView(r, s, ret)
		v.Username, v.Error = name, "The user name or password is incorrect."
		h.render(w, r, http.StatusBadRequest, "login", v)
		return
	}
	// The account's budget and backoff start over; the address's budget
	// does not (one success must not clear failures on other accounts).
	if err := h.forget(ctx, budgets[:1]); err != nil {
		h.log.WarnContext(ctx, "web: limiter reset", "err", err)
	}
	// A sign-in in this browser replaces the one before it, if any.
	if s.Token != "" {
		if err := h.backend.EndBrowserSession(ctx, s.Token); err != nil {
			h.log.WarnContext(ctx, "web: ending the replaced session", "err", err)
		}
	}
	// A new session id at login (catalogue WB-10), and a new record.
	next, err := h.startSession(w, r, u)
	if err != nil {
		h.internalError(w, r, err)
		return
	}
	if next.pending != nil {
		h.log.InfoContext(ctx, "web: password accepted; second factor next", "user", u.ID)
		seeOther(w, secondStepURL(next, ret))
		return
	}
	h.log.InfoContext(ctx, "web: signed in", "user", u.ID)
	if ret == "" {
		ret = "/login"
	}
	seeOther(w, ret)
}

// logout serves POST /logout: the record is revoked on the server, so a
// copy of the cookie is worthless from now on (catalogue BS-01).
func (h *Handler) logout(w http.ResponseWriter, r *http.Request, s *browserSession) {
	if err := h.endSession(w, r, s); err != nil {
		h.internalError(w, r, err)
		return
	}
	if s.signedIn() {
		h.log.InfoContext(r.Context(), "web: signed out", "user", s.UserID)
	}
	seeOther(w, "/login")
}
