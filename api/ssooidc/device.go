package ssooidc

import (
	"net/http"
	"net/url"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/api/awsjson"
	"github.com/signet-auth/signet/authserver"
	"github.com/signet-auth/signet/ratelimit"
)

// startDeviceAuthorizationInput is StartDeviceAuthorization's request
// (sso-oidc.md §3).
type startDeviceAuthorizationInput struct {
	ClientID     string `json:"clientId"`
	ClientSecret string `json:"clientSecret"`
	StartURL     string `json:"startUrl"`
	aliases
}

// startDeviceAuthorizationOutput is its response; the CLI requires
// expiresIn and opens verificationUriComplete in the browser.
type startDeviceAuthorizationOutput struct {
	DeviceCode              string `json:"deviceCode"`
	UserCode                string `json:"userCode"`
	VerificationURI         string `json:"verificationUri"`
	VerificationURIComplete string `json:"verificationUriComplete"`
	ExpiresIn               int64  `json:"expiresIn"`
	Interval                int64  `json:"interval"`
}

// startDeviceAuthorization serves StartDeviceAuthorization (RFC 8628 §3.1–3.2).
// startUrl is required by the model and accepted as any string: it names
// the user's portal on AWS, which signet does not need (sso-oidc.md §8).
func (h *Handler) startDeviceAuthorization(w http.ResponseWriter, r *http.Request) {
	fail := func(err error) { h.writeError(w, r, opStartDeviceAuthorization, err) }
	if e := unsignedRequest(r); e != nil {
		fail(e)
		return
	}
	var in startDeviceAuthorizationInput
	if e := decode(r, &in); e != nil {
		fail(e)
		return
	}
	if e := checkBounds([]field{
		{"clientId", in.ClientID, maxIDLen},
		{"clientSecret", in.ClientSecret, maxTokenLen},
		{"startUrl", in.StartURL, maxURLLen},
	}, nil); e != nil {
		fail(e)
		return
	}
	switch {
	case in.aliases.conflicts(in.ClientID, in.ClientSecret, "", "", "", "", ""):
		fail(invalidRequest("A member is given in two spellings."))
		return
	case in.ClientID == "" || in.ClientSecret == "" || in.StartURL == "":
		fail(invalidRequest("clientId, clientSecret and startUrl are required."))
		return
	}
	// Throttled per client and address (SlowDownException, catalogue
	// RL-02); a client secret guessed too often from this address is not
	// even checked (CL-04).
	if e := h.throttle(r, ratelimit.ClassDevice, in.ClientID); e != nil {
		fail(e)
		return
	}
	ctx := r.Context()
	c, err := h.Engine.AuthenticateClient(ctx, authserver.ClientAuth{
		Credential: authserver.ClientSecret{ID: in.ClientID, Secret: in.ClientSecret}, Origin: h.Limiter.Origin(r),
	})
	if err != nil {
		fail(err)
		return
	}
	// The device grant gets the scopes the client registered: the model's
	// request has no scope member.
	d, err := h.Engine.StartDevice(ctx, signet.ProtocolSSOOIDC, c.ID, c.Scopes)
	if err != nil {
		fail(err)
		return
	}
	if h.AutoApprove != nil {
		h.AutoApprove(ctx, d.UserCode)
	}
	verify := h.issuerURL("/device")
	awsjson.WriteJSON(w, http.StatusOK, startDeviceAuthorizationOutput{
		DeviceCode:              d.DeviceCode,
		UserCode:                d.UserCode,
		VerificationURI:         verify,
		VerificationURIComplete: verify + "?user_code=" + url.QueryEscape(d.UserCode),
		ExpiresIn:               seconds(d.ExpiresIn),
		Interval:                seconds(d.Interval),
	})
}
