package web

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"

	"github.com/signet-auth/signet/secret"
)

// The device page's guessing budgets (catalogue DV-07, AB-01). A code is
// looked up only for a signed-in browser, and each miss is charged to the
// address, the browser session and the account at once, so that:
//
//   - nobody can close the page for anyone else: an anonymous visitor's
//     codes are never looked up nor counted, and a signed-in guesser spends
//     only budgets that are theirs (their address, their session, their
//     account);
//   - RFC 8628 §5.1's odds hold through the code's entropy and the account
//     budget: one account makes at most N·(⌈lifetime/window⌉+1) misses in
//     a code's life, which the code space (ratelimit.UserCodeOdds) keeps
//     far below 2^-32.
//
// Misses on the whole deployment are still counted, as an alert only
// (Limits.DeviceGlobal): past it the log says so at error level, since it
// means many accounts are guessing; nobody is refused for it.

// deviceBudgets are the budgets a miss by the signed-in session s from r
// spends.
func (h *Handler) deviceBudgets(r *http.Request, s *browserSession) []budget {
	// The session id is secret; a store-backed limiter keeps keys in the
	// clear, so the session is counted under a hash of it.
	sid := sha256.Sum256([]byte(s.ID))
	return []budget{
		{"device:ip:" + h.opts.ClientIP(r), h.opts.Limits.DeviceIP, false},
		{"device:session:" + hex.EncodeToString(sid[:12]), h.opts.Limits.DeviceSession, false},
		{"device:account:" + s.UserID, h.opts.Limits.DeviceAccount, false},
	}
}

// countDeploymentMiss counts a miss on the whole deployment and logs an
// error when the count reaches the alert threshold. It never refuses, and a
// store failure here only loses a count: the budgets that refuse are the
// ones deviceBudgets returns.
func (h *Handler) countDeploymentMiss(ctx context.Context) {
	a := h.opts.Limits.DeviceGlobal
	if a.Max <= 0 || a.Window <= 0 {
		return
	}
	now := h.clock.Now()
	if err := h.limiter.Fail(ctx, "device:global", a.Window, now); err != nil {
		h.log.WarnContext(ctx, "web: could not count a user-code miss on the deployment", "err", err)
		return
	}
	n, _, err := h.limiter.Failures(ctx, "device:global", now)
	if err == nil && n == a.Max {
		h.log.ErrorContext(ctx, "web: user-code misses on the deployment reached the alert threshold; look for accounts guessing codes",
			"misses", n, "window", a.Window)
	}
}

// signInFirst sends an anonymous browser to the login page, which comes
// back to the device form with the code it was given, if that is a well
// formed one, still filled in.
func (h *Handler) signInFirst(w http.ResponseWriter, typed string) {
	ret := "/device"
	if code := secret.NormalizeUserCode(typed); code != "" {
		ret += "?user_code=" + url.QueryEscape(displayUserCode(code))
	}
	seeOther(w, "/login?return="+url.QueryEscape(ret))
}
