package web

import (
	"net/http"
	"net/url"
	"time"

	"github.com/signet-auth/signet"
)

// Recovery codes and removal on the security page (catalogue MF-04).

// adoptSession puts the browser on the session the engine started after a
// factor change (every other one ended), under a fresh id, and returns it.
func (h *Handler) adoptSession(w http.ResponseWriter, r *http.Request, token string) (*browserSession, error) {
	id, err := h.newID()
	if err != nil {
		return nil, err
	}
	s := &browserSession{ID: id, Token: token}
	rec, u, err := h.backend.BrowserSession(r.Context(), token)
	if err != nil {
		return nil, err
	}
	s.Expires = rec.ExpiresAt
	s.UserID, s.AuthTime, s.record, s.user = u.ID, rec.AuthTime, rec, u
	if err := h.checkSecondStep(r.Context(), s); err != nil {
		return nil, err
	}
	v, err := h.seal(s, adSession)
	if err != nil {
		return nil, err
	}
	http.SetCookie(w, h.cookie(v, int(s.Expires.Sub(h.clock.Now())/time.Second)))
	return s, nil
}

// showNewRecoveryCodes makes ten new recovery codes with the session of
// token and shows them, this one time.
func (h *Handler) showNewRecoveryCodes(w http.ResponseWriter, r *http.Request, token string, u signet.User, ret, notice string) {
	codes, next, _, err := h.mfa.RegenerateRecoveryCodes(r.Context(), token)
	if err != nil {
		h.internalError(w, r, err)
		return
	}
	s, err := h.adoptSession(w, r, next)
	if err != nil {
		h.internalError(w, r, err)
		return
	}
	// The audit record of new recovery codes belongs here.
	h.log.InfoContext(r.Context(), "web: recovery codes made; other sessions ended", "user", u.ID)
	v, err := h.mfaView(r, s, u, false, ret)
	if err != nil {
		h.internalError(w, r, err)
		return
	}
	v.Title, v.Notice, v.RecoveryCode = "Save your recovery codes", notice, codes
	h.render(w, r, http.StatusOK, "mfa_codes", v)
}

// mfaRecovery serves POST /mfa/recovery: new recovery codes replace the
// old ones.
func (h *Handler) mfaRecovery(w http.ResponseWriter, r *http.Request, s *browserSession) {
	if !s.signedIn() {
		h.mfaSession(w, r, s)
		return
	}
	if h.clock.Now().Sub(s.record.AuthTime) > reauthWindow {
		seeOther(w, "/login?force=1&return="+url.QueryEscape("/mfa"))
		return
	}
	h.showNewRecoveryCodes(w, r, s.Token, s.user, "", "Your old recovery codes no longer work.")
}

// mfaRemove serves POST /mfa/remove: the authenticator and the recovery
// codes go; under a required policy the next sign-in enrols again.
func (h *Handler) mfaRemove(w http.ResponseWriter, r *http.Request, s *browserSession) {
	ctx := r.Context()
	if !s.signedIn() {
		h.mfaSession(w, r, s)
		return
	}
	if h.clock.Now().Sub(s.record.AuthTime) > reauthWindow {
		seeOther(w, "/login?force=1&return="+url.QueryEscape("/mfa"))
		return
	}
	token, _, err := h.mfa.RemoveSecondFactors(ctx, s.Token)
	switch signet.ErrorCodeOf(err) {
	case "":
	case signet.CodeAccessDenied:
		seeOther(w, "/login?force=1&return="+url.QueryEscape("/mfa"))
		return
	default:
		h.internalError(w, r, err)
		return
	}
	if _, err := h.adoptSession(w, r, token); err != nil {
		h.internalError(w, r, err)
		return
	}
	// The audit record of a removal belongs here.
	h.log.InfoContext(ctx, "web: second factors removed; other sessions ended", "user", s.UserID)
	seeOther(w, "/mfa?done=removed")
}
