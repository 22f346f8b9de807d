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
	f, ferr := readForm(r)
	if ferr != nil {
		h.writeError(w, r, ferr, basicAttempted(r))
		return
	}
	creds, cerr := clientCredentials(r, f)
	if cerr != nil {
		h.writeError(w, r, cerr, basicAttempted(r))
		return
	}
	if err := h.guard(r, creds, ratelimit.ClassDevice); err != nil {
		h.writeError(w, r, err, creds.basic())
		return
	}
	client, err := h.authenticate(ctx, creds, pathDevice, true)
	if err := h.counted(r, creds, err); err != nil {
		h.writeError(w, r, err, creds.basic())
		return
	}
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
