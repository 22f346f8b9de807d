package postgres

import (
	"context"

	"github.com/signet-auth/signet"
	sc "github.com/signet-auth/signet/internal/storecore"
)

// CreateAccessKey implements signet.AccessKeyStore.
func (db *DB) CreateAccessKey(ctx context.Context, k signet.AccessKey) error {
	return db.exec(ctx, false, `INSERT INTO access_keys (`+sc.AccessKeyCols+`) VALUES ($1, $2, $3, $4, $5)`, sc.AccessKeyArgs(k)...)
}

// GetAccessKey implements signet.AccessKeyStore.
func (db *DB) GetAccessKey(ctx context.Context, id string) (signet.AccessKey, error) {
	return one(sc.ScanAccessKey(db.readRow(ctx, `SELECT `+sc.AccessKeyCols+` FROM access_keys WHERE id = $1`, id)))
}

// ListAccessKeys implements signet.AccessKeyStore.
func (db *DB) ListAccessKeys(ctx context.Context, principalARN string) ([]signet.AccessKey, error) {
	return all(ctx, db, sc.ScanAccessKey, `SELECT `+sc.AccessKeyCols+` FROM access_keys
		WHERE $1 = '' OR principal_arn = $1 ORDER BY created_at, id COLLATE "C"`, principalARN)
}

// DeleteAccessKey implements signet.AccessKeyStore.
func (db *DB) DeleteAccessKey(ctx context.Context, id string) error {
	return db.exec(ctx, true, `DELETE FROM access_keys WHERE id = $1`, id)
}
