package web

import (
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/secret"
)

// The device pages (RFC 8628 §3.3):
//
//	GET  /device             (after sign-in) form to type the user code (?user_code= prefills it;
//	                         nothing is looked up)
//	POST /device             (signed in) looks the code up, counting misses per address, browser
//	                         session and account (DV-07, AB-01), and sends the browser to
//	GET  /device/confirm?t=  (signed in) shows the code, the client and the scopes, with
//	POST /device/decision    Approve / Deny, bound to the browser session (WB-05)
//
// No GET ever approves (catalogue DV-09). The ticket t is the user code
// sealed with a short expiry, so that the confirm page, being a GET, cannot
// be used to guess codes past the limiter. No code is looked up for an
// anonymous browser, so guessing needs an account, and every miss is
// charged to that account (see devicebudget.go).

type deviceTicket struct {
	UserCode string    `json:"uc"`
	Expires  time.Time `json:"exp"`
}

type deviceFormView struct {
	common
	FormCSRF string
	UserCode string
	Error    string
}

// maxTypedCode bounds what we echo back into the form.
const maxTypedCode = 64

// deviceForm serves GET /device.
func (h *Handler) deviceForm(w http.ResponseWriter, r *http.Request) {
	s, err := h.ensureSession(w, r)
	if err != nil {
		h.internalError(w, r, err)
		return
	}
	code := r.URL.Query().Get("user_code")
	if len(code) > maxTypedCode {
		code = ""
	}
	if !s.signedIn() {
		h.signInFirst(w, code)
		return
	}
	h.render(w, r, http.StatusOK, "device", deviceFormView{common: h.common("Connect a device", s), FormCSRF: csrfToken(s), UserCode: code})
}

// deviceLookup serves POST /device.
func (h *Handler) deviceLookup(w http.ResponseWriter, r *http.Request, s *browserSession) {
	ctx := r.Context()
	typed := r.PostForm.Get("user_code")
	if !s.signedIn() {
		// Nothing is looked up and nothing counted for an anonymous
		// browser (catalogue AB-01): sign in, then the code is asked again.
		h.signInFirst(w, typed)
		return
	}
	budgets := h.deviceBudgets(r, s)
	if h.overBudget(w, r, budgets, "user code") {
		return
	}
	code := secret.NormalizeUserCode(typed)
	var d signet.DeviceAuthorization
	var err error
	if code != "" {
		d, err = h.backend.LookupUserCode(ctx, code)
	}
	if code == "" || signet.ErrorCodeOf(err) == signet.CodeNotFound {
		if err := h.fail(ctx, budgets); err != nil {
			h.internalError(w, r, err)
			return
		}
		h.countDeploymentMiss(ctx)
		if len(typed) > maxTypedCode {
			typed = ""
		}
		h.render(w, r, http.StatusBadRequest, "device", deviceFormView{
			common: h.common("Connect a device", s), FormCSRF: csrfToken(s), UserCode: typed,
			Error: "That code was not recognised. Check the code shown on your device and try again.",
		})
		return
	}
	if h.deviceState(w, r, d, err, false) {
		return
	}
	t, err := h.seal(deviceTicket{UserCode: code, Expires: h.clock.Now().Add(flowLifetime)}, adTicket)
	if err != nil {
		h.internalError(w, r, err)
		return
	}
	seeOther(w, "/device/confirm?t="+url.QueryEscape(t))
}

// deviceState renders the page for an authorization that cannot be decided
// (expired, already decided, a lookup error) and reports whether it did.
// decided says the user just tried to decide it.
func (h *Handler) deviceState(w http.ResponseWriter, r *http.Request, d signet.DeviceAuthorization, err error, decided bool) bool {
	code := signet.ErrorCodeOf(err)
	expired := code == signet.CodeExpiredToken || code == signet.CodeNotFound ||
		d.Status == signet.DevicePending && !h.clock.Now().Before(d.ExpiresAt)
	switch {
	case expired:
		// Catalogue DV-03: an expired code can no longer be approved.
		h.deviceResult(w, r, http.StatusBadRequest, "Code expired",
			"This code has expired and can no longer be approved. Start the sign-in again on your device to get a new code.")
		return true
	case d.Status == signet.DevicePending && err == nil:
		return false
	case d.Status != signet.DeviceDenied && d.Status != signet.DeviceApproved && d.Status != signet.DeviceRedeemed:
		if err == nil {
			err = errors.New("web: device authorization in an unexpected state")
		}
		h.internalError(w, r, err)
		return true
	}
	// A terminal state is final (catalogue DV-04): say what it is, whatever
	// was asked for.
	already := err != nil || !decided
	switch d.Status {
	case signet.DeviceDenied:
		msg := "You denied this request. Nothing was shared with the device."
		if already {
			msg = "This request was already denied, and a denied request cannot be approved. Start the sign-in again on your device if you want to connect it."
		}
		h.deviceResult(w, r, http.StatusOK, "Request denied", msg)
	case signet.DeviceApproved:
		msg := "Your device is now connected. Return to it to finish; you can close this page."
		if already {
			msg = "This request was already approved. Return to your device to finish."
		}
		h.deviceResult(w, r, http.StatusOK, "Device approved", msg)
	default:
		h.deviceResult(w, r, http.StatusOK, "Code already used", "This code has already been used. Start the sign-in again on your device if you need a new code.")
	}
	return true
}

func (h *Handler) deviceResult(w http.ResponseWriter, r *http.Request, status int, title, msg string) {
	h.render(w, r, status, "error", errorView{common: common{Title: title}, Message: msg, LinkHref: "/device", LinkText: "Enter another code"})
}

type deviceConfirmView struct {
	common
	FormCSRF   string
	UserCode   string
	ClientName string
	Unverified bool
	UserName   string
	Scopes     []string
	Flow       string
}

// deviceConfirm serves GET /device/confirm: it shows what would be approved
// and asks; it never approves (catalogue DV-09).
func (h *Handler) deviceConfirm(w http.ResponseWriter, r *http.Request) {
	var t deviceTicket
	if !h.open(r.URL.Query().Get("t"), adTicket, &t) || !h.clock.Now().Before(t.Expires) {
		h.deviceResult(w, r, http.StatusBadRequest, "Link expired", "This link has expired. Enter the code shown on your device again.")
		return
	}
	s, err := h.ensureSession(w, r)
	if err != nil {
		h.internalError(w, r, err)
		return
	}
	if !s.signedIn() {
		seeOther(w, "/login?return="+url.QueryEscape(r.URL.Path+"?"+r.URL.RawQuery))
		return
	}
	ctx := r.Context()
	d, err := h.backend.LookupUserCode(ctx, t.UserCode)
	if h.deviceState(w, r, d, err, false) {
		return
	}
	c, err := h.backend.Client(ctx, d.ClientID)
	if err != nil {
		h.internalError(w, r, err)
		return
	}
	flow, err := h.seal(flowState{SessionID: s.ID, UserID: s.UserID, Expires: h.clock.Now().Add(flowLifetime), UserCode: t.UserCode}, adFlow)
	if err != nil {
		h.internalError(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "device_confirm", deviceConfirmView{
		common:     h.common("Connect a device?", s),
		FormCSRF:   csrfToken(s),
		UserCode:   displayUserCode(t.UserCode),
		ClientName: c.Name,
		Unverified: c.Dynamic,
		UserName:   s.user.Name,
		Scopes:     d.Scopes,
		Flow:       flow,
	})
}

// displayUserCode writes a normalised code as XXXXX-XXXXX, as devices show it.
func displayUserCode(c string) string {
	if len(c) != secret.UserCodeLength {
		return c
	}
	return c[:secret.UserCodeLength/2] + "-" + c[secret.UserCodeLength/2:]
}

// deviceDecision serves POST /device/decision.
func (h *Handler) deviceDecision(w http.ResponseWriter, r *http.Request, s *browserSession) {
	f, ok := h.openFlow(r, s)
	if !ok || f.UserCode == "" {
		h.staleFlow(w, r)
		return
	}
	var approve bool
	switch r.PostForm.Get("decision") {
	case "approve":
		approve = true
	case "deny":
	default:
		h.errorPage(w, r, http.StatusBadRequest, "Choose Approve or Deny", "The form was sent without a decision. Go back and choose Approve or Deny.")
		return
	}
	if approve {
		// The engine checks the session's factors once more (MF-03).
		if err := h.approvalAllowed(r.Context(), s.UserID, s.record.AMR); err != nil {
			h.refuseUnverified(w, r, err)
			return
		}
	}
	d, err := h.backend.DecideDevice(r.Context(), f.UserCode, approve, s.UserID, s.AuthTime)
	h.log.InfoContext(r.Context(), "web: device decision", "user", s.UserID, "approve", approve, "status", d.Status, "err", err)
	if !h.deviceState(w, r, d, err, true) {
		// Still pending after a decision: the engine did not do what it
		// was asked; say nothing was decided.
		h.internalError(w, r, errors.New("web: device authorization still pending after decision"))
	}
}
