package authserver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/url"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/signet-auth/signet"
)

// Passkeys and security keys (WebAuthn; catalogue MF-02), with
// github.com/go-webauthn/webauthn. A ceremony's state (its challenge) goes
// back to the pages, which seal it to the browser session; the engine
// takes it back once: the challenge is marked used in the replay store,
// across every node, before the response is checked, and it lives
// passkeyChallengeLife. The signature counter must move forward, by the
// store's conditional write.

const passkeyChallengeLife = 5 * time.Minute

// maxPasskeys bounds the credentials of one user; maxPasskeyName bounds a
// credential's name.
const (
	maxPasskeys    = 20
	maxPasskeyName = 64
)

// passkeyState is a ceremony in progress.
type passkeyState struct {
	Session webauthn.SessionData `json:"s"`
	// Browser is the browser session a registration or a second step
	// belongs to; empty for a sign-in with a passkey alone.
	Browser string `json:"b,omitempty"`
}

// newWebAuthn is the relying party of issuer; nil (passkeys off) when the
// issuer's host is an IP address, which WebAuthn does not allow as an
// rpId (W3C WebAuthn L3 §5.1.3; browsers refuse it).
func newWebAuthn(issuer string) (*webauthn.WebAuthn, error) {
	u, err := url.Parse(issuer)
	if err != nil {
		return nil, err
	}
	if net.ParseIP(u.Hostname()) != nil {
		return nil, nil
	}
	return webauthn.New(&webauthn.Config{
		RPID: u.Hostname(), RPDisplayName: "signet", RPOrigins: []string{u.Scheme + "://" + u.Host},
		Timeouts: webauthn.TimeoutsConfig{
			Login:        webauthn.TimeoutConfig{Enforce: true, Timeout: passkeyChallengeLife},
			Registration: webauthn.TimeoutConfig{Enforce: true, Timeout: passkeyChallengeLife},
		},
	})
}

// waUser is a user as the library sees it.
type waUser struct {
	u     signet.User
	creds []webauthn.Credential
}

func (w waUser) WebAuthnID() []byte                         { return []byte(w.u.ID) }
func (w waUser) WebAuthnName() string                       { return w.u.Name }
func (w waUser) WebAuthnDisplayName() string                { return w.u.DisplayName }
func (w waUser) WebAuthnCredentials() []webauthn.Credential { return w.creds }

func credentialOf(p signet.Passkey) webauthn.Credential {
	var ts []protocol.AuthenticatorTransport
	for _, t := range p.Transports {
		ts = append(ts, protocol.AuthenticatorTransport(t))
	}
	return webauthn.Credential{ID: p.ID, PublicKey: p.PublicKey, Transport: ts,
		Flags:         webauthn.CredentialFlags{BackupEligible: p.BackupEligible, BackupState: p.BackupState},
		Authenticator: webauthn.Authenticator{AAGUID: p.AAGUID, SignCount: p.SignCount}}
}

func (s *Server) passkeysOn() error {
	if s.wa == nil || s.mfa.Passkeys == nil || s.replay == nil {
		return errMFAOff
	}
	return nil
}

func (s *Server) waUser(ctx context.Context, u signet.User) (waUser, error) {
	ps, err := s.mfa.Passkeys.ListPasskeys(ctx, u.ID)
	if err != nil {
		return waUser{}, signet.Internal(err)
	}
	w := waUser{u: u}
	for _, p := range ps {
		w.creds = append(w.creds, credentialOf(p))
	}
	return w, nil
}

func errPasskey(cause error) *signet.Error {
	return &signet.Error{Code: signet.CodeInvalidGrant, Message: "The passkey was not accepted.", Err: cause}
}

// seal returns the options for the browser and the state to keep.
func passkeyOut(options any, sd *webauthn.SessionData, browser string) ([]byte, []byte, error) {
	o, err := json.Marshal(options)
	if err != nil {
		return nil, nil, signet.Internal(err)
	}
	st, err := json.Marshal(passkeyState{Session: *sd, Browser: browser})
	if err != nil {
		return nil, nil, signet.Internal(err)
	}
	return o, st, nil
}

// takeState reads a ceremony's state and spends its challenge: a second
// use, on any node, is refused (MF-02).
func (s *Server) takeState(ctx context.Context, raw []byte, browser string) (webauthn.SessionData, error) {
	var st passkeyState
	if err := json.Unmarshal(raw, &st); err != nil || st.Session.Challenge == "" {
		return webauthn.SessionData{}, errPasskey(errors.New("bad ceremony state"))
	}
	if st.Browser != browser {
		return webauthn.SessionData{}, errPasskey(errors.New("ceremony of another browser session"))
	}
	now := s.clock.Now()
	if !now.Before(st.Session.Expires) {
		return webauthn.SessionData{}, errPasskey(errors.New("challenge expired"))
	}
	fresh, err := s.replay.MarkUsed(ctx, s.hasher.Digest("signet webauthn challenge v1\x00"+st.Session.Challenge), st.Session.Expires, now)
	switch {
	case err != nil:
		return webauthn.SessionData{}, signet.Internal(err)
	case !fresh:
		return webauthn.SessionData{}, errPasskey(errors.New("challenge replayed"))
	}
	return st.Session, nil
}

// BeginPasskeyRegistration starts adding a passkey for the session's user:
// a discoverable credential, user verification preferred, none of the
// user's credentials again. It needs a recent sign-in (MF-04).
func (s *Server) BeginPasskeyRegistration(ctx context.Context, token string) ([]byte, []byte, error) {
	if err := s.passkeysOn(); err != nil {
		return nil, nil, err
	}
	rec, u, err := s.BrowserSession(ctx, token)
	if err != nil {
		return nil, nil, err
	}
	if err := s.recentSignIn(ctx, rec, u); err != nil {
		return nil, nil, err
	}
	w, err := s.waUser(ctx, u)
	if err != nil {
		return nil, nil, err
	}
	if len(w.creds) >= maxPasskeys {
		return nil, nil, signet.Errorf(signet.CodeInvalidRequest, "You have %d passkeys; remove one first.", len(w.creds))
	}
	var exclude []protocol.CredentialDescriptor
	for _, c := range w.creds {
		exclude = append(exclude, c.Descriptor())
	}
	opts, sd, err := s.wa.BeginRegistration(w,
		webauthn.WithResidentKeyRequirement(protocol.ResidentKeyRequirementRequired),
		webauthn.WithAuthenticatorSelection(protocol.AuthenticatorSelection{
			ResidentKey: protocol.ResidentKeyRequirementRequired, UserVerification: protocol.VerificationPreferred}),
		webauthn.WithExclusions(exclude))
	if err != nil {
		return nil, nil, signet.Internal(err)
	}
	return passkeyOut(opts, sd, rec.ID)
}

// FinishPasskeyRegistration checks the authenticator's response, stores the
// credential under name, ends every other session of the user and returns
// the browser's new one.
func (s *Server) FinishPasskeyRegistration(ctx context.Context, token string, state, response []byte, name string) (string, signet.BrowserSession, error) {
	if err := s.passkeysOn(); err != nil {
		return "", signet.BrowserSession{}, err
	}
	rec, u, err := s.BrowserSession(ctx, token)
	if err != nil {
		return "", signet.BrowserSession{}, err
	}
	if err := s.recentSignIn(ctx, rec, u); err != nil {
		return "", signet.BrowserSession{}, err
	}
	if name == "" || len(name) > maxPasskeyName {
		return "", signet.BrowserSession{}, signet.Errorf(signet.CodeInvalidRequest, "Give the passkey a name of 1 to %d characters.", maxPasskeyName)
	}
	sd, err := s.takeState(ctx, state, rec.ID)
	if err != nil {
		return "", signet.BrowserSession{}, err
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes(response)
	if err != nil {
		return "", signet.BrowserSession{}, errPasskey(err)
	}
	w, err := s.waUser(ctx, u)
	if err != nil {
		return "", signet.BrowserSession{}, err
	}
	c, err := s.wa.CreateCredential(w, sd, parsed)
	if err != nil {
		return "", signet.BrowserSession{}, errPasskey(err)
	}
	var ts []string
	for _, t := range c.Transport {
		ts = append(ts, string(t))
	}
	now := s.clock.Now()
	p := signet.Passkey{ID: c.ID, UserID: u.ID, Name: name, PublicKey: c.PublicKey, SignCount: c.Authenticator.SignCount,
		Transports: ts, AAGUID: c.Authenticator.AAGUID, BackupEligible: c.Flags.BackupEligible, BackupState: c.Flags.BackupState,
		CreatedAt: now}
	switch err := s.mfa.Passkeys.AddPasskey(ctx, p); {
	case errors.Is(err, signet.ErrConflict):
		return "", signet.BrowserSession{}, errPasskey(err)
	case err != nil:
		return "", signet.BrowserSession{}, signet.Internal(err)
	}
	return s.factorsChanged(ctx, rec, completeAMR(signet.AMRHardwareKey), "passkey added",
		signet.AuditFactorEnrolled, factorPasskey)
}

// BeginPasskeyLogin starts a sign-in with a passkey. With the token of a
// session waiting for its second step, it asks for one of that user's
// credentials; with none ("" or an anonymous browser), any discoverable
// credential (a sign-in with the passkey alone, no user name).
func (s *Server) BeginPasskeyLogin(ctx context.Context, token string) ([]byte, []byte, error) {
	if err := s.passkeysOn(); err != nil {
		return nil, nil, err
	}
	if token == "" {
		opts, sd, err := s.wa.BeginDiscoverableLogin(webauthn.WithUserVerification(protocol.VerificationPreferred))
		if err != nil {
			return nil, nil, signet.Internal(err)
		}
		return passkeyOut(opts, sd, "")
	}
	rec, u, err := s.BrowserSession(ctx, token)
	if err != nil {
		return nil, nil, err
	}
	w, err := s.waUser(ctx, u)
	if err != nil {
		return nil, nil, err
	}
	if len(w.creds) == 0 {
		return nil, nil, errPasskey(errors.New("no passkey"))
	}
	opts, sd, err := s.wa.BeginLogin(w, webauthn.WithUserVerification(protocol.VerificationPreferred))
	if err != nil {
		return nil, nil, signet.Internal(err)
	}
	return passkeyOut(opts, sd, rec.ID)
}

// FinishPasskeyLogin checks an assertion. As a second step (token set) the
// credential must be the session's user's, and the session records it.
// Alone (token ""), the credential names its user, and it must have
// verified the user (a PIN or a biometric: two factors in one, MF-02); a
// new browser session is started, whose token is returned. Either way the
// counter must move forward; a wrong origin or rpId, a replayed or expired
// challenge, another user's credential are refused as invalid_grant.
func (s *Server) FinishPasskeyLogin(ctx context.Context, token string, state, response []byte, address, userAgent string) (_ string, _ signet.BrowserSession, err error) {
	if err := s.passkeysOn(); err != nil {
		return "", signet.BrowserSession{}, err
	}
	var rec signet.BrowserSession
	var u signet.User
	if token != "" {
		if rec, u, err = s.BrowserSession(ctx, token); err != nil {
			return "", signet.BrowserSession{}, err
		}
		defer func() { err = s.auditSecondStep(ctx, u, factorPasskey, err) }()
	} else {
		defer func() { err = s.auditPasskeyLogin(ctx, u, err) }()
	}
	sd, err := s.takeState(ctx, state, rec.ID)
	if err != nil {
		return "", signet.BrowserSession{}, err
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes(response)
	if err != nil {
		return "", signet.BrowserSession{}, errPasskey(err)
	}
	var c *webauthn.Credential
	if token != "" {
		w, werr := s.waUser(ctx, u)
		if werr != nil {
			return "", signet.BrowserSession{}, werr
		}
		c, err = s.wa.ValidateLogin(w, sd, parsed)
	} else {
		c, err = s.wa.ValidateDiscoverableLogin(func(rawID, userHandle []byte) (webauthn.User, error) {
			p, err := s.mfa.Passkeys.GetPasskey(ctx, rawID)
			if err != nil {
				return nil, err
			}
			if !bytes.Equal(userHandle, []byte(p.UserID)) {
				return nil, errors.New("user handle of another user")
			}
			if u, err = s.users.GetUser(ctx, p.UserID); err != nil {
				return nil, err
			}
			return s.waUser(ctx, u)
		}, sd, parsed)
		if err == nil && !parsed.Response.AuthenticatorData.Flags.HasUserVerified() {
			err = errors.New("the authenticator did not verify the user")
		}
	}
	if err != nil {
		return "", signet.BrowserSession{}, errPasskey(err)
	}
	if u.Disabled {
		return "", signet.BrowserSession{}, errPasskey(errors.New("user disabled"))
	}
	// The counter the authenticator signed, not the library's view of it.
	switch err := s.mfa.Passkeys.UsePasskey(ctx, c.ID, parsed.Response.AuthenticatorData.Counter, s.clock.Now()); {
	case errors.Is(err, signet.ErrAlreadyUsed):
		return "", signet.BrowserSession{}, errPasskey(errors.New("signature counter did not move forward"))
	case errors.Is(err, signet.ErrNotFound):
		return "", signet.BrowserSession{}, errPasskey(err)
	case err != nil:
		return "", signet.BrowserSession{}, signet.Internal(err)
	}
	if token != "" {
		next, err := s.completeSession(ctx, rec, signet.AMRHardwareKey)
		return token, next, err
	}
	return s.StartBrowserSession(ctx, BrowserLogin{UserID: u.ID, AMR: []string{signet.AMRHardwareKey, signet.AMRUserVerified, signet.AMRMFA},
		Address: address, UserAgent: userAgent})
}

// RemovePasskey removes the session user's credential id. Like any factor
// change it needs a recent sign-in and ends every other session.
func (s *Server) RemovePasskey(ctx context.Context, token string, id []byte) (string, signet.BrowserSession, error) {
	if err := s.passkeysOn(); err != nil {
		return "", signet.BrowserSession{}, err
	}
	rec, u, err := s.BrowserSession(ctx, token)
	if err != nil {
		return "", signet.BrowserSession{}, err
	}
	if err := s.recentSignIn(ctx, rec, u); err != nil {
		return "", signet.BrowserSession{}, err
	}
	switch err := s.mfa.Passkeys.DeletePasskey(ctx, u.ID, id); {
	case errors.Is(err, signet.ErrNotFound):
		return "", signet.BrowserSession{}, signet.Errorf(signet.CodeInvalidRequest, "No such passkey.")
	case err != nil:
		return "", signet.BrowserSession{}, signet.Internal(err)
	}
	return s.factorsChanged(ctx, rec, rec.AMR, "passkey removed", signet.AuditFactorRemoved, factorPasskey)
}

// Passkeys lists the user's credentials: with a passkey store, even where
// the pages cannot use them (an administrator's list and reset, an IP
// address issuer).
func (s *Server) Passkeys(ctx context.Context, userID string) ([]signet.Passkey, error) {
	if s.mfa.Passkeys == nil {
		return nil, nil
	}
	ps, err := s.mfa.Passkeys.ListPasskeys(ctx, userID)
	if err != nil {
		return nil, signet.Internal(err)
	}
	return ps, nil
}

// PasskeysEnabled reports whether passkeys are served.
func (s *Server) PasskeysEnabled() bool { return s.passkeysOn() == nil }
