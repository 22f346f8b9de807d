package authserver

import (
	"context"
	"encoding/base32"
	"errors"
	"io"
	"strings"

	"github.com/signet-auth/signet"
)

// Recovery codes: ten single-use codes, shown once when made and kept only
// as keyed digests (catalogue MF-04). Each is 50 random bits written as
// ten base32 letters and digits in two groups ("k7d2m-x9q4t"); a code is
// spent by one conditional write, so it is accepted once.

const (
	recoveryCount = 10
	recoveryBytes = 10 // 80 bits drawn; 50 of them shown
	recoveryLen   = 10 // characters, without the dash
)

var recoveryEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// normalizeRecovery reads a typed code: case, spaces and dashes do not
// matter. It returns "" for anything that cannot be a code.
func normalizeRecovery(typed string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(typed) {
		switch {
		case r == '-' || r == ' ':
		case (r >= 'a' && r <= 'z') || (r >= '2' && r <= '7'):
			b.WriteRune(r)
		default:
			return ""
		}
		if b.Len() > recoveryLen {
			return ""
		}
	}
	if b.Len() != recoveryLen {
		return ""
	}
	return b.String()
}

// recoveryDigest binds a code to its user.
func (s *Server) recoveryDigest(userID, code string) signet.Digest {
	return s.hasher.Digest("signet recovery v1\x00" + userID + "\x00" + code)
}

// newRecoveryCodes draws recoveryCount codes.
func (s *Server) newRecoveryCodes() ([]string, error) {
	codes := make([]string, recoveryCount)
	for i := range codes {
		var b [recoveryBytes]byte
		if _, err := io.ReadFull(s.mfa.Rand, b[:]); err != nil {
			return nil, err
		}
		c := strings.ToLower(recoveryEncoding.EncodeToString(b[:]))[:recoveryLen]
		codes[i] = c[:5] + "-" + c[5:]
	}
	return codes, nil
}

// RegenerateRecoveryCodes replaces the session user's recovery codes with
// ten new ones and returns them, to be shown once. Like any factor change
// it needs a recent sign-in and ends every other session of the user; the
// browser's new session is returned with the codes.
func (s *Server) RegenerateRecoveryCodes(ctx context.Context, token string) ([]string, string, signet.BrowserSession, error) {
	rec, u, err := s.BrowserSession(ctx, token)
	if err != nil {
		return nil, "", signet.BrowserSession{}, err
	}
	if !s.MFAEnabled() {
		return nil, "", signet.BrowserSession{}, errMFAOff
	}
	if err := s.recentSignIn(ctx, rec, u); err != nil {
		return nil, "", signet.BrowserSession{}, err
	}
	codes, err := s.newRecoveryCodes()
	if err != nil {
		return nil, "", signet.BrowserSession{}, signet.Internal(err)
	}
	digests := make([]signet.Digest, len(codes))
	for i, c := range codes {
		digests[i] = s.recoveryDigest(u.ID, normalizeRecovery(c))
	}
	if err := s.mfa.Store.SetRecoveryCodes(ctx, u.ID, digests, s.clock.Now()); err != nil {
		return nil, "", signet.BrowserSession{}, signet.Internal(err)
	}
	tok, next, err := s.factorsChanged(ctx, rec, rec.AMR, "recovery codes regenerated",
		signet.AuditFactorEnrolled, factorRecovery)
	return codes, tok, next, err
}

// UseRecoveryCode is the second step of a sign-in with a recovery code in
// place of the authenticator: the code is spent whether or not anything
// after fails. A wrong or spent code is invalid_grant and changes nothing.
func (s *Server) UseRecoveryCode(ctx context.Context, token, typed string) (_ signet.BrowserSession, err error) {
	rec, u, err := s.BrowserSession(ctx, token)
	if err != nil {
		return signet.BrowserSession{}, err
	}
	if !s.MFAEnabled() {
		return signet.BrowserSession{}, errMFAOff
	}
	defer func() { err = s.auditSecondStep(ctx, u, factorRecovery, err) }()
	code := normalizeRecovery(typed)
	if code == "" {
		return signet.BrowserSession{}, errBadCode()
	}
	switch err := s.mfa.Store.UseRecoveryCode(ctx, u.ID, s.recoveryDigest(u.ID, code), s.clock.Now()); {
	case errors.Is(err, signet.ErrAlreadyUsed), errors.Is(err, signet.ErrNotFound):
		return signet.BrowserSession{}, errBadCode()
	case err != nil:
		return signet.BrowserSession{}, signet.Internal(err)
	}
	return s.completeSession(ctx, rec, signet.AMROTP)
}

// RemoveSecondFactors removes the session user's authenticator, passkeys
// and recovery codes. It needs a recent sign-in, ends every other session of
// the user and returns the browser's new session (a password sign-in
// again). A user whose policy is required is sent to enrol anew.
func (s *Server) RemoveSecondFactors(ctx context.Context, token string) (string, signet.BrowserSession, error) {
	rec, u, err := s.BrowserSession(ctx, token)
	if err != nil {
		return "", signet.BrowserSession{}, err
	}
	if !s.MFAEnabled() {
		return "", signet.BrowserSession{}, errMFAOff
	}
	if err := s.recentSignIn(ctx, rec, u); err != nil {
		return "", signet.BrowserSession{}, err
	}
	if err := s.wipeFactors(ctx, u.ID); err != nil {
		return "", signet.BrowserSession{}, err
	}
	return s.factorsChanged(ctx, rec, []string{signet.AMRPassword}, "second factor removed",
		signet.AuditFactorRemoved, factorAll)
}

func (s *Server) wipeFactors(ctx context.Context, userID string) error {
	if err := s.mfa.Store.DeleteTOTP(ctx, userID); err != nil && !errors.Is(err, signet.ErrNotFound) {
		return signet.Internal(err)
	}
	if err := s.mfa.Store.SetRecoveryCodes(ctx, userID, nil, s.clock.Now()); err != nil {
		return signet.Internal(err)
	}
	ps, err := s.Passkeys(ctx, userID)
	if err != nil {
		return err
	}
	for _, p := range ps {
		if err := s.mfa.Passkeys.DeletePasskey(ctx, userID, p.ID); err != nil && !errors.Is(err, signet.ErrNotFound) {
			return signet.Internal(err)
		}
	}
	return nil
}

// ResetMFA is an administrator's reset of a user who lost their factors:
// the authenticator, passkeys and recovery codes go, and every session of the user
// ends. The user signs in with the password next and, under a required
// policy, enrols again. It returns the sessions ended.
func (s *Server) ResetMFA(ctx context.Context, userID string) (tokens, browser int, err error) {
	if !s.MFAEnabled() {
		return 0, 0, errMFAOff
	}
	if err := s.wipeFactors(ctx, userID); err != nil {
		return 0, 0, err
	}
	if tokens, browser, err = s.RevokeUserSessions(ctx, userID, "second factors reset"); err != nil {
		return tokens, browser, err
	}
	return tokens, browser, s.auditFactor(ctx, userID, signet.AuditFactorRemoved, factorAll, "admin", "reset")
}

// SetMFAPolicy sets a user's override; signet.MFADefault removes it.
func (s *Server) SetMFAPolicy(ctx context.Context, userID string, p signet.MFAPolicy) error {
	if !s.MFAEnabled() {
		return errMFAOff
	}
	if !p.Valid() {
		return signet.Errorf(signet.CodeInvalidRequest, "policy must be off, optional, required or default")
	}
	if err := s.mfa.Store.SetMFAPolicy(ctx, userID, p); err != nil {
		return signet.Internal(err)
	}
	return s.auditAdmin(ctx, userID, "", "mfa policy=%s", p)
}
