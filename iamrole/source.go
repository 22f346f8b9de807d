package iamrole

import (
	"context"
	"errors"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/awscreds"
)

// Local is the credential source for assignments without a binding;
// *awscreds.Authority implements it.
type Local interface {
	RoleCredentials(ctx context.Context, r awscreds.RoleRequest) (awscreds.Credentials, error)
	ForgetSession(sessionID string)
}

var _ Local = (*awscreds.Authority)(nil)

// Source chooses, per assignment, where role credentials come from: a
// binding in Bindings sends the request to STS through Exchanger, no
// binding keeps it local. It implements the credential interfaces of the
// SSO portal and Sign-In.
type Source struct {
	Local     Local
	Bindings  signet.RoleBindingStore
	Exchanger *Exchanger // nil: bindings are refused (no IAM settings)
}

// RoleCredentials implements the surfaces' credential source.
func (s *Source) RoleCredentials(ctx context.Context, r awscreds.RoleRequest) (awscreds.Credentials, error) {
	b, err := s.Bindings.GetRoleBinding(ctx, r.Assignment.AccountID, r.Assignment.RoleName)
	if errors.Is(err, signet.ErrNotFound) {
		return s.Local.RoleCredentials(ctx, r)
	}
	if err != nil {
		return awscreds.Credentials{}, signet.AsError(err)
	}
	if s.Exchanger == nil {
		return awscreds.Credentials{}, signet.Internal(errors.New("iamrole: " + b.RoleARN +
			" is bound but no IAM settings are configured"))
	}
	return s.Exchanger.Exchange(ctx, b, r)
}

// ForgetSession drops a session's cached liveness (local credentials only:
// STS's cannot be recalled).
func (s *Source) ForgetSession(sessionID string) { s.Local.ForgetSession(sessionID) }
