package storecore

import "github.com/signet-auth/signet"

// Passkeys (signet.PasskeyStore), with PostgreSQL's numbered placeholders;
// SQLite reads them through SQLite. The counter moves only forward.
const (
	PasskeyCols   = `id, user_id, name, public_key, sign_count, transports, aaguid, backup_eligible, backup_state, created_at, last_used`
	PasskeyInsert = `INSERT INTO passkeys (` + PasskeyCols + `) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`
	PasskeyGet    = `SELECT ` + PasskeyCols + ` FROM passkeys WHERE id = $1`
	PasskeyList   = `SELECT ` + PasskeyCols + ` FROM passkeys WHERE user_id = $1 ORDER BY created_at, id`
	PasskeyUse    = `UPDATE passkeys SET sign_count = $2, last_used = $3
		WHERE id = $1 AND (sign_count < $2 OR (sign_count = 0 AND $2 = 0))`
	PasskeyExists = `SELECT count(*) FROM passkeys WHERE id = $1`
	PasskeyDelete = `DELETE FROM passkeys WHERE user_id = $1 AND id = $2`
)

func bit(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// PasskeyArgs are p's column values in PasskeyCols order.
func PasskeyArgs(p signet.Passkey) []any {
	return []any{p.ID, p.UserID, p.Name, p.PublicKey, int64(p.SignCount), JSON(p.Transports), append([]byte{}, p.AAGUID...),
		bit(p.BackupEligible), bit(p.BackupState), Millis(p.CreatedAt), Millis(p.LastUsed)}
}

// ScanPasskey reads a row of PasskeyCols.
func ScanPasskey(r Scanner) (signet.Passkey, error) {
	var p signet.Passkey
	var count, be, bs, created, used int64
	var transports string
	if err := r.Scan(&p.ID, &p.UserID, &p.Name, &p.PublicKey, &count, &transports, &p.AAGUID, &be, &bs, &created, &used); err != nil {
		return signet.Passkey{}, err
	}
	var d decoder
	p.SignCount, p.Transports = uint32(count), d.list(transports)
	p.BackupEligible, p.BackupState = be != 0, bs != 0
	p.CreatedAt, p.LastUsed = Time(created), Time(used)
	if len(p.AAGUID) == 0 {
		p.AAGUID = nil
	}
	return p, d.err
}
