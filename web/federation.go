package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/signet-auth/signet"
)

// Federation is what the pages need to sign people in through upstream
// identity providers (package upstream for the protocol, the engine for
// what a login is worth). Defined here, by its consumer; FederationBackend
// is the adapter the server runs with.
type Federation interface {
	// Providers lists the providers the login page offers, ordered by name.
	Providers(ctx context.Context) ([]signet.IdentityProvider, error)
	// Begin starts a login at provider idp bound to the browser's secret
	// (binding) and returns the URL to send the browser to; ret is where
	// the login continues. An unknown provider is signet.ErrNotFound.
	Begin(ctx context.Context, idp, binding, ret string) (string, error)
	// Complete checks the callback (its query q) for the browser holding
	// binding and returns the signed-in user, how the provider says they
	// authenticated (RFC 8176 values) and where the login continues. A
	// refusal is an error whose cause only the log sees.
	Complete(ctx context.Context, idp string, q url.Values, binding string) (u signet.User, amr []string, ret string, err error)
}

// LoginMode chooses what the login page offers.
type LoginMode string

// Login modes.
const (
	// LoginPasswordAndFederated: the password form and a button per
	// upstream provider (the default).
	LoginPasswordAndFederated LoginMode = ""
	// LoginFederatedOnly: the buttons only; POST /login is refused.
	LoginFederatedOnly LoginMode = "federated-only"
)

// providerButton is one "Continue with …" button.
type providerButton struct {
	Name  string
	Label string
	Href  string
}

// validIdPName: the path segment of a provider (lower-case letters, digits
// and '-', 1 to 64).
func validIdPName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// federatedStart is where a button sends the browser.
func federatedStart(idp, ret string) string {
	u := "/login/federated/" + idp
	if ret != "" {
		u += "?return=" + url.QueryEscape(ret)
	}
	return u
}

// buttons lists the providers for the login page; an error leaves the
// page without buttons (the reason in the log).
func (h *Handler) buttons(ctx context.Context, ret string) []providerButton {
	if h.fed == nil {
		return nil
	}
	ps, err := h.fed.Providers(ctx)
	if err != nil {
		h.log.ErrorContext(ctx, "web: listing identity providers", "err", err)
		return nil
	}
	var bs []providerButton
	for _, p := range ps {
		label := p.DisplayName
		if label == "" {
			label = p.Name
		}
		bs = append(bs, providerButton{Name: p.Name, Label: label, Href: federatedStart(p.Name, ret)})
	}
	return bs
}

// hintedProvider returns the provider a login should go straight to: the
// idp_hint of the login page or of the flow it returns to, else the
// provider whose Domains hold the domain of an e-mail-shaped login_hint.
// "" when there is none or it names no known provider.
func (h *Handler) hintedProvider(ctx context.Context, r *http.Request, ret string) string {
	if h.fed == nil {
		return ""
	}
	q := r.URL.Query()
	if ret != "" {
		if u, err := url.Parse(ret); err == nil {
			rq := u.Query()
			for _, k := range []string{"idp_hint", "login_hint"} {
				if q.Get(k) == "" {
					q.Set(k, rq.Get(k))
				}
			}
		}
	}
	idpHint, loginHint := q.Get("idp_hint"), q.Get("login_hint")
	if idpHint == "" && !strings.Contains(loginHint, "@") {
		return ""
	}
	ps, err := h.fed.Providers(ctx)
	if err != nil {
		h.log.ErrorContext(ctx, "web: listing identity providers", "err", err)
		return ""
	}
	_, domain, _ := strings.Cut(loginHint, "@")
	domain = strings.ToLower(domain)
	for _, p := range ps {
		if idpHint != "" && p.Name == idpHint {
			return p.Name
		}
	}
	for _, p := range ps {
		for _, d := range p.Domains {
			if idpHint == "" && domain != "" && strings.EqualFold(d, domain) {
				return p.Name
			}
		}
	}
	return ""
}

// federatedBegin serves GET /login/federated/{idp}: a fresh upstream login
// bound to this browser's session, then off to the provider. Nothing here
// signs anyone in, so a GET is safe: the callback is what must come from
// the browser that started it.
func (h *Handler) federatedBegin(w http.ResponseWriter, r *http.Request) {
	idp := r.PathValue("idp")
	if h.fed == nil || !validIdPName(idp) {
		h.noSuchProvider(w, r)
		return
	}
	s, err := h.ensureSession(w, r)
	if err != nil {
		h.internalError(w, r, err)
		return
	}
	ret := safeReturn(r.URL.Query().Get("return"))
	to, err := h.fed.Begin(r.Context(), idp, s.ID, ret)
	switch {
	case errors.Is(err, signet.ErrNotFound):
		h.noSuchProvider(w, r)
		return
	case err != nil:
		h.internalError(w, r, err)
		return
	}
	w.Header().Set("Location", to)
	w.WriteHeader(http.StatusFound)
}

// federatedCallback serves GET /login/federated/{idp}/callback. Every
// refusal (a state of another browser, a replayed state, a bad ID token, a
// disabled user) gets one generic page; the reason goes to the log
// (catalogue FD-01, FD-02).
func (h *Handler) federatedCallback(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	idp := r.PathValue("idp")
	if h.fed == nil || !validIdPName(idp) {
		h.noSuchProvider(w, r)
		return
	}
	s, err := h.session(r)
	if err != nil {
		h.internalError(w, r, err)
		return
	}
	if s == nil {
		h.log.InfoContext(ctx, "web: upstream login refused", "idp", idp, "err", "callback without a browser session")
		h.federatedFailed(w, r)
		return
	}
	u, amr, ret, err := h.fed.Complete(ctx, idp, r.URL.Query(), s.ID)
	if err != nil {
		switch signet.ErrorCodeOf(err) {
		case signet.CodeInternal, signet.CodeUnavailable:
			h.internalError(w, r, err)
			return
		}
		h.log.InfoContext(ctx, "web: upstream login refused", "idp", idp, "ip", h.opts.ClientIP(r), "err", err)
		h.federatedFailed(w, r)
		return
	}
	if s.Token != "" {
		if err := h.backend.EndBrowserSession(ctx, s.Token); err != nil {
			h.log.WarnContext(ctx, "web: ending the replaced session", "err", err)
		}
	}
	if _, err := h.startFederatedSession(w, r, u, amr); err != nil {
		h.internalError(w, r, err)
		return
	}
	h.log.InfoContext(ctx, "web: signed in", "user", u.ID, "idp", idp)
	if ret = safeReturn(ret); ret == "" {
		ret = "/login"
	}
	seeOther(w, ret)
}

func (h *Handler) federatedFailed(w http.ResponseWriter, r *http.Request) {
	h.errorPage(w, r, http.StatusBadRequest, "Sign-in failed",
		"The sign-in with your identity provider could not be completed. Go back and try again.")
}

// startFederatedSession is startSession for an upstream login: a fresh
// session id (WB-10) and a server-side record with the provider's amr.
func (h *Handler) startFederatedSession(w http.ResponseWriter, r *http.Request, u signet.User, amr []string) (*browserSession, error) {
	id, err := h.newID()
	if err != nil {
		return nil, err
	}
	token, rec, err := h.backend.StartBrowserSession(r.Context(), u.ID, amr, h.opts.ClientIP(r), r.UserAgent())
	if err != nil {
		return nil, err
	}
	s := &browserSession{ID: id, Token: token, Expires: rec.ExpiresAt,
		UserID: u.ID, AuthTime: rec.AuthTime, record: rec, user: u}
	v, err := h.seal(s, adSession)
	if err != nil {
		return nil, err
	}
	http.SetCookie(w, h.cookie(v, int(s.Expires.Sub(h.clock.Now())/time.Second)))
	return s, nil
}

// noSuchProvider answers a login at a provider nobody configured: 400, as
// for any bad parameter of a login (the route exists; the name does not).
func (h *Handler) noSuchProvider(w http.ResponseWriter, r *http.Request) {
	h.errorPage(w, r, http.StatusBadRequest, "No such sign-in option", "There is no such sign-in option.")
}
