package signet

import (
	"context"
	"time"
)

// RoleBinding backs an assignment's (account, role) with a real IAM role:
// the credentials handed out for it come from STS AssumeRoleWithWebIdentity
// on RoleARN instead of signet's own authority. A pair with no binding keeps
// local credentials (the default, offline).
type RoleBinding struct {
	AccountID string // 12 digits
	RoleName  string // the assignment's role name
	RoleARN   string // arn:aws:iam::<AccountID>:role/<path/>name
	// MaxDuration bounds the role sessions signet asks STS for; it should
	// not exceed the role's own maximum session duration. 0: the operator's
	// default.
	MaxDuration time.Duration
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// RoleBindingStore keeps role bindings, keyed by (AccountID, RoleName).
type RoleBindingStore interface {
	// SetRoleBinding stores b, replacing any binding of the same pair (its
	// CreatedAt is kept); it never fails for an existing pair.
	SetRoleBinding(ctx context.Context, b RoleBinding) error
	// GetRoleBinding returns ErrNotFound when the pair has no binding.
	GetRoleBinding(ctx context.Context, accountID, roleName string) (RoleBinding, error)
	// ListRoleBindings returns every binding ordered by account, then role
	// name (byte order); none is not an error.
	ListRoleBindings(ctx context.Context) ([]RoleBinding, error)
	// DeleteRoleBinding removes the pair's binding; ErrNotFound if it has
	// none.
	DeleteRoleBinding(ctx context.Context, accountID, roleName string) error
}
