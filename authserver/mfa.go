package authserver

import (
	"context"
	"crypto/rand"
	"errors"
	"io"
	"slices"
	"time"

	"github.com/signet-auth/signet"
)

// Second factors of local accounts: the policy and what a browser session
// must show to satisfy it (catalogue MF-03). The pages ask; every approval
// (consent, device approval, the Sign-In and OAuth authorize pages) goes
// through CheckSecondFactor before a code or an approval is issued.

// MFAConfig configures second factors. The zero value turns them off: no
// store, nobody is asked.
type MFAConfig struct {
	// Store keeps factors and per-user overrides; nil turns MFA off.
	Store signet.MFAStore
	// Sealer seals TOTP secrets at rest (the keyring's AEAD key).
	Sealer Sealer
	// Policy is the deployment's policy for users without an override:
	// off, optional (the default) or required.
	Policy signet.MFAPolicy
	// AdminRoles name the roles that make a user an administrator: a user
	// with an assignment to one of them is under MFARequired unless the
	// deployment's policy is off or the user has an override. Nil: the
	// default DefaultAdminRoles; empty: nobody is an administrator.
	AdminRoles []string
	// ConsoleAdmins name the users of the admin console (--admin-user):
	// they are under MFARequired whatever the deployment's policy and
	// their own override, so that no password alone opens the console.
	// A user an identity provider created stays exempt (SecondStepFor).
	ConsoleAdmins []string
	// Issuer labels the account in authenticator apps ("signet").
	Issuer string
	// Rand draws TOTP secrets and recovery codes; nil: crypto/rand.
	Rand io.Reader
	// Passkeys keeps WebAuthn credentials; with Issuer URL set (the
	// relying party: its host is the rpId, its origin the only one
	// accepted) passkeys are on. They need Config.Replay.
	Passkeys  signet.PasskeyStore
	IssuerURL string
}

// Sealer is authenticated encryption with associated data;
// *keyring.Keyring implements it.
type Sealer interface {
	Seal(plaintext, ad []byte) ([]byte, error)
	Open(ciphertext, ad []byte) ([]byte, error)
}

// DefaultAdminRoles are the role names that make a user an administrator
// when MFAConfig.AdminRoles is nil.
var DefaultAdminRoles = []string{"Admin", "AdministratorAccess"}

// ReauthWindow is how recent a sign-in must be for a factor to be enrolled
// or removed (catalogue MF-04).
const ReauthWindow = 5 * time.Minute

func (c MFAConfig) withDefaults() (MFAConfig, error) {
	if c.Policy == signet.MFADefault {
		c.Policy = signet.MFAOptional
	}
	if !c.Policy.Valid() {
		return c, errors.New("authserver: MFA policy must be off, optional or required")
	}
	if c.AdminRoles == nil {
		c.AdminRoles = DefaultAdminRoles
	}
	if c.Rand == nil {
		c.Rand = rand.Reader
	}
	if c.Issuer == "" {
		c.Issuer = "signet"
	}
	if c.Store != nil && c.Sealer == nil {
		return c, errors.New("authserver: MFAConfig.Store needs a Sealer")
	}
	return c, nil
}

// MFAStatus is where a user stands with second factors.
type MFAStatus struct {
	Policy       signet.MFAPolicy // in force for the user
	Override     signet.MFAPolicy // the user's own; MFADefault if none
	Admin        bool             // has an administrator role
	TOTP         bool             // an authenticator app is enrolled
	TOTPAdded    time.Time
	RecoveryLeft int // unused recovery codes
	RecoveryAll  int
	PasskeyCount int
	Passkeys     []signet.Passkey // listed by MFAStatus only
}

// Enrolled reports whether the user has a factor for the second step.
func (m MFAStatus) Enrolled() bool { return m.TOTP || m.PasskeyCount > 0 }

// MFAEnabled reports whether second factors are configured at all.
func (s *Server) MFAEnabled() bool { return s.mfa.Store != nil }

// MFAStatus returns u's status, with its passkeys listed.
func (s *Server) MFAStatus(ctx context.Context, u signet.User) (MFAStatus, error) {
	st, err := s.mfaSummary(ctx, u)
	if err != nil || st.PasskeyCount == 0 {
		return st, err
	}
	st.Passkeys, err = s.Passkeys(ctx, u.ID)
	return st, err
}

// mfaSummary is u's status from one read (signet.MFAStore.MFASummary),
// without the passkeys' list: what an approval needs to decide.
func (s *Server) mfaSummary(ctx context.Context, u signet.User) (MFAStatus, error) {
	st := MFAStatus{Policy: signet.MFAOff}
	if !s.MFAEnabled() {
		return st, nil
	}
	sum, err := s.mfa.Store.MFASummary(ctx, u.ID)
	if err != nil {
		return st, signet.Internal(err)
	}
	ov := sum.Policy
	st.Override = ov
	console := slices.Contains(s.mfa.ConsoleAdmins, u.Name)
	st.Admin = console || slices.ContainsFunc(u.Assignments, func(a signet.Assignment) bool {
		return slices.Contains(s.mfa.AdminRoles, a.RoleName)
	})
	switch {
	case console:
		st.Policy = signet.MFARequired
	case ov != signet.MFADefault:
		st.Policy = ov
	case s.mfa.Policy == signet.MFAOff:
		st.Policy = signet.MFAOff
	case st.Admin:
		st.Policy = signet.MFARequired
	default:
		st.Policy = s.mfa.Policy
	}
	st.TOTP, st.TOTPAdded = sum.TOTP, sum.TOTPAdded
	st.RecoveryAll, st.RecoveryLeft = sum.RecoveryAll, sum.RecoveryUnused
	// Passkeys count only where they are on, as Passkeys lists them.
	if s.mfa.Passkeys != nil {
		st.PasskeyCount = sum.Passkeys
	}
	return st, nil
}

// localSignIn reports whether amr is a local account's sign-in, which the
// policy governs. A session without a password in its AMR came from
// elsewhere (an upstream identity provider): its factors are the
// upstream's business, and it is exempt. An empty AMR counts as local, so
// that a session that says nothing is never waved through.
func localSignIn(amr []string) bool {
	return len(amr) == 0 || slices.Contains(amr, signet.AMRPassword)
}

// secondFactor reports whether amr includes a second factor: a one-time
// code, or a passkey (after the password, or verifying the user itself).
func secondFactor(amr []string) bool {
	return slices.Contains(amr, signet.AMROTP) || slices.Contains(amr, signet.AMRHardwareKey)
}

// SecondStep says what a signed-in browser session still has to do.
type SecondStep int

// Second steps.
const (
	StepNone   SecondStep = iota // complete: the session may approve
	StepVerify                   // present an enrolled factor
	StepEnrol                    // enrol a factor first (policy required, none enrolled)
)

// SecondStepFor decides what a session of u with amr must still do, with
// u's status. A session that passed its second step, or is not a local
// sign-in, needs nothing and costs no read: its status is then left zero
// (ask with a nil amr, or MFAStatus, for the whole of it).
func (s *Server) SecondStepFor(ctx context.Context, u signet.User, amr []string) (SecondStep, MFAStatus, error) {
	return s.secondStep(ctx, u, amr, s.MFAStatus)
}

// secondStep is SecondStepFor with the status read by status: the pages
// show the whole of it, an approval decides from the summary alone.
func (s *Server) secondStep(ctx context.Context, u signet.User, amr []string, status func(context.Context, signet.User) (MFAStatus, error)) (SecondStep, MFAStatus, error) {
	// A user without a local password (one an upstream identity provider
	// created) never signs in here: whatever its provider reports in amr
	// ("pwd" included, or nothing), its factors are the provider's.
	if u.PasswordHash == "" {
		return StepNone, MFAStatus{}, nil
	}
	if len(amr) > 0 && (!localSignIn(amr) || secondFactor(amr)) {
		return StepNone, MFAStatus{}, nil
	}
	st, err := status(ctx, u)
	if err != nil {
		return StepNone, st, err
	}
	switch {
	case st.Policy == signet.MFAOff, !localSignIn(amr), secondFactor(amr):
		return StepNone, st, nil
	case st.Enrolled():
		return StepVerify, st, nil
	case st.Policy == signet.MFARequired:
		return StepEnrol, st, nil
	}
	return StepNone, st, nil
}

// errSecondFactor refuses an approval from a session without the second
// factor the policy asks for.
var errSecondFactor = &signet.Error{Code: signet.CodeAccessDenied, Message: "A second factor is required to approve this request."}

// CheckSecondFactor refuses (access_denied) an approval by userID from a
// session whose AMR does not satisfy the user's policy. Every approval
// calls it (catalogue MF-03).
func (s *Server) CheckSecondFactor(ctx context.Context, userID string, amr []string) error {
	if !s.MFAEnabled() {
		return nil
	}
	u, err := s.users.GetUser(ctx, userID)
	if err != nil {
		if errors.Is(err, signet.ErrNotFound) {
			return &signet.Error{Code: signet.CodeAccessDenied, Message: "No such user.", Err: err}
		}
		return signet.Internal(err)
	}
	return s.checkSecondFactor(ctx, u, amr)
}

// checkSecondFactor is CheckSecondFactor for a user already read.
func (s *Server) checkSecondFactor(ctx context.Context, u signet.User, amr []string) error {
	if !s.MFAEnabled() {
		return nil
	}
	step, _, err := s.secondStep(ctx, u, amr, s.mfaSummary)
	if err != nil {
		return err
	}
	if step != StepNone {
		return errSecondFactor
	}
	return nil
}

// errReauth refuses a factor change without a recent sign-in.
var errReauth = &signet.Error{Code: signet.CodeAccessDenied, Message: "Sign in again (with your second factor, if you have one) to change your second factors."}

// completeAMR is the AMR of a local sign-in completed by a second factor.
func completeAMR(factor string) []string { return []string{signet.AMRPassword, factor, signet.AMRMFA} }

// recentSignIn refuses a factor change from a session that signed in more
// than ReauthWindow ago, or that has not passed the second step of a user
// who has a factor (catalogue MF-04).
func (s *Server) recentSignIn(ctx context.Context, rec signet.BrowserSession, u signet.User) error {
	if s.clock.Now().Sub(rec.AuthTime) > ReauthWindow {
		return errReauth
	}
	step, _, err := s.secondStep(ctx, u, rec.AMR, s.mfaSummary)
	if err != nil {
		return err
	}
	if step == StepVerify {
		return errReauth
	}
	return nil
}

// factorsChanged ends every other sign-in of the user after a factor
// change: every token session and every browser session (this one
// included), records the change (ev, the factor's kind), then starts the
// browser a new session with amr.
func (s *Server) factorsChanged(ctx context.Context, rec signet.BrowserSession, amr []string, why string, ev signet.AuditEvent, kind string) (string, signet.BrowserSession, error) {
	if _, _, err := s.RevokeUserSessions(ctx, rec.UserID, why); err != nil {
		return "", signet.BrowserSession{}, err
	}
	if err := s.auditFactor(ctx, rec.UserID, ev, kind, "web", ""); err != nil {
		return "", signet.BrowserSession{}, err
	}
	return s.StartBrowserSession(ctx, BrowserLogin{UserID: rec.UserID, AMR: amr, Address: rec.Address, UserAgent: rec.UserAgent})
}
