package signet

import (
	"context"
	"time"
)

// IdPKind is the protocol an upstream identity provider speaks.
type IdPKind string

// Upstream identity provider kinds.
const (
	IdPOIDC IdPKind = "oidc"
	IdPSAML IdPKind = "saml"
)

// IdentityProvider is an upstream identity provider people sign in with
// (Okta, Entra ID, Google, Keycloak…). Its client secret is never stored:
// ClientSecretRef names where the server reads it at start (an environment
// variable or a file), so a database dump holds no upstream credential.
type IdentityProvider struct {
	// Name is the key and the path segment of its login
	// (/login/federated/{Name}): lower-case letters, digits and '-'.
	Name        string
	Kind        IdPKind
	DisplayName string // the button's label ("Continue with …")
	Issuer      string // OIDC issuer URL, exactly as its discovery document says
	ClientID    string
	// ClientSecretRef is "env:NAME" or "file:/path"; empty for a public
	// client (PKCE only).
	ClientSecretRef string
	Scopes          []string // requested besides openid
	Claims          ClaimMapping
	// Domains are the e-mail domains whose login_hint sends a person
	// straight to this provider.
	Domains []string
	// AllowedGroups, when set, admits only people in one of these groups
	// (as the provider states them at the login): anyone else the
	// provider vouches for is refused and gets no user. Empty: everyone
	// the provider vouches for.
	AllowedGroups []string
	// SAML holds a SAML 2.0 provider's settings; zero for OIDC. For a
	// SAML provider Issuer is the IdP's entity id, Claims name assertion
	// attributes (an empty Subject: the NameID), and ClientID, its
	// secret and Scopes are unused.
	SAML      SAMLSettings
	CreatedAt time.Time
	UpdatedAt time.Time
}

// SAMLSettings configure signet as the service provider of one SAML 2.0
// identity provider.
type SAMLSettings struct {
	// Metadata is the IdP's metadata document (its entity id, single
	// sign-on URL and signing certificates), as the administrator gave it
	// or fetched it: responses are verified only against the certificates
	// it names.
	Metadata string
	// NameIDFormat is the NameID format asked for; empty: persistent
	// (urn:oasis:names:tc:SAML:2.0:nameid-format:persistent), the only
	// format that is stable and never reassigned (catalogue FD-03).
	NameIDFormat string
	// AllowIdPInitiated accepts unsolicited responses (no AuthnRequest of
	// ours): off by default, since such a response is bound to no
	// browser. Its assertion is still used once only.
	AllowIdPInitiated bool
}

// ClaimMapping names the upstream claims a federated user is built from.
// Empty fields take the OIDC defaults: sub, preferred_username, name, email,
// groups. The subject claim is the identity's key and must be stable and
// never reassigned by the provider (catalogue FD-03): e-mail and names are
// mutable and are never used to find or link a user.
type ClaimMapping struct {
	Subject     string
	Username    string
	DisplayName string
	Email       string
	Groups      string
}

// FederatedIdentity links a person at an upstream provider, keyed by
// (IdP, Subject), to one signet user. Nothing else links them: an upstream
// account whose e-mail matches a local user's name gets a user of its own
// (catalogue FD-03).
type FederatedIdentity struct {
	IdP         string
	Subject     string
	UserID      string
	Email       string // as the provider last sent it; informative only
	CreatedAt   time.Time
	LastLoginAt time.Time
}

// GroupRule gives every user in an upstream group an (account, role)
// assignment. Rules are evaluated when assignments are read, so removing a
// rule or a person's group removes the access at the next refresh or call
// (catalogue FD-05).
type GroupRule struct {
	Group     string
	AccountID string // 12 digits
	RoleName  string
	CreatedAt time.Time
}

// UpstreamLogin is a login started at an upstream provider and not yet
// answered. The browser holds its state; the store keeps only the state's
// Digest, so any node can answer the callback and each state is used once.
type UpstreamLogin struct {
	Digest Digest // of the state parameter
	IdP    string
	// Binding is the Digest of the cookie the starting browser got: a
	// callback from any other browser is refused (login CSRF, FD-02).
	Binding   Digest
	Return    string // where the login continues, already checked safe
	CreatedAt time.Time
	ExpiresAt time.Time
}

// Provisioning asks FederationStore.Provision to record one upstream login.
type Provisioning struct {
	Identity FederatedIdentity // UserID is ignored for a known identity
	// Groups replace the identity's provider's groups for its user.
	Groups []string
	// NewUser is created, with Identity pointing at it, when (IdP, Subject)
	// is not known yet (just-in-time provisioning).
	NewUser User
}

// FederationStore keeps upstream providers, federated identities, their
// groups, group rules and pending upstream logins.
type FederationStore interface {
	// SetIdP stores p, replacing a provider of the same name (its
	// CreatedAt is kept).
	SetIdP(ctx context.Context, p IdentityProvider) error
	// GetIdP returns ErrNotFound for no such provider.
	GetIdP(ctx context.Context, name string) (IdentityProvider, error)
	// ListIdPs returns every provider ordered by name.
	ListIdPs(ctx context.Context) ([]IdentityProvider, error)
	// DeleteIdP removes the provider; ErrNotFound if there is none. Its
	// identities are kept, so adding it again finds the same users.
	DeleteIdP(ctx context.Context, name string) error

	// CreateUpstreamLogin stores a pending login; ErrConflict if its
	// digest is taken.
	CreateUpstreamLogin(ctx context.Context, l UpstreamLogin) error
	// TakeUpstreamLogin removes and returns the pending login whose state
	// has digest d: one conditional delete, so of any number of callbacks
	// with one state, on any nodes, one gets it. ErrNotFound if there is
	// none, it was taken, or it expired at now.
	TakeUpstreamLogin(ctx context.Context, d Digest, now time.Time) (UpstreamLogin, error)

	// Provision records a login in one transaction: a known (IdP, Subject)
	// gets its e-mail, LastLoginAt and groups updated and its user is
	// returned; an unknown one creates p.NewUser and the identity (created
	// true). ErrConflict if the new user's name or id is taken.
	Provision(ctx context.Context, p Provisioning) (u User, created bool, err error)
	// GetIdentity returns ErrNotFound for no such identity.
	GetIdentity(ctx context.Context, idp, subject string) (FederatedIdentity, error)
	// ListIdentities returns the user's identities ordered by IdP, then
	// subject; none is not an error.
	ListIdentities(ctx context.Context, userID string) ([]FederatedIdentity, error)
	// UserGroups returns the user's upstream groups, ordered, without
	// duplicates (a group of two providers counts once).
	UserGroups(ctx context.Context, userID string) ([]string, error)

	// AddGroupRule stores r; ErrConflict if the same rule exists.
	AddGroupRule(ctx context.Context, r GroupRule) error
	// ListGroupRules returns every rule ordered by group, account, role.
	ListGroupRules(ctx context.Context) ([]GroupRule, error)
	// DeleteGroupRule removes the rule with r's group, account and role;
	// ErrNotFound if there is none.
	DeleteGroupRule(ctx context.Context, r GroupRule) error
	// GroupAssignments returns the assignments the rules give the user
	// through its current groups, ordered by account, then role, without
	// duplicates.
	GroupAssignments(ctx context.Context, userID string) ([]Assignment, error)
}
