package storecore

import (
	"github.com/signet-auth/signet"
)

// Second factors (signet.MFAStore). The statements are written once, with
// PostgreSQL's numbered placeholders; SQLite reads them through SQLite. The
// conditions in their WHERE clauses are the single-use rules: a TOTP step
// moves only forward, a recovery code is spent only while unused, and only
// a live browser session is completed.
const (
	TOTPCols   = `user_id, sealed_secret, last_step, created_at, last_used`
	TOTPUpsert = `INSERT INTO totp_factors (` + TOTPCols + `) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (user_id) DO UPDATE SET sealed_secret = excluded.sealed_secret,
		last_step = excluded.last_step, created_at = excluded.created_at, last_used = excluded.last_used`
	TOTPGet      = `SELECT ` + TOTPCols + ` FROM totp_factors WHERE user_id = $1`
	TOTPUseStep  = `UPDATE totp_factors SET last_step = $2, last_used = $3 WHERE user_id = $1 AND last_step < $2`
	TOTPExists   = `SELECT count(*) FROM totp_factors WHERE user_id = $1`
	TOTPDelete   = `DELETE FROM totp_factors WHERE user_id = $1`
	RecoveryWipe = `DELETE FROM recovery_codes WHERE user_id = $1`
	RecoveryAdd  = `INSERT INTO recovery_codes (user_id, digest, created_at, used_at) VALUES ($1, $2, $3, 0)`
	RecoveryUse  = `UPDATE recovery_codes SET used_at = $3 WHERE user_id = $1 AND digest = $2 AND used_at = 0`
	RecoveryHas  = `SELECT count(*) FROM recovery_codes WHERE user_id = $1 AND digest = $2`
	// RecoveryCount counts all of a user's codes and the unused ones.
	RecoveryCount = `SELECT count(*), count(*) FILTER (WHERE used_at = 0) FROM recovery_codes WHERE user_id = $1`
	// MFASummary counts a user's factors in one statement
	// (signet.MFAStore.MFASummary): every approval reads it.
	MFASummary = `SELECT coalesce((SELECT policy FROM mfa_policies WHERE user_id = $1), ''),
		(SELECT count(*) FROM totp_factors WHERE user_id = $1),
		coalesce((SELECT created_at FROM totp_factors WHERE user_id = $1), 0),
		(SELECT count(*) FROM recovery_codes WHERE user_id = $1),
		(SELECT count(*) FROM recovery_codes WHERE user_id = $1 AND used_at = 0),
		(SELECT count(*) FROM passkeys WHERE user_id = $1)`
	PolicySet = `INSERT INTO mfa_policies (user_id, policy) VALUES ($1, $2)
		ON CONFLICT (user_id) DO UPDATE SET policy = excluded.policy`
	PolicyDelete = `DELETE FROM mfa_policies WHERE user_id = $1`
	PolicyGet    = `SELECT policy FROM mfa_policies WHERE user_id = $1`
	// BrowserComplete records a passed second step on a live session.
	BrowserComplete = `UPDATE browser_sessions SET amr = $2, auth_time = $3
		WHERE id = $1 AND revoked_at = 0 AND expires_at > $3`
)

// TOTPArgs are f's column values in TOTPCols order.
func TOTPArgs(f signet.TOTPFactor) []any {
	return []any{f.UserID, f.SealedSecret, f.LastStep, Millis(f.CreatedAt), Millis(f.LastUsed)}
}

// ScanTOTP reads a row of TOTPCols.
func ScanTOTP(r Scanner) (signet.TOTPFactor, error) {
	var f signet.TOTPFactor
	var created, used int64
	err := r.Scan(&f.UserID, &f.SealedSecret, &f.LastStep, &created, &used)
	f.CreatedAt, f.LastUsed = Time(created), Time(used)
	return f, err
}

// ScanMFASummary reads the row of MFASummary.
func ScanMFASummary(r Scanner) (signet.MFASummary, error) {
	var (
		m                        signet.MFASummary
		policy                   string
		totp, added, all, unused int64
		passkeys                 int64
	)
	if err := r.Scan(&policy, &totp, &added, &all, &unused, &passkeys); err != nil {
		return signet.MFASummary{}, err
	}
	m.Policy, m.TOTP, m.RecoveryAll, m.RecoveryUnused, m.Passkeys = signet.MFAPolicy(policy), totp > 0, int(all), int(unused), int(passkeys)
	if m.TOTP {
		m.TOTPAdded = Time(added)
	}
	return m, nil
}
