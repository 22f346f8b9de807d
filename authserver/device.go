package authserver

import (
	"context"
	"errors"
	"time"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/secret"
)

// userCodeAttempts bounds how often StartDevice draws a user code that
// collides with a live one (20^10 codes: a second collision is already
// improbable).
const userCodeAttempts = 5

// DeviceStart is what StartDevice hands out (RFC 8628 §3.2).
type DeviceStart struct {
	DeviceCode string // secret; polled with the token endpoint
	UserCode   string // shown as XXXXX-XXXXX
	Interval   time.Duration
	ExpiresIn  time.Duration
	ExpiresAt  time.Time
}

// StartDevice begins a device authorization for an authenticated client
// (the wire layer calls AuthenticateClient first). The client must have
// registered the device_code grant; scopes must be within the client's.
func (s *Server) StartDevice(ctx context.Context, protocol signet.Protocol, clientID string, scopes []string) (DeviceStart, error) {
	if protocol != signet.ProtocolSSOOIDC && protocol != signet.ProtocolOAuth2 {
		return DeviceStart{}, invalidRequest("The device flow is not offered by this protocol.")
	}
	if err := validScopes(scopes); err != nil {
		return DeviceStart{}, err
	}
	c, err := s.clients.GetClient(ctx, clientID)
	if err != nil {
		return DeviceStart{}, passThrough(err, func(err error) *signet.Error {
			if errors.Is(err, signet.ErrNotFound) {
				return invalidClient(err)
			}
			return nil
		})
	}
	if !mayUseGrant(c, protocol, signet.GrantDeviceCode) {
		return DeviceStart{}, &signet.Error{Code: signet.CodeUnauthorizedClient, Message: "The client is not allowed to use the device flow."}
	}
	if !allowedByClient(c, scopes) {
		return DeviceStart{}, invalidScope()
	}
	now := s.clock.Now()
	deviceCode, digest, err := s.minter.New(secret.PrefixDeviceCode)
	if err != nil {
		return DeviceStart{}, signet.Internal(err)
	}
	d := signet.DeviceAuthorization{
		Digest: digest, ClientID: c.ID, Protocol: protocol, Scopes: dedupe(scopes),
		Status: signet.DevicePending, Interval: s.life.DevicePollInterval,
		CreatedAt: now, ExpiresAt: now.Add(s.life.DeviceAuthorization),
	}
	for range userCodeAttempts {
		userCode, err := s.minter.NewUserCode()
		if err != nil {
			return DeviceStart{}, signet.Internal(err)
		}
		d.UserCodeDigest, _ = s.hasher.UserCodeDigest(userCode)
		err = s.grants.CreateDevice(ctx, d)
		if errors.Is(err, signet.ErrConflict) {
			continue // the user code is taken by a live authorization: draw again
		}
		if err != nil {
			return DeviceStart{}, signet.Internal(err)
		}
		return DeviceStart{
			DeviceCode: deviceCode, UserCode: userCode, Interval: d.Interval,
			ExpiresIn: s.life.DeviceAuthorization, ExpiresAt: d.ExpiresAt,
		}, nil
	}
	return DeviceStart{}, signet.Internal(errors.New("authserver: no free user code after several draws"))
}

// deviceCodeGrant polls a device authorization (RFC 8628 §3.4–3.5).
type deviceCodeGrant struct{}

// offeredBy: Sign-In has no device flow.
func (deviceCodeGrant) offeredBy(p signet.Protocol) bool { return p != signet.ProtocolSignIn }

func (deviceCodeGrant) validate(r *TokenRequest) *signet.Error {
	if r.DeviceCode == "" {
		return invalidRequest("The device code is required.")
	}
	if len(r.DeviceCode) > MaxTokenLen {
		return invalidRequest("The device code is too long.")
	}
	return nil
}

func (deviceCodeGrant) exchange(ctx context.Context, x *exchange) (TokenResponse, error) {
	s, r := x.s, x.req
	if !secret.WellFormed(r.DeviceCode, secret.PrefixDeviceCode) {
		return TokenResponse{}, deviceFailed(errors.New("malformed device code"))
	}
	sessionID, err := s.minter.ID()
	if err != nil {
		return TokenResponse{}, signet.Internal(err)
	}
	m, err := s.firstMaterial(x.pre)
	if err != nil {
		return TokenResponse{}, err
	}
	res, err := s.grants.PollDevice(ctx, signet.DevicePoll{
		Audit:        x.audit,
		ClientEpoch:  x.clientEpoch,
		Digest:       s.hasher.Digest(r.DeviceCode),
		Now:          x.now,
		SlowDownStep: s.life.SlowDownStep,
		// One initial interval's allowance lets one extra poll through: the
		// AWS CLI (2.36.7) polls twice, ~2 ms apart, at the start of every
		// device flow, and a slow_down there doubled every `aws sso login
		// --use-device-code` wait. Sustained fast polling is still slowed
		// (RFC 8628 §3.5; catalogue AB-03).
		BurstAllowance: s.life.DevicePollInterval,
		Check: func(d signet.DeviceAuthorization) error {
			switch {
			case d.ClientID != x.client.ID || d.Protocol != r.Protocol:
				// Another client's device code (CVE-2023-2585; DV-06).
				return deviceFailed(errors.New("device code issued to another client"))
			case !subset(r.Scopes, d.Scopes) || !allowedByClient(x.client, r.Scopes):
				return invalidScope()
			}
			return nil
		},
		CheckUser: func(d signet.DeviceAuthorization, u signet.User) error {
			// A user disabled or removed between approval and redemption
			// gets nothing; the authorization stays unredeemed.
			if d.UserID != "" && (u.ID == "" || u.Disabled) {
				return refreshFailed(signet.ReasonUserDisabled, errors.New("the approving user is disabled or gone"))
			}
			return nil
		},
		Grant: func(d signet.DeviceAuthorization) (signet.Session, signet.TokenGeneration) {
			sess := s.newSession(sessionID, d.ClientID, d.UserID, d.Protocol, x.now)
			sess.Scopes, sess.AuthTime, sess.DPoPJKT = d.Scopes, d.AuthTime, r.DPoPJKT
			if len(r.Scopes) > 0 {
				sess.Scopes = dedupe(r.Scopes)
			}
			return sess, s.generation(m, sess, x.now)
		},
	})
	if err != nil {
		return TokenResponse{}, passThrough(err, func(err error) *signet.Error {
			if errors.Is(err, signet.ErrNotFound) || errors.Is(err, signet.ErrAlreadyUsed) {
				return deviceFailed(err) // unknown, guessed or already redeemed (DV-05)
			}
			return nil
		})
	}
	d := res.Device
	switch {
	case res.Session.ID != "":
		resp := x.respond(res.Session, res.Tokens, m, res.Session.Scopes, false)
		resp.User = res.User
		return resp, nil
	case expired(d.ExpiresAt, x.now):
		return TokenResponse{}, &signet.Error{Code: signet.CodeExpiredToken, Message: "The device code has expired."}
	case res.SlowDown:
		return TokenResponse{}, &signet.Error{Code: signet.CodeSlowDown, RetryAfter: d.Interval,
			Message: "Polling too fast; slow down."}
	case d.Status == signet.DevicePending:
		return TokenResponse{}, &signet.Error{Code: signet.CodeAuthorizationPending, RetryAfter: d.Interval,
			Message: "Authorization is still pending."}
	case d.Status == signet.DeviceDenied:
		return TokenResponse{}, &signet.Error{Code: signet.CodeAccessDenied, Message: "The user denied the authorization."}
	}
	return TokenResponse{}, deviceFailed(errors.New("device authorization in state " + string(d.Status)))
}

// DeviceView is a device authorization as the verification page shows it:
// with the client that started it (DV-09: the page always names it).
type DeviceView struct {
	Device signet.DeviceAuthorization
	Client signet.Client
}

func userCodeNotFound() *signet.Error {
	return &signet.Error{Code: signet.CodeNotFound, Message: "No such code."}
}

func userCodeExpired() *signet.Error {
	return &signet.Error{Code: signet.CodeExpiredToken, Message: "The code has expired."}
}

// LookupUserCode finds the pending device authorization for what the user
// typed, normalised (upper case, dashes and spaces dropped; DV-08). A
// malformed code is not found without a lookup; an expired one is
// expired_token (DV-03).
func (s *Server) LookupUserCode(ctx context.Context, typed string) (DeviceView, error) {
	digest, ok := s.hasher.UserCodeDigest(typed)
	if !ok {
		return DeviceView{}, userCodeNotFound()
	}
	d, err := s.grants.GetDeviceByUserCode(ctx, digest)
	if err != nil {
		return DeviceView{}, passThrough(err, func(err error) *signet.Error {
			if errors.Is(err, signet.ErrNotFound) {
				return userCodeNotFound()
			}
			return nil
		})
	}
	if expired(d.ExpiresAt, s.clock.Now()) {
		return DeviceView{}, userCodeExpired()
	}
	c, err := s.clients.GetClient(ctx, d.ClientID)
	if err != nil {
		return DeviceView{}, signet.Internal(err)
	}
	return DeviceView{Device: d, Client: c}, nil
}

// ApproveDevice approves a pending, unexpired device authorization for the
// signed-in user. Approved, denied and redeemed authorizations are final
// (DV-04): deciding again fails and changes nothing.
func (s *Server) ApproveDevice(ctx context.Context, userCode, userID string) (signet.DeviceAuthorization, error) {
	u, err := s.users.GetUser(ctx, userID)
	if err != nil {
		return signet.DeviceAuthorization{}, userLookupFailed(err)
	}
	if u.Disabled {
		return signet.DeviceAuthorization{}, &signet.Error{Code: signet.CodeAccessDenied, Message: "The user cannot sign in."}
	}
	return s.decideDevice(ctx, userCode, signet.DeviceApproved, u.ID)
}

// DenyDevice denies a pending, unexpired device authorization; the device's
// next poll gets access_denied.
func (s *Server) DenyDevice(ctx context.Context, userCode string) (signet.DeviceAuthorization, error) {
	return s.decideDevice(ctx, userCode, signet.DeviceDenied, "")
}

func (s *Server) decideDevice(ctx context.Context, userCode string, status signet.DeviceStatus, userID string) (signet.DeviceAuthorization, error) {
	digest, ok := s.hasher.UserCodeDigest(userCode)
	if !ok {
		return signet.DeviceAuthorization{}, userCodeNotFound()
	}
	now := s.clock.Now()
	d, err := s.grants.DecideDevice(ctx, digest, status, userID, now, now)
	if err == nil {
		return d, nil
	}
	switch {
	case (errors.Is(err, signet.ErrNotFound) || errors.Is(err, signet.ErrAlreadyUsed)) &&
		!d.ExpiresAt.IsZero() && expired(d.ExpiresAt, now) && d.Status == signet.DevicePending:
		return d, userCodeExpired()
	case errors.Is(err, signet.ErrAlreadyUsed):
		return d, &signet.Error{Code: signet.CodeConflict, Message: "The code was already used.", Err: err}
	case errors.Is(err, signet.ErrNotFound):
		return signet.DeviceAuthorization{}, userCodeNotFound()
	}
	return signet.DeviceAuthorization{}, signet.Internal(err)
}

// mayUseGrant reports whether client c may use grant type g through
// protocol p: the grants it registered, plus one allowance the AWS CLI
// depends on. `aws sso login --use-device-code` reuses the cached
// registration of an earlier PKCE login, which lists only
// authorization_code and refresh_token (credential-caches.md §3.2), and AWS
// IAM Identity Center accepts the device flow for it; so a self-registered
// public SSO OIDC client may always use the device flow. Every other grant
// must be registered (catalogue CL-07).
func mayUseGrant(c signet.Client, p signet.Protocol, g string) bool {
	if c.AllowsGrant(g) {
		return true
	}
	return g == signet.GrantDeviceCode && p == signet.ProtocolSSOOIDC && c.Dynamic && c.Type == signet.ClientPublic
}
