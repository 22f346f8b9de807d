package web

import (
	"context"
	"errors"
	"net/http"

	"github.com/signet-auth/signet"
)

// autoApprove completes a validated authorization request without a person
// (Options.DevAutoApprove): as the dev user, approved, with the user's first
// assignment. Every use logs a warning.
func (h *Handler) autoApprove(w http.ResponseWriter, r *http.Request, req *authzRequest, c signet.Client) {
	ctx := r.Context()
	u, err := h.devUser(ctx)
	if err != nil {
		h.internalError(w, r, err)
		return
	}
	var a signet.Assignment
	if req.Protocol == signet.ProtocolSignIn {
		if len(u.Assignments) == 0 {
			h.noAWSAccess(w, r)
			return
		}
		a = u.Assignments[0]
	}
	h.log.WarnContext(ctx, "web: DEV AUTO-APPROVE: authorization approved without a person; never enable this in production",
		"client", c.ID, "user", u.Name, "protocol", req.Protocol, "account", a.AccountID, "role", a.RoleName)
	h.issue(w, r, req, u, a, h.clock.Now(), nil)
}

func (h *Handler) devUser(ctx context.Context) (signet.User, error) {
	u, err := h.opts.DevUser(ctx)
	if err != nil {
		return u, err
	}
	if u.ID == "" || u.Disabled {
		return u, errors.New("web: dev user is missing or disabled")
	}
	return u, nil
}

// AutoApproveDevice approves the device authorization with userCode as the
// dev user, when Options.DevAutoApprove is on; otherwise it refuses. The
// device page itself never auto-approves, since a GET of
// verificationUriComplete must approve nothing even in development
// (catalogue DV-09); instead the server calls this right after
// StartDeviceAuthorization has stored the code, so the first poll gets
// tokens. Every use logs a warning.
func (h *Handler) AutoApproveDevice(ctx context.Context, userCode string) (signet.DeviceAuthorization, error) {
	if !h.opts.DevAutoApprove {
		return signet.DeviceAuthorization{}, signet.Errorf(signet.CodeAccessDenied, "Automatic approval is off.")
	}
	u, err := h.devUser(ctx)
	if err != nil {
		return signet.DeviceAuthorization{}, err
	}
	d, err := h.backend.DecideDevice(ctx, userCode, true, u.ID, h.clock.Now())
	if err != nil {
		return d, err
	}
	h.log.WarnContext(ctx, "web: DEV AUTO-APPROVE: device authorization approved without a person; never enable this in production",
		"client", d.ClientID, "user", u.Name)
	return d, nil
}
