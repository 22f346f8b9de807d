package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/signet-auth/signet"
	sc "github.com/signet-auth/signet/internal/storecore"
)

// Federation: the statements are storecore's, with SQLite's ?N
// placeholders.

var _ signet.FederationStore = (*DB)(nil)

// fedTx is storecore.FedTx over the writer's transaction.
type fedTx struct{ t *writeTx }

func (f fedTx) Row(ctx context.Context, q string, args ...any) sc.Row {
	return f.t.row(ctx, sc.SQLite(q), args...)
}

func (f fedTx) Changed(ctx context.Context, q string, args ...any) (bool, error) {
	return f.t.changed(ctx, sc.SQLite(q), args...)
}

func (f fedTx) InsertUser(ctx context.Context, u signet.User) error {
	return f.t.exec(ctx, inserts.User, sc.UserArgs(u)...)
}

func (f fedTx) User(ctx context.Context, id string) (signet.User, error) { return f.t.User(ctx, id) }

// SetIdP implements signet.FederationStore.
func (db *DB) SetIdP(ctx context.Context, p signet.IdentityProvider) error {
	return db.exec(ctx, false, sc.SQLite(sc.IdPSet), sc.IdPArgs(p)...)
}

// GetIdP implements signet.FederationStore.
func (db *DB) GetIdP(ctx context.Context, name string) (signet.IdentityProvider, error) {
	return one(sc.ScanIdP(db.readRow(ctx, sc.SQLite(sc.IdPGet), name)))
}

// ListIdPs implements signet.FederationStore.
func (db *DB) ListIdPs(ctx context.Context) ([]signet.IdentityProvider, error) {
	return all(ctx, db, sc.ScanIdP, sc.IdPList)
}

// DeleteIdP implements signet.FederationStore.
func (db *DB) DeleteIdP(ctx context.Context, name string) error {
	return db.exec(ctx, true, sc.SQLite(sc.IdPDelete), name)
}

// CreateUpstreamLogin implements signet.FederationStore.
func (db *DB) CreateUpstreamLogin(ctx context.Context, l signet.UpstreamLogin) error {
	return db.exec(ctx, false, sc.SQLite(sc.UpstreamLoginInsert), sc.UpstreamLoginArgs(l)...)
}

// TakeUpstreamLogin implements signet.FederationStore.
func (db *DB) TakeUpstreamLogin(ctx context.Context, d signet.Digest, now time.Time) (signet.UpstreamLogin, error) {
	var l signet.UpstreamLogin
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var err error
		l, err = sc.TakeUpstreamLogin(ctx, fedTx{db.wtx(tx)}, d, sc.Millis(now))
		return err
	})
	return l, err
}

// Provision implements signet.FederationStore.
func (db *DB) Provision(ctx context.Context, p signet.Provisioning) (signet.User, bool, error) {
	var u signet.User
	var created bool
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var err error
		u, created, err = sc.Provision(ctx, fedTx{db.wtx(tx)}, p)
		return err
	})
	return u, created, err
}

// GetIdentity implements signet.FederationStore.
func (db *DB) GetIdentity(ctx context.Context, idp, subject string) (signet.FederatedIdentity, error) {
	return one(sc.ScanIdentity(db.readRow(ctx, sc.SQLite(sc.IdentityGet), idp, subject)))
}

// ListIdentities implements signet.FederationStore.
func (db *DB) ListIdentities(ctx context.Context, userID string) ([]signet.FederatedIdentity, error) {
	return all(ctx, db, sc.ScanIdentity, sc.SQLite(sc.IdentityList), userID)
}

// UserGroups implements signet.FederationStore.
func (db *DB) UserGroups(ctx context.Context, userID string) ([]string, error) {
	return all(ctx, db, sc.ScanString, sc.SQLite(sc.GroupsOf), userID)
}

// AddGroupRule implements signet.FederationStore.
func (db *DB) AddGroupRule(ctx context.Context, r signet.GroupRule) error {
	return db.exec(ctx, false, sc.SQLite(sc.GroupRuleInsert), r.Group, r.AccountID, r.RoleName, sc.Millis(r.CreatedAt))
}

// ListGroupRules implements signet.FederationStore.
func (db *DB) ListGroupRules(ctx context.Context) ([]signet.GroupRule, error) {
	return all(ctx, db, sc.ScanGroupRule, sc.GroupRuleList)
}

// DeleteGroupRule implements signet.FederationStore.
func (db *DB) DeleteGroupRule(ctx context.Context, r signet.GroupRule) error {
	return db.exec(ctx, true, sc.SQLite(sc.GroupRuleDelete), r.Group, r.AccountID, r.RoleName)
}

// GroupAssignments implements signet.FederationStore.
func (db *DB) GroupAssignments(ctx context.Context, userID string) ([]signet.Assignment, error) {
	return all(ctx, db, sc.ScanAssignment, sc.SQLite(sc.GroupAssignmentsOf), userID)
}
