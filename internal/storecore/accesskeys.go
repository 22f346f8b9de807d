package storecore

import "github.com/signet-auth/signet"

// AccessKeyCols are the access_keys columns in the order AccessKeyArgs and
// ScanAccessKey use.
const AccessKeyCols = `id, principal_arn, sealed_secret, created_at, disabled`

// AccessKeyArgs are k's column values.
func AccessKeyArgs(k signet.AccessKey) []any {
	return []any{k.ID, k.PrincipalARN, k.SealedSecret, Millis(k.CreatedAt), k.Disabled}
}

// ScanAccessKey reads one access_keys row.
func ScanAccessKey(r Scanner) (signet.AccessKey, error) {
	var k signet.AccessKey
	var created int64
	err := r.Scan(&k.ID, &k.PrincipalARN, &k.SealedSecret, &created, &k.Disabled)
	k.CreatedAt = Time(created)
	return k, err
}
