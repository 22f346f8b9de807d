package authserver

import (
	"bytes"
	"context"
	"errors"
	"image/png"
	"strings"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"
	"github.com/pquerna/otp/totp"

	"github.com/signet-auth/signet"
)

// Authenticator apps (TOTP, RFC 6238): SHA-1, six digits, 30-second steps,
// what every app understands. A code is accepted for the current step and
// one step either side (clock drift, RFC 6238 §5.2), and never for a step
// at or before the last one accepted (catalogue MF-01): the store's
// conditional write decides, across nodes.

const (
	totpPeriod = 30
	totpDigits = otp.DigitsSix
	// totpSkew is how many steps either side of now a code may be for.
	totpSkew = 1
)

// TOTPEnrolment is a fresh authenticator secret to show the user; nothing
// is stored until ConfirmTOTP sees a code made from it.
type TOTPEnrolment struct {
	Secret string // base32, to type in by hand
	URL    string // otpauth:// URI, what the QR code holds
	QR     []byte // the QR code, PNG
}

func errBadCode() *signet.Error {
	return &signet.Error{Code: signet.CodeInvalidGrant, Message: "The code is incorrect or was already used."}
}

// totpAD binds a sealed secret to its user, so that one user's sealed
// secret cannot be planted on another.
func totpAD(userID string) []byte { return []byte("signet totp v1\x00" + userID) }

// BeginTOTP draws a new secret for u and renders its QR code.
func (s *Server) BeginTOTP(u signet.User) (TOTPEnrolment, error) {
	if !s.MFAEnabled() {
		return TOTPEnrolment{}, errMFAOff
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: s.mfa.Issuer, AccountName: u.Name, Period: totpPeriod,
		Digits: totpDigits, Algorithm: otp.AlgorithmSHA1, Rand: s.mfa.Rand})
	if err != nil {
		return TOTPEnrolment{}, signet.Internal(err)
	}
	img, err := key.Image(240, 240)
	if err != nil {
		return TOTPEnrolment{}, signet.Internal(err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return TOTPEnrolment{}, signet.Internal(err)
	}
	return TOTPEnrolment{Secret: key.Secret(), URL: key.URL(), QR: buf.Bytes()}, nil
}

var errMFAOff = &signet.Error{Code: signet.CodeInvalidRequest, Message: "Second factors are not enabled on this server."}

// totpStep returns the step, within totpSkew of now, that code is valid
// for under secret; ok false if none.
func (s *Server) totpStep(secret, code string) (int64, bool) {
	code = strings.TrimSpace(code)
	if len(code) != totpDigits.Length() {
		return 0, false
	}
	now := s.clock.Now().Unix() / totpPeriod
	opts := hotp.ValidateOpts{Digits: totpDigits, Algorithm: otp.AlgorithmSHA1}
	for step := now - totpSkew; step <= now+totpSkew; step++ {
		if step < 0 {
			continue
		}
		if ok, err := hotp.ValidateCustom(code, uint64(step), secret, opts); err == nil && ok {
			return step, true
		}
	}
	return 0, false
}

// ConfirmTOTP enrols secret as the authenticator of the session's user
// once code shows the app holds it. It needs a recent sign-in (catalogue
// MF-04); it replaces any earlier authenticator, ends every other session
// of the user, and returns the browser's new session, which counts as
// having passed the second step.
func (s *Server) ConfirmTOTP(ctx context.Context, token, secret, code string) (string, signet.BrowserSession, error) {
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
	step, ok := s.totpStep(secret, code)
	if !ok {
		return "", signet.BrowserSession{}, errBadCode()
	}
	sealed, err := s.mfa.Sealer.Seal([]byte(secret), totpAD(u.ID))
	if err != nil {
		return "", signet.BrowserSession{}, signet.Internal(err)
	}
	now := s.clock.Now()
	// The confirming code is spent: LastStep starts at its step.
	f := signet.TOTPFactor{UserID: u.ID, SealedSecret: sealed, LastStep: step, CreatedAt: now, LastUsed: now}
	if err := s.mfa.Store.SetTOTP(ctx, f); err != nil {
		return "", signet.BrowserSession{}, signet.Internal(err)
	}
	return s.factorsChanged(ctx, rec, completeAMR(signet.AMROTP), "second factor enrolled",
		signet.AuditFactorEnrolled, factorTOTP)
}

// VerifyTOTP is the second step of a sign-in with an authenticator code:
// the code must be valid within one step of now and of a step later than
// any accepted before. On success the session records the factor
// (AMR pwd, otp, mfa) and is returned; a wrong or reused code is
// invalid_grant and changes nothing. The caller keeps the failure budget.
func (s *Server) VerifyTOTP(ctx context.Context, token, code string) (_ signet.BrowserSession, err error) {
	rec, u, err := s.BrowserSession(ctx, token)
	if err != nil {
		return signet.BrowserSession{}, err
	}
	if !s.MFAEnabled() {
		return signet.BrowserSession{}, errMFAOff
	}
	defer func() { err = s.auditSecondStep(ctx, u, factorTOTP, err) }()
	f, err := s.mfa.Store.GetTOTP(ctx, u.ID)
	switch {
	case errors.Is(err, signet.ErrNotFound):
		return signet.BrowserSession{}, errBadCode()
	case err != nil:
		return signet.BrowserSession{}, signet.Internal(err)
	}
	secret, err := s.mfa.Sealer.Open(f.SealedSecret, totpAD(u.ID))
	if err != nil {
		return signet.BrowserSession{}, signet.Internal(err)
	}
	step, ok := s.totpStep(string(secret), code)
	if !ok {
		return signet.BrowserSession{}, errBadCode()
	}
	now := s.clock.Now()
	switch err := s.mfa.Store.UseTOTPStep(ctx, u.ID, step, now); {
	case errors.Is(err, signet.ErrAlreadyUsed), errors.Is(err, signet.ErrNotFound):
		return signet.BrowserSession{}, errBadCode()
	case err != nil:
		return signet.BrowserSession{}, signet.Internal(err)
	}
	return s.completeSession(ctx, rec, signet.AMROTP)
}

// completeSession records a passed second step on the session.
func (s *Server) completeSession(ctx context.Context, rec signet.BrowserSession, factor string) (signet.BrowserSession, error) {
	now := s.clock.Now()
	amr := completeAMR(factor)
	switch err := s.mfa.Store.CompleteBrowserSession(ctx, rec.ID, amr, now); {
	case errors.Is(err, signet.ErrNotFound):
		return signet.BrowserSession{}, browserEnded(signet.ReasonTokenExpired, err)
	case err != nil:
		return signet.BrowserSession{}, signet.Internal(err)
	}
	rec.AMR, rec.AuthTime = amr, now
	return rec, nil
}
