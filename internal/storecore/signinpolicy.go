package storecore

import (
	"strings"

	"github.com/signet-auth/signet"
)

// SigninStatementCols are the signin_statements columns in the order
// SigninStatementArgs and ScanSigninStatement use.
const SigninStatementCols = `account_id, id, condition_key, source_ip, excluded_principal, source_vpc,
	signin_source_vpce, console_source_vpce, vpc_source_ip, requested_region, client_token, created_at`

// SigninStatementArgs are s's column values.
func SigninStatementArgs(s signet.SigninStatement) []any {
	return []any{s.AccountID, s.ID, ConditionKey(s), s.SourceIP, s.ExcludedPrincipal, s.SourceVPC,
		s.SigninSourceVPCE, s.ConsoleSourceVPCE, s.VPCSourceIP, s.RequestedRegion, s.ClientToken, Millis(s.CreatedAt)}
}

// ScanSigninStatement reads one signin_statements row.
func ScanSigninStatement(r Scanner) (signet.SigninStatement, error) {
	var s signet.SigninStatement
	var key string
	var created int64
	err := r.Scan(&s.AccountID, &s.ID, &key, &s.SourceIP, &s.ExcludedPrincipal, &s.SourceVPC,
		&s.SigninSourceVPCE, &s.ConsoleSourceVPCE, &s.VPCSourceIP, &s.RequestedRegion, &s.ClientToken, &created)
	s.CreatedAt = Time(created)
	return s, err
}

// ConditionKey is one string for s's conditions: two live statements of an
// account never share it (a unique index holds it). The separator cannot
// occur in a condition value the API accepts.
func ConditionKey(s signet.SigninStatement) string {
	return strings.Join([]string{s.SourceIP, s.ExcludedPrincipal, s.SourceVPC, s.SigninSourceVPCE,
		s.ConsoleSourceVPCE, s.VPCSourceIP, s.RequestedRegion}, "\x1f")
}

// PutOutcome decides a PutSigninStatement whose insert changed nothing:
// byToken is the account's statement with s's client token (nil if none),
// dup whether a live statement has s's conditions. A retry with the same
// conditions gets its statement back; anything else that collided is a
// conflict; what is left is the quota.
func PutOutcome(s signet.SigninStatement, byToken *signet.SigninStatement, dup bool) (signet.SigninStatement, error) {
	switch {
	case byToken != nil && byToken.SameConditions(s):
		return *byToken, nil
	case byToken != nil || dup:
		return signet.SigninStatement{}, signet.ErrConflict
	}
	return signet.SigninStatement{}, signet.ErrQuotaExceeded
}

// GroupPolicies turns rows of (enabled account, statement or none), ordered
// by account, into one policy per account; a row whose statement has no ID
// is an enabled account without statements.
func GroupPolicies(rows []signet.SigninStatement) []signet.SigninPolicy {
	var out []signet.SigninPolicy
	for _, r := range rows {
		if len(out) == 0 || out[len(out)-1].AccountID != r.AccountID {
			out = append(out, signet.SigninPolicy{AccountID: r.AccountID})
		}
		if r.ID != "" {
			p := &out[len(out)-1]
			p.Statements = append(p.Statements, r)
		}
	}
	return out
}

// SigninPoliciesQuery reads every enabled account with its live statements
// in the column order of ScanSigninStatement, an account without any as one
// row of empty strings; GroupPolicies turns the rows into policies.
const SigninPoliciesQuery = `SELECT c.target_id, COALESCE(s.id, ''), COALESCE(s.condition_key, ''),
	COALESCE(s.source_ip, ''), COALESCE(s.excluded_principal, ''), COALESCE(s.source_vpc, ''),
	COALESCE(s.signin_source_vpce, ''), COALESCE(s.console_source_vpce, ''), COALESCE(s.vpc_source_ip, ''),
	COALESCE(s.requested_region, ''), COALESCE(s.client_token, ''), COALESCE(s.created_at, 0)
	FROM console_authorizations c LEFT JOIN signin_statements s ON s.account_id = c.target_id AND s.deleted_at = 0`
