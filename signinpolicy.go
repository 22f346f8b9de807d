package signet

import (
	"context"
	"errors"
	"time"
)

// ErrQuotaExceeded: an account already holds as many Sign-In policy
// statements as it may (SigninPolicyStore.PutSigninStatement).
var ErrQuotaExceeded = errors.New("signet: quota exceeded")

// SigninStatement is one permission statement of an account's Sign-In
// resource-based policy (PutResourcePermissionStatement). Its conditions say
// from where the account's principals may sign in; empty means "not set".
// Only SourceIP and ExcludedPrincipal can be evaluated by a server outside
// AWS; the VPC conditions are kept and returned as given.
type SigninStatement struct {
	ID        string // the statementId: 64 characters of base64
	AccountID string // 12 digits: the account whose policy holds it

	SourceIP          string // an address or CIDR block, or a comma-separated list of them
	ExcludedPrincipal string // an IAM role, user or root ARN the statement does not apply to
	SourceVPC         string // vpc-…
	SigninSourceVPCE  string // vpce-…
	ConsoleSourceVPCE string // vpce-…
	VPCSourceIP       string
	RequestedRegion   string

	// ClientToken is the idempotency token of the Put that created it (""
	// if none).
	ClientToken string
	CreatedAt   time.Time
}

// SameConditions reports whether s and o state the same conditions.
func (s SigninStatement) SameConditions(o SigninStatement) bool {
	return s.SourceIP == o.SourceIP && s.ExcludedPrincipal == o.ExcludedPrincipal &&
		s.SourceVPC == o.SourceVPC && s.SigninSourceVPCE == o.SigninSourceVPCE &&
		s.ConsoleSourceVPCE == o.ConsoleSourceVPCE && s.VPCSourceIP == o.VPCSourceIP &&
		s.RequestedRegion == o.RequestedRegion
}

// SigninPolicy is the Sign-In policy an account enforces: present only for
// an account whose console authorization is enabled.
type SigninPolicy struct {
	AccountID  string
	Statements []SigninStatement // ordered by CreatedAt, then ID
}

// SigninPolicyStore keeps the accounts' Sign-In resource-based policies and
// their console authorization configuration.
type SigninPolicyStore interface {
	// PutSigninStatement adds s to its account's policy, unless the account
	// already has at most statements (ErrQuotaExceeded). A ClientToken the
	// account used before makes it idempotent: the same conditions return
	// the statement that token created (even if since deleted), with nothing
	// changed; other conditions are ErrConflict. A live statement of the
	// account with the same conditions is ErrConflict too. It returns the
	// statement as stored.
	PutSigninStatement(ctx context.Context, s SigninStatement, max int) (SigninStatement, error)
	// ListSigninStatements returns the account's live statements ordered by
	// CreatedAt, then ID; none is not an error.
	ListSigninStatements(ctx context.Context, accountID string) ([]SigninStatement, error)
	// DeleteSigninStatement removes the account's live statement id,
	// recording clientToken; deleting it again with the same non-empty
	// clientToken succeeds with nothing changed. ErrNotFound otherwise.
	DeleteSigninStatement(ctx context.Context, accountID, id, clientToken string, now time.Time) error

	// SetConsoleAuthorization turns console authorization on or off for
	// target (an account id); either is idempotent.
	SetConsoleAuthorization(ctx context.Context, target string, enabled bool, now time.Time) error
	// ConsoleAuthorization reports whether it is on for target; off (and
	// no error) for a target never set.
	ConsoleAuthorization(ctx context.Context, target string) (bool, error)
	// SigninPolicies returns, in one read, the policy of every account
	// whose console authorization is on, ordered by account id.
	SigninPolicies(ctx context.Context) ([]SigninPolicy, error)
}
