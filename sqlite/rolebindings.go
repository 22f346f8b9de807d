package sqlite

import (
	"context"

	"github.com/signet-auth/signet"
	sc "github.com/signet-auth/signet/internal/storecore"
)

// SetRoleBinding implements signet.RoleBindingStore: one upsert that keeps
// the first CreatedAt.
func (db *DB) SetRoleBinding(ctx context.Context, b signet.RoleBinding) error {
	return db.exec(ctx, false, `INSERT INTO role_bindings (`+sc.RoleBindingCols+`) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (account_id, role_name) DO UPDATE SET role_arn = excluded.role_arn,
		max_duration_seconds = excluded.max_duration_seconds, updated_at = excluded.updated_at`,
		sc.RoleBindingArgs(b)...)
}

// GetRoleBinding implements signet.RoleBindingStore.
func (db *DB) GetRoleBinding(ctx context.Context, accountID, roleName string) (signet.RoleBinding, error) {
	return one(sc.ScanRoleBinding(db.readRow(ctx, `SELECT `+sc.RoleBindingCols+` FROM role_bindings
		WHERE account_id = ? AND role_name = ?`, accountID, roleName)))
}

// ListRoleBindings implements signet.RoleBindingStore.
func (db *DB) ListRoleBindings(ctx context.Context) ([]signet.RoleBinding, error) {
	return all(ctx, db, sc.ScanRoleBinding, `SELECT `+sc.RoleBindingCols+` FROM role_bindings
		ORDER BY account_id, role_name`)
}

// DeleteRoleBinding implements signet.RoleBindingStore.
func (db *DB) DeleteRoleBinding(ctx context.Context, accountID, roleName string) error {
	return db.exec(ctx, true, `DELETE FROM role_bindings WHERE account_id = ? AND role_name = ?`, accountID, roleName)
}
