package signet

import (
	"context"
	"time"
)

// Second factors of local accounts (catalogue MF-01…MF-04): an
// authenticator app (TOTP, RFC 6238) and single-use recovery codes, with a
// per-user override of the operator's MFA policy.

// More AMR values (RFC 8176 §2) a browser session records.
const (
	// AMROTP: a one-time password, from an authenticator app or a
	// recovery code (both are single-use secrets the user holds).
	AMROTP = "otp"
	// AMRMFA: more than one factor was used (RFC 8176 §2 "mfa").
	AMRMFA = "mfa"
)

// MFAPolicy says whether a user must present a second factor.
type MFAPolicy string

// MFA policies. MFADefault on a user means "the operator's policy for
// such a user".
const (
	MFADefault  MFAPolicy = ""
	MFAOff      MFAPolicy = "off"      // a password is enough; no second step even when enrolled
	MFAOptional MFAPolicy = "optional" // a second step for users who enrolled a factor
	MFARequired MFAPolicy = "required" // a second step always; enrolment forced at the next sign-in
)

// Valid reports whether p is one of the policies (MFADefault included).
func (p MFAPolicy) Valid() bool {
	switch p {
	case MFADefault, MFAOff, MFAOptional, MFARequired:
		return true
	}
	return false
}

// TOTPFactor is a user's authenticator app. The shared secret is sealed
// with the keyring's AEAD key (associated data names the user), never
// stored in clear: a database dump yields no code generator.
type TOTPFactor struct {
	UserID       string
	SealedSecret []byte
	// LastStep is the highest RFC 6238 time step a code was accepted for;
	// a code of that step or an earlier one is never accepted again
	// (catalogue MF-01).
	LastStep  int64
	CreatedAt time.Time
	LastUsed  time.Time // zero until the first sign-in with it
}

// MFASummary is a user's second factors counted, as MFAStore.MFASummary
// reads them at once: every approval decides the second step from it.
type MFASummary struct {
	Policy         MFAPolicy // the user's override; MFADefault if none
	TOTP           bool      // an authenticator app is enrolled
	TOTPAdded      time.Time // when; zero if none
	RecoveryAll    int       // recovery codes, spent or not
	RecoveryUnused int
	Passkeys       int
}

// MFAStore keeps users' second factors and MFA policy overrides.
type MFAStore interface {
	// SetTOTP stores f as the user's authenticator, replacing any earlier
	// one (enrolment); it never fails for an existing one.
	SetTOTP(ctx context.Context, f TOTPFactor) error
	// GetTOTP returns ErrNotFound if the user has enrolled none.
	GetTOTP(ctx context.Context, userID string) (TOTPFactor, error)
	// UseTOTPStep records that a code of step was accepted at now. One
	// conditional write decides: it succeeds only if step is later than
	// LastStep, so of two uses of one code, on one node or many, exactly
	// one wins; the loser gets ErrAlreadyUsed. ErrNotFound if the user has
	// no authenticator.
	UseTOTPStep(ctx context.Context, userID string, step int64, now time.Time) error
	// DeleteTOTP removes the user's authenticator; ErrNotFound if none.
	DeleteTOTP(ctx context.Context, userID string) error

	// SetRecoveryCodes replaces every recovery code of the user with codes
	// (keyed digests; the codes themselves are shown once and never
	// stored), in one transaction. An empty codes removes them all.
	SetRecoveryCodes(ctx context.Context, userID string, codes []Digest, now time.Time) error
	// UseRecoveryCode spends the user's unused code with digest d: one
	// conditional write, so a code is accepted once. ErrAlreadyUsed if it
	// was spent before; ErrNotFound if the user has no such code.
	UseRecoveryCode(ctx context.Context, userID string, d Digest, now time.Time) error
	// RecoveryCodes returns how many codes the user has and how many of
	// them are unused.
	RecoveryCodes(ctx context.Context, userID string) (total, unused int, err error)

	// MFASummary returns, in one read, what deciding the user's second step
	// needs: the policy override, the authenticator's enrolment time, the
	// recovery codes' counts and the number of passkeys. A user with none
	// of them (or no such user) gets the zero MFASummary.
	MFASummary(ctx context.Context, userID string) (MFASummary, error)

	// SetMFAPolicy sets the user's override; MFADefault removes it.
	SetMFAPolicy(ctx context.Context, userID string, p MFAPolicy) error
	// MFAPolicy returns the user's override, MFADefault if none.
	MFAPolicy(ctx context.Context, userID string) (MFAPolicy, error)

	// CompleteBrowserSession records that the live browser session id
	// passed its second step at now: its AMR becomes amr and its AuthTime
	// now. ErrNotFound if there is no such live session (revoked or
	// ended ones are not changed).
	CompleteBrowserSession(ctx context.Context, id string, amr []string, now time.Time) error
}
