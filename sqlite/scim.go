package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/signet-auth/signet"
	sc "github.com/signet-auth/signet/internal/storecore"
)

// SCIM: the statements and transactions are storecore's, with SQLite's ?N
// placeholders.

var _ signet.SCIMStore = (*DB)(nil)

// scimTx runs fn in one write transaction.
func (db *DB) scimTx(ctx context.Context, fn func(sc.FedTx) error) error {
	return db.tx(ctx, func(tx *sql.Tx) error { return fn(fedTx{db.wtx(tx)}) })
}

// CreateSCIMToken implements signet.SCIMStore.
func (db *DB) CreateSCIMToken(ctx context.Context, t signet.SCIMToken) error {
	return db.exec(ctx, false, sc.SQLite(sc.SCIMTokenInsert), sc.SCIMTokenArgs(t)...)
}

// SCIMTokenByDigest implements signet.SCIMStore.
func (db *DB) SCIMTokenByDigest(ctx context.Context, d signet.Digest) (signet.SCIMToken, error) {
	return one(sc.ScanSCIMToken(db.readRow(ctx, sc.SQLite(sc.SCIMTokenByDigest), d[:])))
}

// ListSCIMTokens implements signet.SCIMStore.
func (db *DB) ListSCIMTokens(ctx context.Context) ([]signet.SCIMToken, error) {
	return all(ctx, db, sc.ScanSCIMToken, sc.SCIMTokenList)
}

// RevokeSCIMToken implements signet.SCIMStore.
func (db *DB) RevokeSCIMToken(ctx context.Context, id string, now time.Time) error {
	return db.exec(ctx, true, sc.SQLite(sc.SCIMTokenRevoke), id, sc.Millis(now))
}

// CreateSCIMUser implements signet.SCIMStore.
func (db *DB) CreateSCIMUser(ctx context.Context, u signet.SCIMUser) error {
	return db.scimTx(ctx, func(t sc.FedTx) error { return sc.CreateSCIMUser(ctx, t, u) })
}

// GetSCIMUser implements signet.SCIMStore.
func (db *DB) GetSCIMUser(ctx context.Context, tenant, id string) (signet.SCIMUser, error) {
	return one(sc.ScanSCIMUser(db.readRow(ctx, sc.SQLite(sc.SCIMUserGet), tenant, id)))
}

// ListSCIMUsers implements signet.SCIMStore.
func (db *DB) ListSCIMUsers(ctx context.Context, tenant string) ([]signet.SCIMUser, error) {
	return all(ctx, db, sc.ScanSCIMUser, sc.SQLite(sc.SCIMUserList), tenant)
}

// ReplaceSCIMUser implements signet.SCIMStore.
func (db *DB) ReplaceSCIMUser(ctx context.Context, u signet.SCIMUser) error {
	return db.scimTx(ctx, func(t sc.FedTx) error { return sc.ReplaceSCIMUser(ctx, t, u) })
}

// DeleteSCIMUser implements signet.SCIMStore.
func (db *DB) DeleteSCIMUser(ctx context.Context, tenant, id string, now time.Time) error {
	return db.scimTx(ctx, func(t sc.FedTx) error { return sc.DeleteSCIMUser(ctx, t, tenant, id, sc.Millis(now)) })
}

// CreateSCIMGroup implements signet.SCIMStore.
func (db *DB) CreateSCIMGroup(ctx context.Context, g signet.SCIMGroup) error {
	return db.scimTx(ctx, func(t sc.FedTx) error { return sc.WriteSCIMGroup(ctx, t, g, true) })
}

// GetSCIMGroup implements signet.SCIMStore.
func (db *DB) GetSCIMGroup(ctx context.Context, tenant, id string) (signet.SCIMGroup, error) {
	g, err := one(sc.ScanSCIMGroup(db.readRow(ctx, sc.SQLite(sc.SCIMGroupGet), tenant, id)))
	if err != nil {
		return g, err
	}
	g.Members, err = all(ctx, db, sc.ScanString, sc.SQLite(sc.SCIMGroupMembers), signet.SCIMGroupSource(tenant), tenant, g.DisplayName)
	return g, err
}

// ListSCIMGroups implements signet.SCIMStore.
func (db *DB) ListSCIMGroups(ctx context.Context, tenant string) ([]signet.SCIMGroup, error) {
	gs, err := all(ctx, db, sc.ScanSCIMGroup, sc.SQLite(sc.SCIMGroupList), tenant)
	for i := range gs {
		if err != nil {
			break
		}
		gs[i].Members, err = all(ctx, db, sc.ScanString, sc.SQLite(sc.SCIMGroupMembers), signet.SCIMGroupSource(tenant), tenant, gs[i].DisplayName)
	}
	return gs, err
}

// ReplaceSCIMGroup implements signet.SCIMStore.
func (db *DB) ReplaceSCIMGroup(ctx context.Context, g signet.SCIMGroup) error {
	return db.scimTx(ctx, func(t sc.FedTx) error { return sc.WriteSCIMGroup(ctx, t, g, false) })
}

// DeleteSCIMGroup implements signet.SCIMStore.
func (db *DB) DeleteSCIMGroup(ctx context.Context, tenant, id string) error {
	return db.scimTx(ctx, func(t sc.FedTx) error { return sc.DeleteSCIMGroup(ctx, t, tenant, id) })
}
