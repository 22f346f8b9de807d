package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/signet-auth/signet"
	sc "github.com/signet-auth/signet/internal/storecore"
)

// Passkeys: the statements are storecore's, with SQLite's ?N placeholders.

var _ signet.PasskeyStore = (*DB)(nil)

// AddPasskey implements signet.PasskeyStore.
func (db *DB) AddPasskey(ctx context.Context, p signet.Passkey) error {
	return db.exec(ctx, false, sc.SQLite(sc.PasskeyInsert), sc.PasskeyArgs(p)...)
}

// GetPasskey implements signet.PasskeyStore.
func (db *DB) GetPasskey(ctx context.Context, id []byte) (signet.Passkey, error) {
	return one(sc.ScanPasskey(db.readRow(ctx, sc.SQLite(sc.PasskeyGet), id)))
}

// ListPasskeys implements signet.PasskeyStore.
func (db *DB) ListPasskeys(ctx context.Context, userID string) ([]signet.Passkey, error) {
	return all(ctx, db, sc.ScanPasskey, sc.SQLite(sc.PasskeyList), userID)
}

// UsePasskey implements signet.PasskeyStore.
func (db *DB) UsePasskey(ctx context.Context, id []byte, signCount uint32, now time.Time) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		t := db.wtx(tx)
		ok, err := t.changed(ctx, sc.SQLite(sc.PasskeyUse), id, int64(signCount), sc.Millis(now))
		if err != nil || ok {
			return err
		}
		return db.spentOrMissing(ctx, t, sc.SQLite(sc.PasskeyExists), id)
	})
}

// DeletePasskey implements signet.PasskeyStore.
func (db *DB) DeletePasskey(ctx context.Context, userID string, id []byte) error {
	return db.exec(ctx, true, sc.SQLite(sc.PasskeyDelete), userID, id)
}
