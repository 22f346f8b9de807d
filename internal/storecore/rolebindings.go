package storecore

import (
	"time"

	"github.com/signet-auth/signet"
)

// RoleBindingCols are the role_bindings columns in the order RoleBindingArgs
// and ScanRoleBinding use.
const RoleBindingCols = `account_id, role_name, role_arn, max_duration_seconds, created_at, updated_at`

// RoleBindingArgs are b's column values.
func RoleBindingArgs(b signet.RoleBinding) []any {
	return []any{b.AccountID, b.RoleName, b.RoleARN, int64(b.MaxDuration / time.Second),
		Millis(b.CreatedAt), Millis(b.UpdatedAt)}
}

// ScanRoleBinding reads one role_bindings row.
func ScanRoleBinding(r Scanner) (signet.RoleBinding, error) {
	var b signet.RoleBinding
	var secs, created, updated int64
	err := r.Scan(&b.AccountID, &b.RoleName, &b.RoleARN, &secs, &created, &updated)
	b.MaxDuration = time.Duration(secs) * time.Second
	b.CreatedAt, b.UpdatedAt = Time(created), Time(updated)
	return b, err
}
