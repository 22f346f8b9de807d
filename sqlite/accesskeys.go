package sqlite

import (
	"context"

	"github.com/signet-auth/signet/awscreds"
	sc "github.com/signet-auth/signet/internal/storecore"
)

var _ awscreds.AccessKeyStore = (*DB)(nil)

// CreateAccessKey implements awscreds.AccessKeyStore.
func (db *DB) CreateAccessKey(ctx context.Context, k awscreds.AccessKey) error {
	return db.exec(ctx, false, `INSERT INTO access_keys (`+sc.AccessKeyCols+`) VALUES (?, ?, ?, ?, ?)`, sc.AccessKeyArgs(k)...)
}

// GetAccessKey implements awscreds.AccessKeyStore.
func (db *DB) GetAccessKey(ctx context.Context, id string) (awscreds.AccessKey, error) {
	return one(sc.ScanAccessKey(db.readRow(ctx, `SELECT `+sc.AccessKeyCols+` FROM access_keys WHERE id = ?`, id)))
}

// ListAccessKeys implements awscreds.AccessKeyStore.
func (db *DB) ListAccessKeys(ctx context.Context, principalARN string) ([]awscreds.AccessKey, error) {
	return all(ctx, db, sc.ScanAccessKey, `SELECT `+sc.AccessKeyCols+` FROM access_keys
		WHERE ?1 = '' OR principal_arn = ?1 ORDER BY created_at, id`, principalARN)
}

// DeleteAccessKey implements awscreds.AccessKeyStore.
func (db *DB) DeleteAccessKey(ctx context.Context, id string) error {
	return db.exec(ctx, true, `DELETE FROM access_keys WHERE id = ?`, id)
}
