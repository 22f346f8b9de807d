package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/signet-auth/signet"
	sc "github.com/signet-auth/signet/internal/storecore"
)

var _ signet.SigninPolicyStore = (*DB)(nil)

// errCollided rolls back a Put whose insert met a unique index.
var errCollided = errors.New("postgres: statement collided")

// PutSigninStatement implements signet.SigninPolicyStore: the insert and
// the account's counter move in one transaction; the counter's conditional
// upsert decides the quota.
func (db *DB) PutSigninStatement(ctx context.Context, s signet.SigninStatement, max int) (signet.SigninStatement, error) {
	err := db.tx(ctx, func(tx pgx.Tx) error {
		w := &writeTx{tx}
		ok, err := w.changed(ctx, `INSERT INTO signin_statements (`+sc.SigninStatementCols+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT DO NOTHING`, sc.SigninStatementArgs(s)...)
		if err != nil {
			return err
		}
		if !ok {
			return errCollided
		}
		ok, err = w.changed(ctx, `INSERT INTO signin_statement_counts (account_id, live) VALUES ($1, 1)
			ON CONFLICT (account_id) DO UPDATE SET live = signin_statement_counts.live + 1 WHERE signin_statement_counts.live < $2`, s.AccountID, max)
		if err == nil && (!ok || max < 1) {
			err = signet.ErrQuotaExceeded
		}
		return err
	})
	switch {
	case err == nil:
		return s, nil
	case !errors.Is(err, errCollided):
		return signet.SigninStatement{}, err
	}
	var byToken *signet.SigninStatement
	if s.ClientToken != "" {
		got, err := one(sc.ScanSigninStatement(db.readRow(ctx, `SELECT `+sc.SigninStatementCols+` FROM signin_statements
			WHERE account_id = $1 AND client_token = $2`, s.AccountID, s.ClientToken)))
		switch {
		case err == nil:
			byToken = &got
		case !errors.Is(err, signet.ErrNotFound):
			return signet.SigninStatement{}, err
		}
	}
	var n int64
	if err := db.readRow(ctx, `SELECT count(*) FROM signin_statements WHERE account_id = $1 AND condition_key = $2 AND deleted_at = 0`,
		s.AccountID, sc.ConditionKey(s)).Scan(&n); err != nil {
		return signet.SigninStatement{}, mapErr(err)
	}
	return sc.PutOutcome(s, byToken, n > 0)
}

// ListSigninStatements implements signet.SigninPolicyStore.
func (db *DB) ListSigninStatements(ctx context.Context, accountID string) ([]signet.SigninStatement, error) {
	return all(ctx, db, sc.ScanSigninStatement, `SELECT `+sc.SigninStatementCols+` FROM signin_statements
		WHERE account_id = $1 AND deleted_at = 0 ORDER BY created_at, id COLLATE "C"`, accountID)
}

// DeleteSigninStatement implements signet.SigninPolicyStore: one
// conditional update marks the statement deleted and the counter follows
// in the same transaction.
func (db *DB) DeleteSigninStatement(ctx context.Context, accountID, id, clientToken string, now time.Time) error {
	return db.tx(ctx, func(tx pgx.Tx) error {
		w := &writeTx{tx}
		ok, err := w.changed(ctx, `UPDATE signin_statements SET deleted_at = $1, delete_token = $2
			WHERE account_id = $3 AND id = $4 AND deleted_at = 0`, max(sc.Millis(now), 1), clientToken, accountID, id)
		if err != nil {
			return err
		}
		if ok {
			return w.exec(ctx, `UPDATE signin_statement_counts SET live = live - 1 WHERE account_id = $1`, accountID)
		}
		var n int64
		if err := w.row(ctx, `SELECT count(*) FROM signin_statements WHERE account_id = $1 AND id = $2
			AND deleted_at <> 0 AND delete_token = $3 AND delete_token <> ''`, accountID, id, clientToken).R.Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return signet.ErrNotFound
		}
		return nil
	})
}

// SetConsoleAuthorization implements signet.SigninPolicyStore.
func (db *DB) SetConsoleAuthorization(ctx context.Context, target string, enabled bool, now time.Time) error {
	if !enabled {
		return db.exec(ctx, false, `DELETE FROM console_authorizations WHERE target_id = $1`, target)
	}
	return db.exec(ctx, false, `INSERT INTO console_authorizations (target_id, enabled_at) VALUES ($1, $2)
		ON CONFLICT (target_id) DO NOTHING`, target, sc.Millis(now))
}

// ConsoleAuthorization implements signet.SigninPolicyStore.
func (db *DB) ConsoleAuthorization(ctx context.Context, target string) (bool, error) {
	var n int64
	err := db.readRow(ctx, `SELECT count(*) FROM console_authorizations WHERE target_id = $1`, target).Scan(&n)
	return n > 0, mapErr(err)
}

// SigninPolicies implements signet.SigninPolicyStore.
func (db *DB) SigninPolicies(ctx context.Context) ([]signet.SigninPolicy, error) {
	rows, err := all(ctx, db, sc.ScanSigninStatement, sc.SigninPoliciesQuery+` ORDER BY c.target_id COLLATE "C", s.created_at, s.id COLLATE "C"`)
	return sc.GroupPolicies(rows), err
}
