package oauth2

import (
	"net/http"
	"net/url"
	"time"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/ratelimit"
)

// deviceResponse is RFC 8628 §3.2.
type deviceResponse struct {
	DeviceCode              string `json:"device_code"`
	UserCode                string `json:"user_code"`
	VerificationURI         string `json:"verification_uri"`
	VerificationURIComplete string `json:"verification_uri_complete"`
	ExpiresIn               int64  `json:"expires_in"`
	Interval                int64  `json:"interval"`
}

// deviceAuthorization serves POST /oauth2/device_authorization (RFC 8628
// §3.1): the client authenticates as at the token endpoint (public clients
// by client_id), and the verification page is package web's /device.
func (h *Handler) deviceAuthorization(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	c, err := h.authenticatedCall(r, pathDevice, false, func(cr credentials) error { return h.guard(r, cr, ratelimit.ClassDevice) })
	if err != nil {
		h.writeError(w, r, err, basicAttempted(r))
		return
	}
	f, creds, client := c.form, c.creds, c.client
	d, err := h.Engine.StartDevice(ctx, signet.ProtocolOAuth2, client.ID, scopes(f.get("scope")))
	if err != nil {
		h.writeError(w, r, err, creds.basic())
		return
	}
	noStore(w)
	writeJSON(w, http.StatusOK, deviceResponse{
		DeviceCode: d.DeviceCode, UserCode: d.UserCode,
		VerificationURI:         h.url("/device"),
		VerificationURIComplete: h.url("/device?user_code=" + url.QueryEscape(d.UserCode)),
		ExpiresIn:               int64(d.ExpiresIn / time.Second),
		Interval:                int64(d.Interval / time.Second),
	})
}
