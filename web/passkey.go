package web

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"time"

	"github.com/signet-auth/signet"
)

// Passkeys at the pages (catalogue MF-02): a small first-party script
// (static/webauthn.js) runs the browser's side of each ceremony; these
// endpoints hand it the options and take its answer. A ceremony's state is
// sealed to this browser's session and comes back once; the engine spends
// its challenge. The pages that load the script get a CSP that allows our
// own scripts and fetches, and nothing else.

// adPasskey seals a ceremony's state to the browser session it began in.
const adPasskey = "signet web passkey v1"

// cspScript is csp plus our own script and its same-origin fetches.
const cspScript = csp + "; script-src 'self'; connect-src 'self'"

// maxCredential bounds an authenticator's answer.
const maxCredential = 16 << 10

type passkeyState struct {
	State []byte    `json:"s"`
	Exp   time.Time `json:"e"`
}

// passkeysOn reports whether passkeys are served.
func (h *Handler) passkeysOn() bool { return h.mfa != nil && h.mfa.PasskeysEnabled() }

// allowScript lets the page being served load static/webauthn.js.
func (h *Handler) allowScript(w http.ResponseWriter) {
	if h.passkeysOn() {
		w.Header().Set("Content-Security-Policy", cspScript)
	}
}

func (h *Handler) writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// passkeyError answers a refused ceremony: the engine's own words for a
// refusal, nothing for a failure.
func (h *Handler) passkeyError(w http.ResponseWriter, r *http.Request, err error) {
	switch signet.ErrorCodeOf(err) {
	case signet.CodeInternal, signet.CodeUnavailable:
		h.log.ErrorContext(r.Context(), "web: passkey", "err", err)
		h.writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "Something went wrong. Try again later."})
		return
	}
	h.log.InfoContext(r.Context(), "web: passkey refused", "ip", h.opts.ClientIP(r), "err", err)
	h.writeJSON(w, http.StatusBadRequest, map[string]string{"error": signet.AsError(err).Message})
}

// passkeyStart answers the options of a ceremony with its sealed state.
func (h *Handler) passkeyStart(w http.ResponseWriter, r *http.Request, s *browserSession, options, state []byte, err error) {
	if err != nil {
		h.passkeyError(w, r, err)
		return
	}
	sealed, err := h.seal(passkeyState{State: state, Exp: h.clock.Now().Add(flowLifetime)}, adPasskey+s.ID)
	if err != nil {
		h.passkeyError(w, r, signet.Internal(err))
		return
	}
	h.writeJSON(w, http.StatusOK, map[string]any{"options": json.RawMessage(options), "state": sealed})
}

// passkeyAnswer opens the state and reads the authenticator's answer.
func (h *Handler) passkeyAnswer(r *http.Request, s *browserSession) ([]byte, []byte, bool) {
	var st passkeyState
	cred := r.PostForm.Get("credential")
	if !h.open(r.PostForm.Get("state"), adPasskey+s.ID, &st) || !h.clock.Now().Before(st.Exp) || cred == "" || len(cred) > maxCredential {
		return nil, nil, false
	}
	return st.State, []byte(cred), true
}

var errStaleCeremony = &signet.Error{Code: signet.CodeInvalidGrant, Message: "This request has expired. Reload the page and try again."}

// passkeyRegisterOptions serves POST /mfa/passkey/options.
func (h *Handler) passkeyRegisterOptions(w http.ResponseWriter, r *http.Request, s *browserSession) {
	if !s.signedIn() && (s.pending == nil || s.pending.state.Step != MFAEnrol) {
		h.passkeyError(w, r, errStaleCeremony)
		return
	}
	o, st, err := h.mfa.BeginPasskeyRegistration(r.Context(), s.Token)
	h.passkeyStart(w, r, s, o, st, err)
}

// passkeyRegister serves POST /mfa/passkey.
func (h *Handler) passkeyRegister(w http.ResponseWriter, r *http.Request, s *browserSession) {
	state, cred, ok := h.passkeyAnswer(r, s)
	if !ok || (!s.signedIn() && s.pending == nil) {
		h.passkeyError(w, r, errStaleCeremony)
		return
	}
	token, _, err := h.mfa.FinishPasskeyRegistration(r.Context(), s.Token, state, cred, r.PostForm.Get("name"))
	if err != nil {
		h.passkeyError(w, r, err)
		return
	}
	if _, err := h.adoptSession(w, r, token); err != nil {
		h.passkeyError(w, r, signet.Internal(err))
		return
	}
	// The audit record of a new passkey belongs here.
	h.log.InfoContext(r.Context(), "web: passkey added; other sessions ended")
	next := "/mfa?done=passkey"
	if ret := safeReturn(r.PostForm.Get("return")); ret != "" {
		next += "&return=" + ret
	}
	h.writeJSON(w, http.StatusOK, map[string]string{"next": next})
}

// passkeyLoginOptions serves POST /login/passkey/options: the second step
// of a session waiting for it, else a sign-in with a passkey alone.
func (h *Handler) passkeyLoginOptions(w http.ResponseWriter, r *http.Request, s *browserSession) {
	token := ""
	if s.pending != nil && s.pending.state.Step == MFAVerify {
		token = s.Token
	}
	o, st, err := h.mfa.BeginPasskeyLogin(r.Context(), token)
	h.passkeyStart(w, r, s, o, st, err)
}

// passkeyLogin serves POST /login/passkey.
func (h *Handler) passkeyLogin(w http.ResponseWriter, r *http.Request, s *browserSession) {
	ctx := r.Context()
	state, cred, ok := h.passkeyAnswer(r, s)
	if !ok {
		h.passkeyError(w, r, errStaleCeremony)
		return
	}
	ret := orDefault(safeReturn(r.PostForm.Get("return")), "/login")
	second := s.pending != nil && s.pending.state.Step == MFAVerify
	token := ""
	if second {
		token = s.Token
	}
	var budgets []budget
	if second {
		budgets = h.mfaBudgets(r, s.pending.user.ID)
	} else {
		budgets = []budget{{"login:ip:" + h.opts.ClientIP(r), h.opts.Limits.LoginIP, true}}
	}
	if wait, err := h.exhausted(ctx, budgets); err != nil || wait > 0 {
		h.writeJSON(w, http.StatusTooManyRequests, map[string]string{"error": "There were too many unsuccessful attempts. Wait a few minutes, then try again."})
		return
	}
	next, _, err := h.mfa.FinishPasskeyLogin(ctx, token, state, cred, h.opts.ClientIP(r), r.UserAgent())
	if err != nil {
		if signet.ErrorCodeOf(err) == signet.CodeInvalidGrant {
			if ferr := h.fail(ctx, budgets); ferr != nil {
				err = signet.Internal(ferr)
			}
		}
		h.passkeyError(w, r, err)
		return
	}
	if !second {
		// A sign-in with a passkey alone replaces the browser's sign-in.
		if s.Token != "" {
			if err := h.backend.EndBrowserSession(ctx, s.Token); err != nil {
				h.log.WarnContext(ctx, "web: ending the replaced session", "err", err)
			}
		}
		if _, err := h.adoptSession(w, r, next); err != nil {
			h.passkeyError(w, r, signet.Internal(err))
			return
		}
	}
	// The audit record of a passkey sign-in belongs here.
	h.log.InfoContext(ctx, "web: signed in with a passkey", "second step", second)
	h.writeJSON(w, http.StatusOK, map[string]string{"next": ret})
}

// passkeyRemove serves POST /mfa/passkey/remove.
func (h *Handler) passkeyRemove(w http.ResponseWriter, r *http.Request, s *browserSession) {
	if !s.signedIn() {
		h.mfaSession(w, r, s)
		return
	}
	id, err := base64.RawURLEncoding.DecodeString(r.PostForm.Get("id"))
	if err != nil || len(id) == 0 {
		h.errorPage(w, r, http.StatusBadRequest, "No such passkey", "Go back and choose a passkey from the list.")
		return
	}
	if h.clock.Now().Sub(s.record.AuthTime) > reauthWindow {
		seeOther(w, "/login?force=1&return=%2Fmfa")
		return
	}
	token, _, err := h.mfa.RemovePasskey(r.Context(), s.Token, id)
	switch signet.ErrorCodeOf(err) {
	case "":
	case signet.CodeAccessDenied:
		seeOther(w, "/login?force=1&return=%2Fmfa")
		return
	case signet.CodeInvalidRequest:
		h.errorPage(w, r, http.StatusBadRequest, "No such passkey", "Go back and choose a passkey from the list.")
		return
	default:
		h.internalError(w, r, err)
		return
	}
	if _, err := h.adoptSession(w, r, token); err != nil {
		h.internalError(w, r, err)
		return
	}
	// The audit record of a removed passkey belongs here.
	seeOther(w, "/mfa?done=passkey-removed")
}
