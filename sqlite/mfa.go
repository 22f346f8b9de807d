package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/signet-auth/signet"
	sc "github.com/signet-auth/signet/internal/storecore"
)

// Second factors: the statements are storecore's, with SQLite's ?N
// placeholders.

var _ signet.MFAStore = (*DB)(nil)

// SetTOTP implements signet.MFAStore.
func (db *DB) SetTOTP(ctx context.Context, f signet.TOTPFactor) error {
	return db.exec(ctx, false, sc.SQLite(sc.TOTPUpsert), sc.TOTPArgs(f)...)
}

// GetTOTP implements signet.MFAStore.
func (db *DB) GetTOTP(ctx context.Context, userID string) (signet.TOTPFactor, error) {
	return one(sc.ScanTOTP(db.readRow(ctx, sc.SQLite(sc.TOTPGet), userID)))
}

// UseTOTPStep implements signet.MFAStore: the conditional update decides,
// and only when it changed nothing does the same transaction look whether
// the factor exists at all.
func (db *DB) UseTOTPStep(ctx context.Context, userID string, step int64, now time.Time) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		t := db.wtx(tx)
		ok, err := t.changed(ctx, sc.SQLite(sc.TOTPUseStep), userID, step, sc.Millis(now))
		if err != nil || ok {
			return err
		}
		return db.spentOrMissing(ctx, t, sc.SQLite(sc.TOTPExists), userID)
	})
}

// spentOrMissing tells ErrAlreadyUsed from ErrNotFound after a conditional
// update changed nothing: q counts the rows it could have changed.
func (db *DB) spentOrMissing(ctx context.Context, t *writeTx, q string, args ...any) error {
	var n int64
	if err := t.row(ctx, q, args...).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return signet.ErrNotFound
	}
	return signet.ErrAlreadyUsed
}

// DeleteTOTP implements signet.MFAStore.
func (db *DB) DeleteTOTP(ctx context.Context, userID string) error {
	return db.exec(ctx, true, sc.SQLite(sc.TOTPDelete), userID)
}

// SetRecoveryCodes implements signet.MFAStore.
func (db *DB) SetRecoveryCodes(ctx context.Context, userID string, codes []signet.Digest, now time.Time) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		t := db.wtx(tx)
		if _, err := t.changed(ctx, sc.SQLite(sc.RecoveryWipe), userID); err != nil {
			return err
		}
		for _, d := range codes {
			if _, err := t.changed(ctx, sc.SQLite(sc.RecoveryAdd), userID, d[:], sc.Millis(now)); err != nil {
				return err
			}
		}
		return nil
	})
}

// UseRecoveryCode implements signet.MFAStore.
func (db *DB) UseRecoveryCode(ctx context.Context, userID string, d signet.Digest, now time.Time) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		t := db.wtx(tx)
		ok, err := t.changed(ctx, sc.SQLite(sc.RecoveryUse), userID, d[:], sc.Millis(now))
		if err != nil || ok {
			return err
		}
		return db.spentOrMissing(ctx, t, sc.SQLite(sc.RecoveryHas), userID, d[:])
	})
}

// RecoveryCodes implements signet.MFAStore.
func (db *DB) RecoveryCodes(ctx context.Context, userID string) (total, unused int, err error) {
	err = mapErr(db.readRow(ctx, sc.SQLite(sc.RecoveryCount), userID).Scan(&total, &unused))
	return total, unused, err
}

// MFASummary implements signet.MFAStore.
func (db *DB) MFASummary(ctx context.Context, userID string) (signet.MFASummary, error) {
	return one(sc.ScanMFASummary(db.readRow(ctx, sc.SQLite(sc.MFASummary), userID)))
}

// SetMFAPolicy implements signet.MFAStore.
func (db *DB) SetMFAPolicy(ctx context.Context, userID string, p signet.MFAPolicy) error {
	if p == signet.MFADefault {
		return db.exec(ctx, false, sc.SQLite(sc.PolicyDelete), userID)
	}
	return db.exec(ctx, false, sc.SQLite(sc.PolicySet), userID, string(p))
}

// MFAPolicy implements signet.MFAStore.
func (db *DB) MFAPolicy(ctx context.Context, userID string) (signet.MFAPolicy, error) {
	var p string
	err := mapErr(db.readRow(ctx, sc.SQLite(sc.PolicyGet), userID).Scan(&p))
	if errors.Is(err, signet.ErrNotFound) {
		return signet.MFADefault, nil
	}
	return signet.MFAPolicy(p), err
}

// CompleteBrowserSession implements signet.MFAStore.
func (db *DB) CompleteBrowserSession(ctx context.Context, id string, amr []string, now time.Time) error {
	return db.exec(ctx, true, sc.SQLite(sc.BrowserComplete), id, sc.JSON(amr), sc.Millis(now))
}
