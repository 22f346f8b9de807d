package authserver

import (
	"context"
	"errors"

	"github.com/signet-auth/signet"
)

// loginFailed is the one answer to a failed login: unknown user, wrong
// password and disabled user look alike (RFC 6749 §5.2 invalid_grant for
// bad resource-owner credentials; no user enumeration, catalogue RL-04).
func loginFailed(cause error) *signet.Error {
	return &signet.Error{Code: signet.CodeInvalidGrant, Message: "Incorrect user name or password.", Err: cause}
}

// validUserName: user names become the session name of the assumed-role ARN
// (arn:aws:sts::<account>:assumed-role/<role>/<user>), so they follow IAM's
// role-session-name rule: 2–64 characters of [\w+=,.@-]. Names are
// case-sensitive, as IAM's are.
func validUserName(name string) bool { return iamName(name, 2) }

// CreateUser creates a user with an argon2id hash of password.
func (s *Server) CreateUser(ctx context.Context, name, displayName, password string) (signet.User, error) {
	if !validUserName(name) {
		return signet.User{}, invalidRequest("The user name must be 2 to 64 characters of letters, digits and +=,.@_-.")
	}
	if !printable(displayName, MaxDisplayNameLen) {
		return signet.User{}, invalidRequest("The display name is too long or contains control characters.")
	}
	if err := s.pwPolicy.check(password, name, displayName); err != nil {
		return signet.User{}, err
	}
	id, err := s.minter.ID()
	if err != nil {
		return signet.User{}, signet.Internal(err)
	}
	hash, err := s.passwords.Hash(password)
	if err != nil {
		return signet.User{}, signet.Internal(err)
	}
	now := s.clock.Now()
	u := signet.User{
		ID: id, Name: name, DisplayName: displayName, PasswordHash: hash,
		CredentialsChangedAt: now, CreatedAt: now, UpdatedAt: now,
	}
	if err := s.users.CreateUser(ctx, u); err != nil {
		if errors.Is(err, signet.ErrConflict) {
			return signet.User{}, &signet.Error{Code: signet.CodeConflict, Message: "A user with that name exists.", Err: err}
		}
		return signet.User{}, signet.Internal(err)
	}
	return u, s.auditAdmin(ctx, u.ID, "", "user added name=%s", u.Name)
}

// Authenticate checks a login. An unknown name still costs one argon2id
// verification (against a dummy hash), and a disabled user is told the same
// as a wrong password, so neither the answer nor its timing says which names
// exist. A hash made with old parameters is upgraded on success.
func (s *Server) Authenticate(ctx context.Context, name, password string) (signet.User, error) {
	u, err := s.authenticate(ctx, name, password)
	rec := signet.AuditRecord{Event: signet.AuditLoginSucceeded, UserID: u.ID, Surface: "web",
		Detail: "factor=" + signet.AMRPassword}
	if u.ID != "" {
		rec.Actor = "user:" + u.Name
	}
	if err != nil {
		// The name typed is not recorded: people type passwords into it.
		rec.Event, rec.Outcome, rec.UserID, rec.Actor = signet.AuditLoginFailed, signet.AuditFailure, failedUserID(err), ""
		rec.Detail += " reason=" + loginFailureReason(err)
	}
	if aerr := s.audit(ctx, rec); aerr != nil && err == nil {
		return signet.User{}, aerr
	}
	return u, err
}

// loginFailure carries what a failed login is recorded with.
type loginFailure struct {
	userID, reason string
}

func (f *loginFailure) Error() string { return "login failed: " + f.reason }

func failedUserID(err error) string {
	var f *loginFailure
	if errors.As(err, &f) {
		return f.userID
	}
	return ""
}

func loginFailureReason(err error) string {
	var f *loginFailure
	if errors.As(err, &f) {
		return f.reason
	}
	return "error"
}

func (s *Server) authenticate(ctx context.Context, name, password string) (signet.User, error) {
	if len(password) > MaxPasswordLen {
		return signet.User{}, loginFailed(&loginFailure{reason: "password_too_long"})
	}
	u, err := s.users.GetUserByName(ctx, name)
	switch {
	case errors.Is(err, signet.ErrNotFound):
		_, _ = s.passwords.Verify(s.dummyPasswordHash, password)
		return signet.User{}, loginFailed(errors.Join(err, &loginFailure{reason: "unknown_user"}))
	case err != nil:
		return signet.User{}, signet.Internal(err)
	}
	ok, err := s.passwords.Verify(u.PasswordHash, password)
	if err != nil {
		return signet.User{}, loginFailed(errors.Join(err, &loginFailure{userID: u.ID, reason: "bad_hash"}))
	}
	if !ok {
		return signet.User{}, loginFailed(&loginFailure{userID: u.ID, reason: "wrong_password"})
	}
	if u.Disabled {
		return signet.User{}, loginFailed(&loginFailure{userID: u.ID, reason: "disabled"})
	}
	if s.passwords.NeedsRehash(u.PasswordHash) {
		// Best effort: the login stands even if the upgrade fails; the
		// next login tries again.
		if h, err := s.passwords.Hash(password); err == nil {
			u.PasswordHash, u.UpdatedAt = h, s.clock.Now()
			_ = s.users.UpdateUser(ctx, u)
		}
	}
	return u, nil
}

// updateUser reads the user, applies change and writes it back.
func (s *Server) updateUser(ctx context.Context, userID string, change func(*signet.User) *signet.Error) (signet.User, error) {
	u, err := s.users.GetUser(ctx, userID)
	if err != nil {
		return signet.User{}, userLookupFailed(err)
	}
	if e := change(&u); e != nil {
		return signet.User{}, e
	}
	u.UpdatedAt = s.clock.Now()
	if err := s.users.UpdateUser(ctx, u); err != nil {
		return signet.User{}, userLookupFailed(err)
	}
	return u, nil
}

func userLookupFailed(err error) *signet.Error {
	if errors.Is(err, signet.ErrNotFound) {
		return &signet.Error{Code: signet.CodeNotFound, Message: "No such user.", Err: err}
	}
	return signet.Internal(err)
}

// SetPassword replaces the user's password and moves CredentialsChangedAt
// to now: every session that began before fails its next refresh with
// ReasonCredentialsChanged (catalogue RT-07), and the user's browser
// sessions are revoked (BS-01).
//
// The password must pass the same policy as at CreateUser (catalogue
// PW-01), judged against the user's current names.
func (s *Server) SetPassword(ctx context.Context, userID, password string) error {
	u, err := s.users.GetUser(ctx, userID)
	if err != nil {
		return userLookupFailed(err)
	}
	if err := s.pwPolicy.check(password, u.Name, u.DisplayName); err != nil {
		return err
	}
	hash, err := s.passwords.Hash(password)
	if err != nil {
		return signet.Internal(err)
	}
	_, err = s.updateUser(ctx, userID, func(u *signet.User) *signet.Error {
		u.PasswordHash = hash
		u.CredentialsChangedAt = s.clock.Now()
		return nil
	})
	if err != nil {
		return err
	}
	if err := s.auditAdmin(ctx, userID, "", "password reset"); err != nil {
		return err
	}
	_, err = s.revokeUserBrowserSessions(ctx, userID, "password changed")
	return err
}

// SetDisabled disables or enables a user. A disabled user cannot log in,
// the user's sessions fail their next refresh with ReasonUserDisabled, and
// disabling revokes the user's browser sessions (BS-01).
func (s *Server) SetDisabled(ctx context.Context, userID string, disabled bool) error {
	_, err := s.updateUser(ctx, userID, func(u *signet.User) *signet.Error {
		u.Disabled = disabled
		return nil
	})
	if err == nil {
		err = s.auditAdmin(ctx, userID, "", "disabled=%t", disabled)
	}
	if err != nil || !disabled {
		return err
	}
	_, err = s.revokeUserBrowserSessions(ctx, userID, "user disabled")
	return err
}

// SetAssignments replaces the user's account/role assignments. Account ids
// are 12 digits; role names follow IAM (1–64 of [\w+=,.@-]). Duplicates are
// refused.
func (s *Server) SetAssignments(ctx context.Context, userID string, as []signet.Assignment) error {
	for i, a := range as {
		if !validAssignment(a) {
			return invalidRequest("An assignment needs a 12-digit account id and a valid IAM role name.")
		}
		for _, b := range as[:i] {
			if a == b {
				return invalidRequest("An assignment is listed twice.")
			}
		}
	}
	_, err := s.updateUser(ctx, userID, func(u *signet.User) *signet.Error {
		u.Assignments = append([]signet.Assignment(nil), as...)
		return nil
	})
	if err != nil {
		return err
	}
	return s.auditAdmin(ctx, userID, "", "assignments=%s", assignmentsDetail(as))
}
