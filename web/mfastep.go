package web

import (
	"net/http"
	"strings"

	"github.com/signet-auth/signet"
)

// The second step of a sign-in: an authenticator code or a recovery code,
// after the password (catalogue MF-01, MF-04).

type mfaVerifyView struct {
	common
	FormCSRF string
	Return   string
	UserName string
	Error    string
	Recovery bool // the recovery-code form is the one shown
	Passkey  bool // the user has a passkey to use instead
}

// mfaBudgets are the failure budgets of the second step: per address and
// account with backoff, as the password's (RL-04), and per account from
// anywhere, without backoff, so that someone who has the password cannot
// spread guesses over many addresses (MF-01).
func (h *Handler) mfaBudgets(r *http.Request, userID string) []budget {
	l := h.opts.Limits.LoginAccount
	return []budget{
		{"mfa:account:" + h.opts.ClientIP(r) + "|" + userID, l, true},
		{"mfa:user:" + userID, Limit{Max: 4 * l.Max, Window: l.Window}, false},
	}
}

// mfaForm serves GET /login/mfa.
func (h *Handler) mfaForm(w http.ResponseWriter, r *http.Request) {
	s, err := h.session(r)
	if err != nil {
		h.internalError(w, r, err)
		return
	}
	ret := safeReturn(r.URL.Query().Get("return"))
	switch {
	case s.signedIn():
		seeOther(w, orDefault(ret, "/mfa"))
		return
	case s == nil || s.pending == nil:
		seeOther(w, "/login")
		return
	case s.pending.state.Step == MFAEnrol:
		seeOther(w, secondStepURL(s, ret))
		return
	}
	h.allowScript(w)
	h.render(w, r, http.StatusOK, "mfa_verify", mfaVerifyView{common: common{Title: "Two-step verification"},
		FormCSRF: csrfToken(s), Return: ret, UserName: s.pending.user.Name, Recovery: r.URL.Query().Get("use") == "recovery",
		Passkey: h.passkeysOn() && len(s.pending.state.Passkeys) > 0})
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// mfaVerify serves POST /login/mfa: a code from the app (code) or a
// recovery code (recovery).
func (h *Handler) mfaVerify(w http.ResponseWriter, r *http.Request, s *browserSession) {
	ctx := r.Context()
	ret := safeReturn(r.PostForm.Get("return"))
	if s.signedIn() {
		seeOther(w, orDefault(ret, "/mfa"))
		return
	}
	if s.pending == nil || s.pending.state.Step != MFAVerify {
		seeOther(w, "/login")
		return
	}
	u := s.pending.user
	budgets := h.mfaBudgets(r, u.ID)
	if h.overBudget(w, r, budgets, "second factor") {
		return
	}
	code, recovery := strings.TrimSpace(r.PostForm.Get("code")), r.PostForm.Get("recovery")
	var err error
	if recovery != "" {
		_, err = h.mfa.UseRecoveryCode(ctx, s.Token, recovery)
	} else {
		_, err = h.mfa.VerifyTOTP(ctx, s.Token, code)
	}
	switch signet.ErrorCodeOf(err) {
	case "":
	case signet.CodeInternal, signet.CodeUnavailable:
		h.internalError(w, r, err)
		return
	case signet.CodeExpiredToken:
		seeOther(w, "/login")
		return
	default:
		h.log.InfoContext(ctx, "web: second factor refused", "user", u.ID, "ip", h.opts.ClientIP(r), "err", err)
		if err := h.fail(ctx, budgets); err != nil {
			h.internalError(w, r, err)
			return
		}
		h.render(w, r, http.StatusBadRequest, "mfa_verify", mfaVerifyView{common: common{Title: "Two-step verification"},
			FormCSRF: csrfToken(s), Return: ret, UserName: u.Name, Recovery: recovery != "",
			Error: "That code is incorrect or was already used. Try the next code your app shows."})
		return
	}
	if err := h.forget(ctx, budgets[:1]); err != nil {
		h.log.WarnContext(ctx, "web: limiter reset", "err", err)
	}
	// The audit record of a completed second step belongs here.
	h.log.InfoContext(ctx, "web: signed in with a second factor", "user", u.ID, "recovery", recovery != "")
	seeOther(w, orDefault(ret, "/login"))
}
