package web

import (
	"context"
	"errors"
	"net/http"

	"github.com/signet-auth/signet"
)

// SAMLFederation is what the pages need for SAML 2.0 providers, besides
// Federation (which starts their logins like any other provider's).
// Defined here, by its consumer; FederationBackend implements it.
type SAMLFederation interface {
	// SAMLMetadata is signet's SP metadata for provider idp;
	// signet.ErrNotFound if there is no such SAML provider.
	SAMLMetadata(ctx context.Context, idp string) ([]byte, error)
	// CompleteSAML checks a response posted to the ACS of provider idp for
	// the browser holding binding ("" for none) and returns the signed-in
	// user, the amr to record and where the login continues.
	CompleteSAML(ctx context.Context, idp, samlResponse, relayState, binding string) (u signet.User, amr []string, ret string, err error)
}

// maxACSBody bounds what the ACS reads. The server's limit on every
// request body (httpserver.DefaultMaxBodyBytes, 64 KiB) is the lower one
// today; this one holds if that is ever raised.
const maxACSBody = 384 << 10

// samlMetadata serves GET /login/federated/{idp}/saml/metadata: what an
// IdP administrator uploads (entity id, ACS URL, NameID format).
func (h *Handler) samlMetadata(w http.ResponseWriter, r *http.Request) {
	sf, ok := h.fed.(SAMLFederation)
	idp := r.PathValue("idp")
	if !ok || !validIdPName(idp) {
		h.noSuchProvider(w, r)
		return
	}
	b, err := sf.SAMLMetadata(r.Context(), idp)
	switch {
	case errors.Is(err, signet.ErrNotFound):
		h.noSuchProvider(w, r)
		return
	case err != nil:
		h.internalError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/samlmetadata+xml")
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write(b)
}

type samlPostView struct {
	common
	Action, SAMLResponse, RelayState string
}

// samlACS serves POST /login/federated/{idp}/saml/acs (HTTP-POST binding).
// The IdP's page posts here from another site, so the browser leaves out
// the SameSite=Lax session cookie the login is bound to: the first post
// answers with a page of ours that posts the same form again, this time
// from this site, with the cookie. No form here needs the CSRF token: the
// login is bound to the browser by its RelayState (catalogue FD-02), and a
// response is taken once (FD-04).
func (h *Handler) samlACS(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	sf, ok := h.fed.(SAMLFederation)
	idp := r.PathValue("idp")
	if !ok || !validIdPName(idp) {
		h.noSuchProvider(w, r)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxACSBody)
	if err := r.ParseForm(); err != nil {
		h.log.InfoContext(ctx, "web: upstream login refused", "idp", idp, "err", err)
		h.federatedFailed(w, r)
		return
	}
	resp, relay := r.PostForm.Get("SAMLResponse"), r.PostForm.Get("RelayState")
	s, err := h.session(r)
	if err != nil {
		h.internalError(w, r, err)
		return
	}
	if s == nil && r.PostForm.Get("continue") == "" {
		h.log.InfoContext(ctx, "web: SAML response without the session cookie, posted again from this site", "idp", idp)
		w.Header().Set("Content-Security-Policy", csp+"; script-src 'self'")
		h.render(w, r, http.StatusOK, "samlpost", samlPostView{common: common{Title: "Signing in"},
			Action: r.URL.Path, SAMLResponse: resp, RelayState: relay})
		return
	}
	binding := ""
	if s != nil {
		binding = s.ID
	}
	u, amr, ret, err := sf.CompleteSAML(ctx, idp, resp, relay, binding)
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
	if s != nil && s.Token != "" {
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
