package web

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/signet-auth/signet"
)

// Second factors (catalogue MF-01…MF-04). After the password, a session
// whose user the engine's policy asks for a second factor is pending: it
// is not signed in for any page but the second step and the enrolment
// page, so every approval (consent, device, the authorize endpoints) sends
// it back here, and the approvals ask the engine once more before they
// issue anything (MF-03).

// MFABackend is what the pages need from the engine for second factors;
// EngineBackend implements it. Every refusal is an *signet.Error.
type MFABackend interface {
	// SecondStep says what a session of u with amr must still do, and
	// where u stands (with a nil amr, always in full; otherwise perhaps
	// not at all when nothing is left to do).
	SecondStep(ctx context.Context, u signet.User, amr []string) (MFAState, error)
	// CheckSecondFactor refuses (access_denied) an approval by userID from
	// a session with amr that does not satisfy the policy.
	CheckSecondFactor(ctx context.Context, userID string, amr []string) error
	// BeginTOTP draws a secret for u: base32, otpauth URL, QR code PNG.
	BeginTOTP(u signet.User) (secret, otpauthURL string, qrPNG []byte, err error)
	// ConfirmTOTP enrols secret once code matches; it returns the browser's
	// new session (every other one of the user has ended).
	ConfirmTOTP(ctx context.Context, token, secret, code string) (string, signet.BrowserSession, error)
	// VerifyTOTP and UseRecoveryCode are the second step; CodeInvalidGrant
	// for a wrong or reused code.
	VerifyTOTP(ctx context.Context, token, code string) (signet.BrowserSession, error)
	UseRecoveryCode(ctx context.Context, token, code string) (signet.BrowserSession, error)
	// RegenerateRecoveryCodes returns ten new codes, to show once, and the
	// browser's new session.
	RegenerateRecoveryCodes(ctx context.Context, token string) ([]string, string, signet.BrowserSession, error)
	// RemoveSecondFactors removes the authenticator and recovery codes.
	RemoveSecondFactors(ctx context.Context, token string) (string, signet.BrowserSession, error)

	// Passkeys (WebAuthn): options are the JSON for the browser, state
	// what the engine takes back once. A refusal is CodeInvalidGrant.
	PasskeysEnabled() bool
	BeginPasskeyRegistration(ctx context.Context, token string) (options, state []byte, err error)
	FinishPasskeyRegistration(ctx context.Context, token string, state, response []byte, name string) (string, signet.BrowserSession, error)
	// BeginPasskeyLogin: token of a session waiting for its second step,
	// or "" for a sign-in with a passkey alone.
	BeginPasskeyLogin(ctx context.Context, token string) (options, state []byte, err error)
	FinishPasskeyLogin(ctx context.Context, token string, state, response []byte, address, userAgent string) (string, signet.BrowserSession, error)
	RemovePasskey(ctx context.Context, token string, id []byte) (string, signet.BrowserSession, error)
}

// MFAStep is what a signed-in session still has to do.
type MFAStep int

// Steps.
const (
	MFADone   MFAStep = iota // nothing: the session may approve
	MFAVerify                // present an enrolled factor
	MFAEnrol                 // enrol one first
)

// MFAState is a user's standing with second factors.
type MFAState struct {
	Step         MFAStep
	Policy       signet.MFAPolicy
	TOTP         bool
	TOTPAdded    time.Time
	RecoveryLeft int
	Passkeys     []signet.Passkey
}

// reauthWindow mirrors the engine's rule for factor changes; the page uses
// it to offer a fresh sign-in before the engine would refuse.
const reauthWindow = 5 * time.Minute

// pendingMFA is a signed-in session that has not passed its second step.
type pendingMFA struct {
	user   signet.User
	record signet.BrowserSession
	state  MFAState
}

// checkSecondStep runs on every read of a signed-in session: a session the
// policy is not yet satisfied with is moved out of the signed-in state.
func (h *Handler) checkSecondStep(ctx context.Context, s *browserSession) error {
	if h.mfa == nil || !s.signedIn() {
		return nil
	}
	st, err := h.mfa.SecondStep(ctx, s.user, s.record.AMR)
	if err != nil || st.Step == MFADone {
		return err
	}
	s.pending = &pendingMFA{user: s.user, record: s.record, state: st}
	s.UserID, s.user = "", signet.User{}
	return nil
}

// approvalAllowed asks the engine, right before an approval, whether the
// session's factors satisfy the policy.
func (h *Handler) approvalAllowed(ctx context.Context, userID string, amr []string) error {
	if h.mfa == nil {
		return nil
	}
	return h.mfa.CheckSecondFactor(ctx, userID, amr)
}

// secondStepURL is where a pending session goes, carrying ret.
func secondStepURL(s *browserSession, ret string) string {
	p := "/login/mfa"
	if s.pending != nil && s.pending.state.Step == MFAEnrol {
		p = "/mfa"
	}
	if ret == "" {
		return p
	}
	return p + "?return=" + url.QueryEscape(ret)
}

// withMFA serves f only where second factors are configured; elsewhere
// the pages do not exist.
func (h *Handler) withMFA(f http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if h.mfa == nil {
			h.errorPage(w, r, http.StatusNotFound, "Not found", "There is no such page.")
			return
		}
		f(w, r)
	}
}

// withPasskeys serves f only where passkeys are on.
func (h *Handler) withPasskeys(f http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !h.passkeysOn() {
			// Mounted, but off: the issuer is an IP address, which WebAuthn
			// does not allow as a relying party.
			h.errorPage(w, r, http.StatusForbidden, "Passkeys are off", "This server does not offer passkeys.")
			return
		}
		f(w, r)
	}
}

// refuseUnverified renders the refusal of an approval from a session
// without its second factor.
func (h *Handler) refuseUnverified(w http.ResponseWriter, r *http.Request, err error) {
	switch signet.ErrorCodeOf(err) {
	case signet.CodeInternal, signet.CodeUnavailable:
		h.internalError(w, r, err)
		return
	}
	h.log.InfoContext(r.Context(), "web: approval without second factor refused", "err", err)
	h.errorPage(w, r, http.StatusForbidden, "Second factor required",
		"This approval needs a sign-in with your second factor. Sign in again and try once more.")
}
