package storecore

import (
	"context"
	"errors"
	"slices"

	"github.com/signet-auth/signet"
)

// SCIM (signet.SCIMStore). Statements are written with PostgreSQL's
// numbered placeholders; SQLite rewrites them (SQLite). Group memberships
// are user_groups rows under signet.SCIMGroupSource(tenant).

// SCIM statements.
var (
	SCIMTokenInsert = `INSERT INTO scim_tokens (id, digest, name, tenant, created_at, revoked_at)
		VALUES ($1, $2, $3, $4, $5, $6)`
	SCIMTokenByDigest = `SELECT id, digest, name, tenant, created_at, revoked_at FROM scim_tokens
		WHERE digest = $1 AND revoked_at = 0`
	SCIMTokenList   = `SELECT id, digest, name, tenant, created_at, revoked_at FROM scim_tokens ORDER BY created_at, id`
	SCIMTokenRevoke = `UPDATE scim_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at = 0`

	scimUserSelect = `SELECT s.id, s.tenant, s.external_id, s.email, s.given_name, s.family_name,
		s.version, s.created_at, s.updated_at, ` + Cols("u", UserColumns) + ` FROM scim_users s JOIN users u ON u.id = s.user_id`
	SCIMUserGet    = scimUserSelect + ` WHERE s.tenant = $1 AND s.id = $2`
	SCIMUserList   = scimUserSelect + ` WHERE s.tenant = $1 ORDER BY s.created_at, s.id`
	SCIMUserInsert = `INSERT INTO scim_users (id, tenant, user_id, external_id, email, given_name, family_name,
		version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8, $9)`
	// SCIMUserUpdate writes only over version $8.
	SCIMUserUpdate = `UPDATE scim_users SET external_id = $3, email = $4, given_name = $5, family_name = $6,
		updated_at = $7, version = version + 1 WHERE tenant = $1 AND id = $2 AND version = $8`
	SCIMUserDelete = `DELETE FROM scim_users WHERE tenant = $1 AND id = $2`
	// SCIMUserAccount writes the users columns SCIM owns.
	SCIMUserAccount       = `UPDATE users SET name = $2, display_name = $3, disabled = $4, updated_at = $5 WHERE id = $1`
	SCIMIdentityDelete    = `DELETE FROM federated_identities WHERE idp = $1 AND subject = $2 AND user_id = $3`
	SCIMMembershipsOfUser = `DELETE FROM user_groups WHERE user_id = $1 AND idp = $2`

	scimGroupSelect = `SELECT id, tenant, display_name, external_id, version, created_at, updated_at FROM scim_groups`
	SCIMGroupGet    = scimGroupSelect + ` WHERE tenant = $1 AND id = $2`
	SCIMGroupList   = scimGroupSelect + ` WHERE tenant = $1 ORDER BY created_at, id`
	SCIMGroupInsert = `INSERT INTO scim_groups (id, tenant, display_name, external_id, version, created_at, updated_at)
		VALUES ($1, $2, $3, $4, 0, $5, $6)`
	// SCIMGroupUpdate writes only over version $6.
	SCIMGroupUpdate = `UPDATE scim_groups SET display_name = $3, external_id = $4, updated_at = $5, version = version + 1
		WHERE tenant = $1 AND id = $2 AND version = $6`
	SCIMGroupDelete = `DELETE FROM scim_groups WHERE tenant = $1 AND id = $2`
	// SCIMGroupMembers lists a group's members as SCIM user ids.
	SCIMGroupMembers = `SELECT s.id FROM user_groups g JOIN scim_users s ON s.user_id = g.user_id AND s.tenant = $2
		WHERE g.idp = $1 AND g.group_name = $3 ORDER BY s.id`
	SCIMMembersClear = `DELETE FROM user_groups WHERE idp = $1 AND group_name = $2`
	// SCIMMemberAdd adds the tenant's SCIM user $4 to the group: nothing
	// changes when there is no such user.
	SCIMMemberAdd = `INSERT INTO user_groups (user_id, idp, group_name)
		SELECT user_id, $1, $2 FROM scim_users WHERE tenant = $3 AND id = $4 ON CONFLICT DO NOTHING`
)

// SCIMTokenArgs are t's column values.
func SCIMTokenArgs(t signet.SCIMToken) []any {
	return []any{t.ID, t.Digest[:], t.Name, t.Tenant, Millis(t.CreatedAt), Millis(t.RevokedAt)}
}

// ScanSCIMToken reads one scim_tokens row.
func ScanSCIMToken(r Scanner) (signet.SCIMToken, error) {
	var t signet.SCIMToken
	var digest []byte
	var created, revoked int64
	if err := r.Scan(&t.ID, &digest, &t.Name, &t.Tenant, &created, &revoked); err != nil {
		return signet.SCIMToken{}, err
	}
	var d decoder
	t.Digest, t.CreatedAt, t.RevokedAt = d.digest(digest), Time(created), Time(revoked)
	return t, d.err
}

// ScanSCIMUser reads one row of SCIMUserGet.
func ScanSCIMUser(r Scanner) (signet.SCIMUser, error) {
	var s signet.SCIMUser
	var created, updated int64
	u, err := ScanUser(joined{r, []any{&s.ID, &s.Tenant, &s.ExternalID, &s.Email, &s.GivenName, &s.FamilyName,
		&s.Version, &created, &updated}})
	if err != nil {
		return signet.SCIMUser{}, err
	}
	s.User, s.CreatedAt, s.UpdatedAt = u, Time(created), Time(updated)
	return s, nil
}

// joined scans head's columns before the ones its caller asks for.
type joined struct {
	r    Scanner
	head []any
}

func (j joined) Scan(dest ...any) error { return j.r.Scan(append(j.head, dest...)...) }

// ScanSCIMGroup reads one scim_groups row (without members).
func ScanSCIMGroup(r Scanner) (signet.SCIMGroup, error) {
	var g signet.SCIMGroup
	var created, updated int64
	err := r.Scan(&g.ID, &g.Tenant, &g.DisplayName, &g.ExternalID, &g.Version, &created, &updated)
	g.CreatedAt, g.UpdatedAt = Time(created), Time(updated)
	return g, err
}

// CreateSCIMUser is SCIMStore.CreateSCIMUser inside the caller's
// transaction.
func CreateSCIMUser(ctx context.Context, t FedTx, s signet.SCIMUser) error {
	u := s.User
	if err := t.InsertUser(ctx, u); err != nil {
		return err
	}
	if _, err := t.Changed(ctx, SCIMUserInsert, s.ID, s.Tenant, u.ID, s.ExternalID, s.Email, s.GivenName,
		s.FamilyName, Millis(s.CreatedAt), Millis(s.UpdatedAt)); err != nil {
		return err
	}
	return linkIdentity(ctx, t, s)
}

// linkIdentity records (tenant, externalId) as the user's federated
// identity, so the provider's login finds the provisioned user.
func linkIdentity(ctx context.Context, t FedTx, s signet.SCIMUser) error {
	if s.Tenant == "" || s.ExternalID == "" {
		return nil
	}
	_, err := t.Changed(ctx, IdentityInsert, IdentityArgs(signet.FederatedIdentity{IdP: s.Tenant, Subject: s.ExternalID,
		UserID: s.User.ID, Email: s.Email, CreatedAt: s.UpdatedAt})...)
	return err
}

// ReplaceSCIMUser is SCIMStore.ReplaceSCIMUser inside the caller's
// transaction.
func ReplaceSCIMUser(ctx context.Context, t FedTx, s signet.SCIMUser) error {
	old, err := ScanSCIMUser(t.Row(ctx, SCIMUserGet, s.Tenant, s.ID))
	if err != nil {
		return err
	}
	ok, err := t.Changed(ctx, SCIMUserUpdate, s.Tenant, s.ID, s.ExternalID, s.Email, s.GivenName, s.FamilyName,
		Millis(s.UpdatedAt), s.Version)
	switch {
	case err != nil:
		return err
	case !ok:
		return signet.ErrSCIMStale
	}
	u := s.User
	if _, err := t.Changed(ctx, SCIMUserAccount, old.User.ID, u.Name, u.DisplayName, u.Disabled, Millis(s.UpdatedAt)); err != nil {
		return err
	}
	if old.ExternalID == s.ExternalID || s.Tenant == "" {
		return nil
	}
	if _, err := t.Changed(ctx, SCIMIdentityDelete, s.Tenant, old.ExternalID, old.User.ID); err != nil {
		return err
	}
	s.User.ID = old.User.ID
	return linkIdentity(ctx, t, s)
}

// DeleteSCIMUser is SCIMStore.DeleteSCIMUser inside the caller's
// transaction.
func DeleteSCIMUser(ctx context.Context, t FedTx, tenant, id string, now int64) error {
	old, err := ScanSCIMUser(t.Row(ctx, SCIMUserGet, tenant, id))
	if err != nil {
		return err
	}
	u := old.User
	steps := []struct {
		q    string
		args []any
	}{
		{SCIMUserDelete, []any{tenant, id}},
		{SCIMMembershipsOfUser, []any{u.ID, signet.SCIMGroupSource(tenant)}},
		{SCIMIdentityDelete, []any{tenant, old.ExternalID, u.ID}},
		{SCIMUserAccount, []any{u.ID, u.Name, u.DisplayName, true, now}},
	}
	for _, s := range steps {
		if _, err := t.Changed(ctx, s.q, s.args...); err != nil {
			return err
		}
	}
	return nil
}

// WriteSCIMGroup inserts g (create) or updates it (replace), then replaces
// its members, inside the caller's transaction. A member that is not a
// user of the tenant is ErrNotFound, and the caller rolls back.
func WriteSCIMGroup(ctx context.Context, t FedTx, g signet.SCIMGroup, create bool) error {
	src := signet.SCIMGroupSource(g.Tenant)
	if create {
		if _, err := t.Changed(ctx, SCIMGroupInsert, g.ID, g.Tenant, g.DisplayName, g.ExternalID,
			Millis(g.CreatedAt), Millis(g.UpdatedAt)); err != nil {
			return err
		}
	} else {
		old, err := ScanSCIMGroup(t.Row(ctx, SCIMGroupGet, g.Tenant, g.ID))
		if err != nil {
			return err
		}
		ok, err := t.Changed(ctx, SCIMGroupUpdate, g.Tenant, g.ID, g.DisplayName, g.ExternalID, Millis(g.UpdatedAt), g.Version)
		switch {
		case err != nil:
			return err
		case !ok:
			return signet.ErrSCIMStale
		}
		if _, err := t.Changed(ctx, SCIMMembersClear, src, old.DisplayName); err != nil {
			return err
		}
	}
	members := slices.Clone(g.Members)
	slices.Sort(members)
	for _, m := range slices.Compact(members) {
		ok, err := t.Changed(ctx, SCIMMemberAdd, src, g.DisplayName, g.Tenant, m)
		if err != nil {
			return err
		}
		if !ok {
			return errors.Join(signet.ErrNotFound, errors.New("storecore: member "+m+" is no user of the tenant"))
		}
	}
	return nil
}

// DeleteSCIMGroup is SCIMStore.DeleteSCIMGroup inside the caller's
// transaction.
func DeleteSCIMGroup(ctx context.Context, t FedTx, tenant, id string) error {
	old, err := ScanSCIMGroup(t.Row(ctx, SCIMGroupGet, tenant, id))
	if err != nil {
		return err
	}
	if _, err := t.Changed(ctx, SCIMMembersClear, signet.SCIMGroupSource(tenant), old.DisplayName); err != nil {
		return err
	}
	_, err = t.Changed(ctx, SCIMGroupDelete, tenant, id)
	return err
}
