package signet

import (
	"context"
	"errors"
	"time"
)

// Store errors specific to grants, in addition to ErrNotFound, ErrConflict,
// ErrAlreadyUsed and ErrUnavailable (error.go).
var (
	// ErrTokenReused: a rotated-out refresh token was presented outside the
	// grace rules; the store has revoked the whole session in the same
	// transaction (reuse detection, RFC 9700 §4.14.2).
	ErrTokenReused = errors.New("signet: refresh token reused; session revoked")
	// ErrClientChanged: a Rotation's ClientEpoch is not the store's any
	// more (a client was deleted since the caller read its own); nothing
	// changed, and the caller reads its client again and decides anew.
	ErrClientChanged = errors.New("signet: clients changed since the client was read")
)

// UserStore keeps users.
type UserStore interface {
	// CreateUser stores u; ErrConflict if the name or id is taken.
	CreateUser(ctx context.Context, u User) error
	// GetUser and GetUserByName return ErrNotFound for no such user.
	GetUser(ctx context.Context, id string) (User, error)
	GetUserByName(ctx context.Context, name string) (User, error)
	// ListUsers returns every user ordered by name.
	ListUsers(ctx context.Context) ([]User, error)
	// UpdateUser replaces the stored user with the same ID (all fields,
	// assignments included); ErrNotFound if there is none.
	UpdateUser(ctx context.Context, u User) error
}

// ClientStore keeps OAuth clients.
type ClientStore interface {
	// CreateClient stores c; ErrConflict if the id is taken.
	CreateClient(ctx context.Context, c Client) error
	// GetClient returns ErrNotFound for no such client. A client past its
	// ExpiresAt is still returned: expiry is the caller's policy.
	GetClient(ctx context.Context, id string) (Client, error)
	// GetClientEpoch is GetClient with the client epoch, both from one
	// read: the client is exactly as stored for as long as the epoch is
	// unchanged (see ClientEpoch).
	GetClientEpoch(ctx context.Context, id string) (Client, ClientEpoch, error)
	// ListClients returns every client ordered by creation time.
	ListClients(ctx context.Context) ([]Client, error)
	// DeleteClient removes the client and revokes its sessions in one
	// transaction; ErrNotFound if there is none.
	DeleteClient(ctx context.Context, id string, now time.Time) error
}

// CodeRedemption asks GrantStore.RedeemCode to redeem an authorization code.
type CodeRedemption struct {
	Digest Digest
	Now    time.Time
	// Check decides whether the code may be redeemed (client, redirect URI,
	// PKCE, lifetime, the user's state). It runs inside the transaction with
	// the code and its user (zero if the code has none or the user is gone)
	// and must do no I/O, so that nothing is left to read after the commit.
	// The code is used up whether or not Check passes: one failed PKCE check
	// burns the code (RFC 7636 §4.6; catalogue AC-02).
	Check func(AuthorizationCode, User) error
	// Grant builds the session and its first generation (number 0); called
	// only when Check passed. The store fills Session.Generation and
	// TokenGeneration.SessionID/Generation.
	Grant func(AuthorizationCode) (Session, TokenGeneration)
	// Audit, when set, makes the record of what the call grants: the
	// store appends it in the transaction that commits the grant, so the
	// grant and its record are committed together or not at all
	// (catalogue AU-02). retry is true when a call hands out the set an
	// earlier call created.
	Audit GrantAudit
	// ClientEpoch is Rotation.ClientEpoch for a code: when not zero, the
	// store compares it with its own first in the transaction, before the
	// code is claimed or a second redemption revokes anything, and answers
	// ErrClientChanged, with nothing changed, if a client was deleted
	// since the caller read its client.
	ClientEpoch ClientEpoch
}

// GrantAudit builds the audit record of a grant from what it commits.
type GrantAudit func(s Session, g TokenGeneration, retry bool) AuditRecord

// DevicePoll asks GrantStore.PollDevice to record one token-endpoint poll.
type DevicePoll struct {
	Digest Digest // of the device code
	Now    time.Time
	// SlowDownStep is added to the stored interval when a poll comes sooner
	// than the interval after the previous one (RFC 8628 §3.5: 5 s).
	SlowDownStep time.Duration
	// BurstAllowance is how much sooner than the interval polls may come,
	// added up, before slow_down counts (a generic cell rate algorithm: one
	// interval's allowance lets one extra poll through, and waiting pays it
	// back): the AWS CLI polls twice, milliseconds apart, at the start of
	// every device flow (catalogue AB-03). With an allowance, LastPolledAt
	// is the time the last poll counts at, which may lie ahead of it. 0:
	// every poll sooner than the interval after the previous one is
	// slow_down.
	BurstAllowance time.Duration
	// Check runs inside the transaction before anything changes (client
	// binding); a non-nil error aborts with nothing changed.
	Check func(DeviceAuthorization) error
	// CheckUser runs inside the transaction when the poll finds the
	// authorization approved, with its user (zero if gone), before it is
	// redeemed; a non-nil error aborts with nothing changed. Like
	// CodeRedemption.Check it leaves nothing to read after the commit.
	CheckUser func(DeviceAuthorization, User) error
	// Grant builds the session when the poll finds the authorization
	// approved; the same poll marks it redeemed.
	Grant func(DeviceAuthorization) (Session, TokenGeneration)
	// ClientEpoch is Rotation.ClientEpoch for a poll: when not zero, the
	// store compares it with its own first in the transaction and answers
	// ErrClientChanged, with nothing changed (not the poll's time, not the
	// redemption), if a client was deleted since the caller read its
	// client.
	ClientEpoch ClientEpoch
	// Audit, when set, makes the record of what the call grants: the
	// store appends it in the transaction that commits the grant, so the
	// grant and its record are committed together or not at all
	// (catalogue AU-02). retry is true when a call hands out the set an
	// earlier call created.
	Audit GrantAudit
}

// DevicePollResult is the authorization as it stands after the poll.
type DevicePollResult struct {
	Device   DeviceAuthorization
	SlowDown bool // the poll came too soon; the interval was raised
	// Session, Tokens and the user CheckUser saw are set when this poll
	// redeemed the authorization.
	Session Session
	Tokens  TokenGeneration
	User    User
}

// Rotation asks GrantStore.Rotate to redeem a refresh token.
type Rotation struct {
	Digest Digest // of the presented refresh token
	Now    time.Time
	// Grace is how long after a rotation its immediate predecessor may be
	// presented again and get the same successor back (an idempotent retry,
	// which parallel refreshes need). Outside it, a rotated-out token revokes
	// the session.
	Grace time.Duration
	// Check runs inside the transaction with the session, its user (zero if
	// the session has none) and the presented generation, before anything
	// changes; a non-nil error aborts with nothing changed (client binding,
	// DPoP key, user state).
	Check func(Session, User, TokenGeneration) error
	// Next builds the successor of the presented generation; the store fills
	// SessionID and Generation. Called only when this call rotates.
	Next func(Session, TokenGeneration) TokenGeneration
	// Audit, when set, makes the record of what the call grants: the
	// store appends it in the transaction that commits the grant, so the
	// grant and its record are committed together or not at all
	// (catalogue AU-02). retry is true when a call hands out the set an
	// earlier call created.
	Audit GrantAudit
	// ClientEpoch, when not zero, is the epoch at which the caller read
	// the client it authenticated (ClientStore.GetClientEpoch). The store
	// compares it with its own in the read or transaction that decides the
	// rotation, before anything changes, and answers ErrClientChanged if a
	// client was deleted since: a client kept in memory is then never
	// trusted past the deletion of its id, even when a client with the
	// same id has been created again. Zero: the caller read its client
	// afresh, and there is nothing to check.
	ClientEpoch ClientEpoch
	// Budget, when not nil, is a failure budget the caller has not yet
	// consulted (a window of RateLimitStore): Rotate reads its count in
	// the read that decides, or on its own when that read cannot carry
	// it, and calls Admit before anything changes. Admit is called exactly
	// once per call whatever the outcome, even for an unknown token; when
	// it returns an error, that is Rotate's answer and nothing changed.
	Budget *Budget
}

// Budget is a failure budget handed to a grant to consult with its first
// read instead of a read of its own (Rotation.Budget).
type Budget struct {
	Key Digest // the RateLimitStore window
	// Admit decides on the window's count and reset time at the grant's
	// time (as RateLimitStore.Count answers; 0 and zero without a window),
	// or on err when the count could not be read. It must do no I/O.
	Admit func(count int64, resetAt time.Time, err error) error
}

// ClientEpoch counts the clients ever deleted, by DeleteClient or by the
// collection of expired registrations; nothing else moves it, and it never
// goes back. Clients never change in place, so a client read at epoch n is
// still exactly what is stored while the epoch is n. The first epoch is 1.
type ClientEpoch int64

// SessionStart asks GrantStore.StartSession to create a session that no
// code, device code or refresh token is redeemed for: a grant whose proof
// the engine verified itself (an assertion from a trusted token issuer, a
// token exchange).
type SessionStart struct {
	UserID string
	Now    time.Time
	// Check runs inside the transaction with the user as stored (zero if
	// there is none), before anything is written; a non-nil error aborts
	// with nothing changed.
	Check func(User) error
	// Grant builds the session and its first generation; the store sets
	// Generation 0 on both and the generation's SessionID.
	Grant func(User) (Session, TokenGeneration)
	// Audit, when set, makes the record of the session started: the store
	// appends it in the transaction that writes the session, so both are
	// committed or neither (catalogue AU-02).
	Audit GrantAudit
}

// RotationResult is what a refresh returns.
type RotationResult struct {
	Session Session
	// Tokens is the generation to hand out: the one this call created, or,
	// on a retry within the grace window, the successor an earlier call
	// created.
	Tokens TokenGeneration
	Retry  bool // Tokens were created by an earlier call
}

// SessionFilter selects sessions to list.
type SessionFilter struct {
	UserID   string // empty: any
	ClientID string // empty: any
	LiveOnly bool   // only sessions live at Now
	Now      time.Time
	Limit    int // 0: no limit
}

// GrantStore keeps authorization codes, device authorizations and sessions
// with their token generations. Every single-use decision is one conditional
// statement in the database, so any number of processes sharing it stay exact.
type GrantStore interface {
	// CreateCode stores a fresh authorization code.
	CreateCode(ctx context.Context, c AuthorizationCode) error
	// RedeemCode marks the code used and, when Check passes, creates the
	// session, all in one transaction. ErrNotFound for an unknown code.
	// ErrAlreadyUsed if the code was used before: the session its first
	// redemption created is revoked in the same transaction, and the code is
	// returned. ErrClientChanged: r.ClientEpoch is set and is not the
	// store's epoch; nothing changed.
	RedeemCode(ctx context.Context, r CodeRedemption) (AuthorizationCode, Session, TokenGeneration, error)
	// StartSession reads the user, runs Check and, when it passes, creates
	// the session with its first generation, in one transaction. Check's
	// error comes back unchanged; nothing is written then.
	StartSession(ctx context.Context, r SessionStart) (Session, TokenGeneration, error)

	// CreateDevice stores a fresh device authorization; ErrConflict if the
	// user code is taken by a live authorization (the caller draws again).
	CreateDevice(ctx context.Context, d DeviceAuthorization) error
	// GetDeviceByUserCode returns the authorization with that user code
	// digest; ErrNotFound if none.
	GetDeviceByUserCode(ctx context.Context, userCode Digest) (DeviceAuthorization, error)
	// DecideDevice moves a pending, unexpired authorization to approved (for
	// userID at authTime) or denied. A terminal or expired one does not
	// change: ErrAlreadyUsed (or ErrNotFound) with the authorization as it is.
	DecideDevice(ctx context.Context, userCode Digest, status DeviceStatus, userID string, authTime, now time.Time) (DeviceAuthorization, error)
	// PollDevice records a poll: ErrNotFound for an unknown device code,
	// ErrAlreadyUsed once redeemed; otherwise the authorization after the
	// poll (an expired one is returned unchanged, for the caller to answer
	// expired_token).
	PollDevice(ctx context.Context, p DevicePoll) (DevicePollResult, error)

	// Rotate redeems a refresh token. ErrNotFound: unknown token, expired
	// token, or a session that is revoked or past its end. ErrTokenReused: a
	// rotated-out token outside the grace rules; the session is now revoked.
	// ErrClientChanged: r.ClientEpoch is set and is not the store's epoch
	// any more; nothing changed.
	Rotate(ctx context.Context, r Rotation) (RotationResult, error)
	// LookupAccess finds the generation whose access token has digest d, with
	// its session; ErrNotFound if none. Expiry and revocation are the caller's
	// to check.
	LookupAccess(ctx context.Context, d Digest) (Session, TokenGeneration, error)
	// LookupRefresh is LookupAccess for a refresh token digest.
	LookupRefresh(ctx context.Context, d Digest) (Session, TokenGeneration, error)

	GetSession(ctx context.Context, id string) (Session, error)
	ListSessions(ctx context.Context, f SessionFilter) ([]Session, error)
	// RevokeSession revokes a live session; revoking a revoked one is a
	// no-op; ErrNotFound if there is none.
	RevokeSession(ctx context.Context, id string, now time.Time, reason string) error
	// RevokeUserSessions revokes every live session of the user and returns
	// how many it revoked.
	RevokeUserSessions(ctx context.Context, userID string, now time.Time, reason string) (int, error)
}

// ReplayStore remembers one-time values (DPoP proof jti, client assertion
// jti) across every node sharing the database.
type ReplayStore interface {
	// MarkUsed records d until expiresAt. It returns true if d was not
	// recorded before (or its record had expired at now), false if it is a
	// replay. One conditional statement decides.
	MarkUsed(ctx context.Context, d Digest, expiresAt, now time.Time) (bool, error)
}

// RateLimitStore counts events per key in fixed windows, for the limits
// that must hold across every node sharing the database and across restarts
// (failed logins, user-code guesses, client-secret guesses; catalogue DV-07,
// CC-08). A window opens at the first event of a key and lasts its length;
// events counted after it ended open a new one. Keys are digests, so the
// addresses and account names they are made of never reach the database.
type RateLimitStore interface {
	// Hit counts one event for key at now and returns the count of the
	// window it landed in (1 for a new window) and when that window ends.
	// One conditional upsert decides, so N nodes hitting one key share one
	// budget exactly.
	Hit(ctx context.Context, key Digest, window time.Duration, now time.Time) (count int64, resetAt time.Time, err error)
	// Count returns the count of key's window open at now and its end; 0
	// and the zero time if none is open. It changes nothing.
	Count(ctx context.Context, key Digest, now time.Time) (count int64, resetAt time.Time, err error)
	// Reset forgets key's window (a success ends a run of failures).
	Reset(ctx context.Context, key Digest) error
}

// KeyStore keeps the server's keys, sealed by the master key.
type KeyStore interface {
	// AddKey stores k; ErrConflict if the id is taken (two nodes creating the
	// first key at once: the loser reads the winner's).
	AddKey(ctx context.Context, k Key) error
	// ListKeys returns every key ordered by CreatedAt.
	ListKeys(ctx context.Context) ([]Key, error)
	// RetireKey sets RetiredAt; ErrNotFound if there is no such key.
	RetireKey(ctx context.Context, id string, at time.Time) error
}

// AccessKeyStore keeps long-term AWS access keys (package awscreds).
type AccessKeyStore interface {
	// CreateAccessKey stores k; ErrConflict if the id is taken.
	CreateAccessKey(ctx context.Context, k AccessKey) error
	// GetAccessKey returns ErrNotFound for no such key.
	GetAccessKey(ctx context.Context, id string) (AccessKey, error)
	// ListAccessKeys returns the keys of principalARN ("" for every key),
	// ordered by creation time, then id; none is not an error.
	ListAccessKeys(ctx context.Context, principalARN string) ([]AccessKey, error)
	// DeleteAccessKey removes the key; ErrNotFound if there is none.
	DeleteAccessKey(ctx context.Context, id string) error
}

// ClientKeyStore keeps the public keys private_key_jwt clients
// authenticate with (RFC 7523 §2.2): one JWK Set (RFC 7517 §5) per client,
// set by an administrator, removed with its client.
type ClientKeyStore interface {
	// SetClientJWKS stores (or replaces) the client's JWK Set as given;
	// ErrNotFound if there is no such client. The caller checks that it
	// holds public keys only.
	SetClientJWKS(ctx context.Context, clientID string, jwks []byte) error
	// ClientJWKS returns the client's JWK Set as stored; ErrNotFound if it
	// registered none (or the client is gone).
	ClientJWKS(ctx context.Context, clientID string) ([]byte, error)
}

// Collector deletes what can no longer matter, in bounded batches.
type Collector interface {
	// Collect deletes up to batch rows of each kind: replay records and
	// rate-limit windows past their end; codes, device authorizations, sessions (with their
	// generations), browser sessions and dynamic clients that ended more than
	// retention before now, and Sign-In policy statements deleted more than
	// retention before now. It returns how many rows it deleted.
	Collect(ctx context.Context, now time.Time, retention time.Duration, batch int) (int, error)
}

// Health is what /readyz asks of a store.
type Health interface {
	// Ready returns nil when the store answers and its migrations are all
	// applied.
	Ready(ctx context.Context) error
}

// Stores bundles one backend's aggregates for wiring (cmd/) and for the
// conformance suite; every consumer takes only the interfaces it uses.
type Stores struct {
	Users     UserStore
	Clients   ClientStore
	Grants    GrantStore
	Replay    ReplayStore
	RateLimit RateLimitStore
	Keys      KeyStore
	// Browser keeps the pages' sign-ins (BrowserSession).
	Browser   BrowserSessionStore
	Collector Collector
	Health    Health
	// AccessKeys and ClientKeys keep the tables of packages awscreds and
	// api/oauth2 (private_key_jwt).
	AccessKeys AccessKeyStore
	ClientKeys ClientKeyStore
	// RoleBindings keeps the (account, role) pairs backed by real IAM roles
	// (package iamrole).
	RoleBindings RoleBindingStore
	// Federation keeps upstream identity providers, federated identities,
	// their groups and group rules (package federation).
	Federation FederationStore
	// SigninPolicies keeps the accounts' Sign-In resource-based policies
	// and console authorization configuration.
	SigninPolicies SigninPolicyStore
	// Audit keeps the audit trail (AuditRecord), append-only.
	Audit AuditStore
	// MFA keeps second factors and per-user MFA policies (mfa.go).
	MFA MFAStore
	// Passkeys keeps WebAuthn credentials (passkey.go).
	Passkeys PasskeyStore
	// SCIM keeps SCIM provisioning tokens, users and groups (package
	// api/scim); its groups live among Federation's user groups.
	SCIM SCIMStore
}
