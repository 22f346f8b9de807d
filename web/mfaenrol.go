package web

import (
	"bytes"
	"encoding/base64"
	"image/png"
	"net/http"
	"net/url"
	"time"

	"github.com/pquerna/otp"

	"github.com/signet-auth/signet"
)

// The security page (/mfa): enrol an authenticator app, make new recovery
// codes, remove the factors. Every change needs a sign-in within the last
// five minutes, with the second factor if the user has one (catalogue
// MF-04); the engine enforces it, and the page sends an older sign-in to
// the login form first. A session the policy forces to enrol comes here
// straight from the password.

// adTOTP seals an enrolment in progress to the browser session it began
// in: the secret never reaches another browser's form.
const adTOTP = "signet web totp enrolment v1"

// totpState is the enrolment in progress, sealed into the form and the QR
// code's URL.
type totpState struct {
	Secret string    `json:"s"`
	URL    string    `json:"u"`
	Exp    time.Time `json:"e"`
}

type mfaView struct {
	common
	FormCSRF     string
	Return       string
	UserName     string
	Forced       bool // the policy requires a factor and there is none
	State        MFAState
	Stale        bool   // the sign-in is too old to change factors
	ReauthURL    string // where a fresh sign-in starts
	Notice       string
	Error        string
	TOTPSealed   string // an enrolment in progress
	QRURL        string
	Secret       string
	RecoveryCode []string // shown once
	PasskeysOn   bool
	Passkeys     []passkeyView
}

type passkeyView struct {
	ID, Name, Added, LastUsed string
}

// mfaSession returns the session that may use the security page: signed
// in, or waiting to enrol; nil after it has redirected.
func (h *Handler) mfaSession(w http.ResponseWriter, r *http.Request, s *browserSession) (*browserSession, signet.User, bool) {
	switch {
	case s.signedIn():
		return s, s.user, false
	case s != nil && s.pending != nil && s.pending.state.Step == MFAEnrol:
		return s, s.pending.user, true
	case s != nil && s.pending != nil:
		seeOther(w, secondStepURL(s, "/mfa"))
	default:
		seeOther(w, "/login?return=%2Fmfa")
	}
	return nil, signet.User{}, false
}

func (h *Handler) record(s *browserSession) signet.BrowserSession {
	if s.pending != nil {
		return s.pending.record
	}
	return s.record
}

// mfaView builds the page's data for s.
func (h *Handler) mfaView(r *http.Request, s *browserSession, u signet.User, forced bool, ret string) (mfaView, error) {
	// No AMR: the whole status, whatever the session did.
	st, err := h.mfa.SecondStep(r.Context(), u, nil)
	if err != nil {
		return mfaView{}, err
	}
	title := "Security"
	if forced {
		title = "Set up two-step verification"
	}
	v := mfaView{common: common{Title: title}, FormCSRF: csrfToken(s), Return: ret, UserName: u.Name,
		Forced: forced, State: st, Stale: h.clock.Now().Sub(h.record(s).AuthTime) > reauthWindow}
	if s.signedIn() {
		v.common = h.common(title, s)
	}
	v.ReauthURL = "/login?force=1&return=" + url.QueryEscape("/mfa")
	v.PasskeysOn = h.passkeysOn()
	for _, p := range st.Passkeys {
		pv := passkeyView{ID: base64.RawURLEncoding.EncodeToString(p.ID), Name: p.Name, Added: p.CreatedAt.Format("2 Jan 2006")}
		if !p.LastUsed.IsZero() {
			pv.LastUsed = p.LastUsed.Format("2 Jan 2006")
		}
		v.Passkeys = append(v.Passkeys, pv)
	}
	return v, nil
}

// mfaPage serves GET /mfa.
func (h *Handler) mfaPage(w http.ResponseWriter, r *http.Request) {
	s, err := h.session(r)
	if err != nil {
		h.internalError(w, r, err)
		return
	}
	s, u, forced := h.mfaSession(w, r, s)
	if s == nil {
		return
	}
	v, err := h.mfaView(r, s, u, forced, safeReturn(r.URL.Query().Get("return")))
	if err != nil {
		h.internalError(w, r, err)
		return
	}
	switch r.URL.Query().Get("done") {
	case "removed":
		v.Notice = "Two-step verification is off for your account. Your other sessions were signed out."
	case "passkey":
		v.Notice = "Your passkey is added. Your other sessions were signed out."
	case "passkey-removed":
		v.Notice = "The passkey is removed. Your other sessions were signed out."
	}
	h.allowScript(w)
	h.render(w, r, http.StatusOK, "mfa", v)
}

// mfaTOTPBegin serves POST /mfa/totp: a new secret and its QR code.
func (h *Handler) mfaTOTPBegin(w http.ResponseWriter, r *http.Request, s *browserSession) {
	s, u, forced := h.mfaSession(w, r, s)
	if s == nil {
		return
	}
	v, err := h.mfaView(r, s, u, forced, safeReturn(r.PostForm.Get("return")))
	if err != nil {
		h.internalError(w, r, err)
		return
	}
	if v.Stale {
		seeOther(w, v.ReauthURL)
		return
	}
	secret, u2, _, err := h.mfa.BeginTOTP(u)
	if err != nil {
		h.internalError(w, r, err)
		return
	}
	sealed, err := h.seal(totpState{Secret: secret, URL: u2, Exp: h.clock.Now().Add(flowLifetime)}, adTOTP+s.ID)
	if err != nil {
		h.internalError(w, r, err)
		return
	}
	v.TOTPSealed, v.Secret = sealed, secret
	v.QRURL = "/mfa/totp/qr?e=" + url.QueryEscape(sealed)
	h.render(w, r, http.StatusOK, "mfa_totp", v)
}

// openTOTP opens an enrolment sealed in this browser session.
func (h *Handler) openTOTP(s *browserSession, sealed string) (totpState, bool) {
	var st totpState
	if !h.open(sealed, adTOTP+s.ID, &st) || !h.clock.Now().Before(st.Exp) {
		return totpState{}, false
	}
	return st, true
}

// mfaTOTPQR serves GET /mfa/totp/qr: the QR code of an enrolment in
// progress, a PNG from our own origin (the CSP's img-src 'self').
func (h *Handler) mfaTOTPQR(w http.ResponseWriter, r *http.Request) {
	s, err := h.session(r)
	if err != nil {
		h.internalError(w, r, err)
		return
	}
	var st totpState
	ok := s != nil
	if ok {
		st, ok = h.openTOTP(s, r.URL.Query().Get("e"))
	}
	if !ok {
		h.errorPage(w, r, http.StatusBadRequest, "QR code expired", "Start setting up your authenticator app again.")
		return
	}
	key, err := otp.NewKeyFromURL(st.URL)
	if err != nil {
		h.internalError(w, r, err)
		return
	}
	img, err := key.Image(240, 240)
	if err != nil {
		h.internalError(w, r, err)
		return
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		h.internalError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	_, _ = w.Write(buf.Bytes())
}

// mfaTOTPConfirm serves POST /mfa/totp/confirm: the first code enrols the
// app; ten recovery codes follow at once, shown this one time.
func (h *Handler) mfaTOTPConfirm(w http.ResponseWriter, r *http.Request, s *browserSession) {
	ctx := r.Context()
	s, u, forced := h.mfaSession(w, r, s)
	if s == nil {
		return
	}
	ret := safeReturn(r.PostForm.Get("return"))
	st, ok := h.openTOTP(s, r.PostForm.Get("e"))
	if !ok {
		h.staleFlow(w, r)
		return
	}
	budgets := h.mfaBudgets(r, u.ID)
	if h.overBudget(w, r, budgets, "authenticator enrolment") {
		return
	}
	token, _, err := h.mfa.ConfirmTOTP(ctx, s.Token, st.Secret, r.PostForm.Get("code"))
	switch signet.ErrorCodeOf(err) {
	case "":
	case signet.CodeInternal, signet.CodeUnavailable:
		h.internalError(w, r, err)
		return
	case signet.CodeAccessDenied:
		seeOther(w, "/login?force=1&return="+url.QueryEscape("/mfa"))
		return
	default:
		if err := h.fail(ctx, budgets); err != nil {
			h.internalError(w, r, err)
			return
		}
		v, verr := h.mfaView(r, s, u, forced, ret)
		if verr != nil {
			h.internalError(w, r, verr)
			return
		}
		v.TOTPSealed, v.Secret = r.PostForm.Get("e"), st.Secret
		v.QRURL = "/mfa/totp/qr?e=" + url.QueryEscape(v.TOTPSealed)
		v.Error = "That code did not match. Check the app shows signet for " + u.Name + " and enter its current code."
		h.render(w, r, http.StatusBadRequest, "mfa_totp", v)
		return
	}
	// The audit record of an enrolment belongs here.
	h.log.InfoContext(ctx, "web: authenticator enrolled; other sessions ended", "user", u.ID)
	h.showNewRecoveryCodes(w, r, token, u, ret, "Your authenticator app is set up.")
}
