package authserver

import (
	"context"
	"fmt"

	"github.com/signet-auth/signet"
)

// The audit records of second factors, federated logins and Sign-In
// resource policies (catalogue AU-01). None names a code, a secret, a
// token or what a person typed: a factor is named by its kind, a refusal
// by its error code.

// Factor kinds as the records name them.
const (
	factorTOTP     = "totp"
	factorRecovery = "recovery"
	factorPasskey  = "passkey"
	factorAll      = "all"
)

// failureReason is the reason class of a refusal: its error code.
func failureReason(err error) string {
	if c := signet.ErrorCodeOf(err); c != "" {
		return string(c)
	}
	return "error"
}

// auditSecondStep records u's second step with factor and returns err,
// or, for a passed step whose record cannot be written, that failure (a
// login fails closed on its record the same way).
func (s *Server) auditSecondStep(ctx context.Context, u signet.User, factor string, err error) error {
	rec := signet.AuditRecord{Event: signet.AuditMFAVerified, UserID: u.ID, Surface: "web", Detail: "factor=" + factor}
	if u.Name != "" {
		rec.Actor = "user:" + u.Name
	}
	if err != nil {
		rec.Event, rec.Outcome = signet.AuditMFAFailed, signet.AuditFailure
		rec.Detail += " reason=" + failureReason(err)
	}
	if aerr := s.audit(ctx, rec); aerr != nil && err == nil {
		return aerr
	}
	return err
}

// auditPasskeyLogin records a sign-in with a passkey alone: a login whose
// factor is the passkey. u is the credential's user when one was found.
func (s *Server) auditPasskeyLogin(ctx context.Context, u signet.User, err error) error {
	rec := signet.AuditRecord{Event: signet.AuditLoginSucceeded, UserID: u.ID, Surface: "web",
		Detail: "factor=" + signet.AMRHardwareKey}
	if u.Name != "" {
		rec.Actor = "user:" + u.Name
	}
	if err != nil {
		rec.Event, rec.Outcome = signet.AuditLoginFailed, signet.AuditFailure
		rec.Detail += " reason=" + failureReason(err)
	}
	if aerr := s.audit(ctx, rec); aerr != nil && err == nil {
		return aerr
	}
	return err
}

// auditFactor records a change of userID's factors: ev is
// AuditFactorEnrolled or AuditFactorRemoved, kind the factor's.
func (s *Server) auditFactor(ctx context.Context, userID string, ev signet.AuditEvent, kind, surface, note string) error {
	detail := "factor=" + kind
	if note != "" {
		detail += " " + note
	}
	return s.audit(ctx, signet.AuditRecord{Event: ev, UserID: userID, Surface: surface, Detail: detail})
}

// auditFederated records a login through identity provider idp: login.succeeded
// or login.failed (factor=federated, the provider, the reason class), and
// user.provisioned when the login created the user.
func (s *Server) auditFederated(ctx context.Context, idp string, u signet.User, created bool, err error) error {
	if err == nil && created {
		if aerr := s.audit(ctx, signet.AuditRecord{Event: signet.AuditUserProvisioned, UserID: u.ID,
			Actor: "user:" + u.Name, Surface: "web", Detail: fmt.Sprintf("idp=%s name=%s", idp, u.Name)}); aerr != nil {
			return aerr
		}
	}
	rec := signet.AuditRecord{Event: signet.AuditLoginSucceeded, UserID: u.ID, Surface: "web",
		Detail: "factor=federated idp=" + idp}
	if u.Name != "" {
		rec.Actor = "user:" + u.Name
	}
	if err != nil {
		rec.Event, rec.Outcome = signet.AuditLoginFailed, signet.AuditFailure
		rec.Detail += " reason=" + failureReason(err)
	}
	if aerr := s.audit(ctx, rec); aerr != nil && err == nil {
		return aerr
	}
	return err
}

// FederatedRefused records an upstream login that package upstream
// refused before it reached the engine (a bad state, an ID token that did
// not verify, an error from the provider): login.failed naming the
// provider and reason class, never the token.
func (s *Server) FederatedRefused(ctx context.Context, idp, reason string) error {
	return s.audit(ctx, signet.AuditRecord{Event: signet.AuditLoginFailed, Outcome: signet.AuditFailure,
		Surface: "web", Detail: "factor=federated idp=" + idp + " reason=" + reason})
}

// auditSigninPolicy records a change of an account's Sign-In resource
// policy or console authorization.
func (s *Server) auditSigninPolicy(ctx context.Context, accountID, what string) error {
	return s.audit(ctx, signet.AuditRecord{Event: signet.AuditAdminChange, AccountID: accountID, Surface: "signin",
		Detail: what})
}
