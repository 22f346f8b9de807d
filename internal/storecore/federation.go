package storecore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/signet-auth/signet"
)

// Federation (signet.FederationStore). The statements are written once,
// with PostgreSQL's numbered placeholders; a backend's FedTx rewrites them
// for its driver (SQLite: see SQLite).

// IdPColumns are the identity_providers columns in IdPArgs order.
var IdPColumns = []string{"name", "kind", "display_name", "issuer", "client_id", "client_secret_ref",
	"scopes", "claims", "domains", "allowed_groups", "created_at", "updated_at", "saml"}

// IdentityColumns are the federated_identities columns in IdentityArgs order.
var IdentityColumns = []string{"idp", "subject", "user_id", "email", "created_at", "last_login_at"}

// Federation statements.
var (
	IdPSet = `INSERT INTO identity_providers (` + Cols("", IdPColumns) + `)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
		ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, display_name = excluded.display_name,
		issuer = excluded.issuer, client_id = excluded.client_id, client_secret_ref = excluded.client_secret_ref,
		scopes = excluded.scopes, claims = excluded.claims, domains = excluded.domains,
		allowed_groups = excluded.allowed_groups, updated_at = excluded.updated_at, saml = excluded.saml`
	IdPGet    = `SELECT ` + Cols("", IdPColumns) + ` FROM identity_providers WHERE name = $1`
	IdPList   = `SELECT ` + Cols("", IdPColumns) + ` FROM identity_providers ORDER BY name`
	IdPDelete = `DELETE FROM identity_providers WHERE name = $1`

	UpstreamLoginInsert = `INSERT INTO upstream_logins (digest, idp, binding, return_to, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6)`
	// UpstreamLoginGet reads a pending login that is still live at $2.
	UpstreamLoginGet = `SELECT digest, idp, binding, return_to, created_at, expires_at FROM upstream_logins
		WHERE digest = $1 AND expires_at > $2`
	// UpstreamLoginTake is the single-use decision: of several callbacks
	// with one state, only one deletes the row.
	UpstreamLoginTake = `DELETE FROM upstream_logins WHERE digest = $1 AND expires_at > $2`
	// UpstreamLoginCollect deletes up to $2 pending logins that ended
	// before $1.
	UpstreamLoginCollect = `DELETE FROM upstream_logins WHERE digest IN
		(SELECT digest FROM upstream_logins WHERE expires_at < $1 ORDER BY expires_at LIMIT $2)`

	IdentityGet = `SELECT ` + Cols("", IdentityColumns) + ` FROM federated_identities
		WHERE idp = $1 AND subject = $2`
	IdentityList = `SELECT ` + Cols("", IdentityColumns) + ` FROM federated_identities
		WHERE user_id = $1 ORDER BY idp, subject`
	IdentityInsert = `INSERT INTO federated_identities (` + Cols("", IdentityColumns) + `)
		VALUES ($1, $2, $3, $4, $5, $6)`
	IdentityTouch = `UPDATE federated_identities SET email = $3, last_login_at = $4
		WHERE idp = $1 AND subject = $2`

	GroupsClear  = `DELETE FROM user_groups WHERE user_id = $1 AND idp = $2`
	GroupsInsert = `INSERT INTO user_groups (user_id, idp, group_name) VALUES ($1, $2, $3)
		ON CONFLICT DO NOTHING`
	GroupsOf = `SELECT DISTINCT group_name FROM user_groups WHERE user_id = $1 ORDER BY group_name`

	GroupRuleInsert = `INSERT INTO group_rules (group_name, account_id, role_name, created_at) VALUES ($1, $2, $3, $4)`
	GroupRuleList   = `SELECT group_name, account_id, role_name, created_at FROM group_rules
		ORDER BY group_name, account_id, role_name`
	GroupRuleDelete = `DELETE FROM group_rules WHERE group_name = $1 AND account_id = $2 AND role_name = $3`
	// GroupAssignmentsOf joins the user's groups with the rules.
	GroupAssignmentsOf = `SELECT DISTINCT r.account_id, r.role_name FROM user_groups g
		JOIN group_rules r ON r.group_name = g.group_name WHERE g.user_id = $1
		ORDER BY r.account_id, r.role_name`
)

// claims is how a ClaimMapping is kept in identity_providers.claims.
type claims struct {
	Subject     string `json:"sub,omitempty"`
	Username    string `json:"username,omitempty"`
	DisplayName string `json:"name,omitempty"`
	Email       string `json:"email,omitempty"`
	Groups      string `json:"groups,omitempty"`
}

// samlSettings is how SAMLSettings are kept in identity_providers.saml
// (empty for zero settings).
type samlSettings struct {
	Metadata          string `json:"metadata,omitempty"`
	NameIDFormat      string `json:"name_id_format,omitempty"`
	AllowIdPInitiated bool   `json:"allow_idp_initiated,omitempty"`
}

// IdPArgs are p's column values.
func IdPArgs(p signet.IdentityProvider) []any {
	c, err := json.Marshal(claims(p.Claims))
	if err != nil {
		panic(err) // a struct of strings always marshals
	}
	var sm string
	if p.SAML != (signet.SAMLSettings{}) {
		b, err := json.Marshal(samlSettings(p.SAML))
		if err != nil {
			panic(err) // strings and a bool always marshal
		}
		sm = string(b)
	}
	return []any{p.Name, string(p.Kind), p.DisplayName, p.Issuer, p.ClientID, p.ClientSecretRef,
		JSON(p.Scopes), string(c), JSON(p.Domains), JSON(p.AllowedGroups), Millis(p.CreatedAt), Millis(p.UpdatedAt), sm}
}

// ScanIdP reads one identity_providers row.
func ScanIdP(r Scanner) (signet.IdentityProvider, error) {
	var (
		p                                      signet.IdentityProvider
		kind, scopes, cl, domains, allowed, sm string
		created, updated                       int64
	)
	if err := r.Scan(&p.Name, &kind, &p.DisplayName, &p.Issuer, &p.ClientID, &p.ClientSecretRef,
		&scopes, &cl, &domains, &allowed, &created, &updated, &sm); err != nil {
		return signet.IdentityProvider{}, err
	}
	p.Kind, p.CreatedAt, p.UpdatedAt = signet.IdPKind(kind), Time(created), Time(updated)
	var c claims
	if err := json.Unmarshal([]byte(cl), &c); err != nil {
		return p, fmt.Errorf("storecore: claims column: %w", err)
	}
	p.Claims = signet.ClaimMapping(c)
	if sm != "" {
		var ss samlSettings
		if err := json.Unmarshal([]byte(sm), &ss); err != nil {
			return p, fmt.Errorf("storecore: saml column: %w", err)
		}
		p.SAML = signet.SAMLSettings(ss)
	}
	var d decoder
	p.Scopes, p.Domains, p.AllowedGroups = d.list(scopes), d.list(domains), d.list(allowed)
	return p, d.err
}

// IdentityArgs are i's column values.
func IdentityArgs(i signet.FederatedIdentity) []any {
	return []any{i.IdP, i.Subject, i.UserID, i.Email, Millis(i.CreatedAt), Millis(i.LastLoginAt)}
}

// ScanIdentity reads one federated_identities row.
func ScanIdentity(r Scanner) (signet.FederatedIdentity, error) {
	var i signet.FederatedIdentity
	var created, last int64
	err := r.Scan(&i.IdP, &i.Subject, &i.UserID, &i.Email, &created, &last)
	i.CreatedAt, i.LastLoginAt = Time(created), Time(last)
	return i, err
}

// UpstreamLoginArgs are l's column values.
func UpstreamLoginArgs(l signet.UpstreamLogin) []any {
	return []any{l.Digest[:], l.IdP, l.Binding[:], l.Return, Millis(l.CreatedAt), Millis(l.ExpiresAt)}
}

// ScanUpstreamLogin reads one upstream_logins row.
func ScanUpstreamLogin(r Scanner) (signet.UpstreamLogin, error) {
	var l signet.UpstreamLogin
	var digest, binding []byte
	var created, expires int64
	if err := r.Scan(&digest, &l.IdP, &binding, &l.Return, &created, &expires); err != nil {
		return signet.UpstreamLogin{}, err
	}
	var d decoder
	l.Digest, l.Binding = d.digest(digest), d.digest(binding)
	l.CreatedAt, l.ExpiresAt = Time(created), Time(expires)
	return l, d.err
}

// ScanGroupRule reads one group_rules row.
func ScanGroupRule(r Scanner) (signet.GroupRule, error) {
	var g signet.GroupRule
	var created int64
	err := r.Scan(&g.Group, &g.AccountID, &g.RoleName, &created)
	g.CreatedAt = Time(created)
	return g, err
}

// ScanAssignment reads (account_id, role_name).
func ScanAssignment(r Scanner) (signet.Assignment, error) {
	var a signet.Assignment
	err := r.Scan(&a.AccountID, &a.RoleName)
	return a, err
}

// ScanString reads one text column.
func ScanString(r Scanner) (string, error) {
	var s string
	err := r.Scan(&s)
	return s, err
}

// FedTx is what Provision and TakeUpstreamLogin need of a backend's write
// transaction: statements are given with numbered placeholders.
type FedTx interface {
	Row(ctx context.Context, q string, args ...any) Row
	Changed(ctx context.Context, q string, args ...any) (bool, error)
	// InsertUser inserts u with the backend's users statement.
	InsertUser(ctx context.Context, u signet.User) error
	User(ctx context.Context, id string) (signet.User, error)
}

// TakeUpstreamLogin reads the live pending login and deletes it; the
// delete decides.
func TakeUpstreamLogin(ctx context.Context, t FedTx, d signet.Digest, now int64) (signet.UpstreamLogin, error) {
	l, err := ScanUpstreamLogin(t.Row(ctx, UpstreamLoginGet, d[:], now))
	if err != nil {
		return signet.UpstreamLogin{}, err
	}
	ok, err := t.Changed(ctx, UpstreamLoginTake, d[:], now)
	switch {
	case err != nil:
		return signet.UpstreamLogin{}, err
	case !ok:
		return signet.UpstreamLogin{}, signet.ErrNotFound
	}
	return l, nil
}

// Provision is FederationStore.Provision inside the caller's transaction.
// The identity is found by (IdP, Subject) only.
func Provision(ctx context.Context, t FedTx, p signet.Provisioning) (signet.User, bool, error) {
	id := p.Identity
	known, err := ScanIdentity(t.Row(ctx, IdentityGet, id.IdP, id.Subject))
	created := false
	switch {
	case errors.Is(err, signet.ErrNotFound):
		if p.NewUser.ID == "" {
			return signet.User{}, false, errors.New("storecore: Provision of a new identity without a user")
		}
		if err := t.InsertUser(ctx, p.NewUser); err != nil {
			return signet.User{}, false, err
		}
		id.UserID, created = p.NewUser.ID, true
		if _, err := t.Changed(ctx, IdentityInsert, IdentityArgs(id)...); err != nil {
			return signet.User{}, false, err
		}
	case err != nil:
		return signet.User{}, false, err
	default:
		id.UserID = known.UserID
		if _, err := t.Changed(ctx, IdentityTouch, id.IdP, id.Subject, id.Email, Millis(id.LastLoginAt)); err != nil {
			return signet.User{}, false, err
		}
	}
	if _, err := t.Changed(ctx, GroupsClear, id.UserID, id.IdP); err != nil {
		return signet.User{}, false, err
	}
	groups := slices.Clone(p.Groups)
	slices.Sort(groups)
	for _, g := range slices.Compact(groups) {
		if _, err := t.Changed(ctx, GroupsInsert, id.UserID, id.IdP, g); err != nil {
			return signet.User{}, false, err
		}
	}
	u, err := t.User(ctx, id.UserID)
	return u, created, err
}
