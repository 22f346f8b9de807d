package signet

import (
	"context"
	"time"
)

// AuditEvent names a kind of security event (catalogue AU-01). The
// vocabulary is closed: a new kind of event is a new constant here, so that
// filters, exports and SIEM rules can rely on the names.
type AuditEvent string

// The audit events.
const (
	AuditLoginSucceeded AuditEvent = "login.succeeded" // a person proved who they are at the pages
	AuditLoginFailed    AuditEvent = "login.failed"    // a sign-in was refused (wrong password, disabled, unknown)
	AuditBrowserStarted AuditEvent = "browser_session.started"
	AuditBrowserEnded   AuditEvent = "browser_session.ended" // logout, or revoked (Detail says why)
	// AuditTokensIssued: a grant handed out a token set (SSO OIDC
	// CreateToken, Sign-In, the OAuth 2.0 token endpoint); Surface names
	// which, Detail the grant type.
	AuditTokensIssued AuditEvent = "tokens.issued"
	// AuditCredentialsIssued: AWS credentials for an (account, role) were
	// handed out (SSO portal GetRoleCredentials).
	AuditCredentialsIssued AuditEvent = "credentials.issued"
	// AuditBrokerTokens: the broker exchanged or refreshed a provider's
	// tokens for a client.
	AuditBrokerTokens   AuditEvent = "broker.tokens"
	AuditRefreshReuse   AuditEvent = "refresh.reuse_detected" // a rotated-out refresh token came back; its family is revoked
	AuditSessionRevoked AuditEvent = "session.revoked"        // a token session was revoked (by its holder or an admin)
	AuditAdminChange    AuditEvent = "admin.change"           // an administrator changed a user, client, key or setting
	AuditKeyRotated     AuditEvent = "key.rotated"
	AuditRateLimited    AuditEvent = "ratelimit.lockout" // a failure budget ran out (logins, user codes, client secrets)
	// AuditUserProvisioned: an identity provider's first login of a
	// person created their user (just in time); Detail names the provider.
	AuditUserProvisioned AuditEvent = "user.provisioned"
	// AuditMFAVerified, AuditMFAFailed: the second step of a sign-in
	// passed or was refused; Detail names the factor kind (otp, recovery,
	// hwk).
	AuditMFAVerified AuditEvent = "mfa.verified"
	AuditMFAFailed   AuditEvent = "mfa.failed"
	// AuditFactorEnrolled, AuditFactorRemoved: a second factor was added
	// (or recovery codes made anew), or removed by its user or reset by an
	// administrator; Detail names the kind.
	AuditFactorEnrolled AuditEvent = "mfa.enrolled"
	AuditFactorRemoved  AuditEvent = "mfa.removed"
)

// AuditEvents lists every event, for the CLI's and the console's filters.
func AuditEvents() []AuditEvent {
	return []AuditEvent{AuditLoginSucceeded, AuditLoginFailed, AuditBrowserStarted, AuditBrowserEnded,
		AuditTokensIssued, AuditCredentialsIssued, AuditBrokerTokens, AuditRefreshReuse, AuditSessionRevoked,
		AuditAdminChange, AuditKeyRotated, AuditRateLimited, AuditUserProvisioned, AuditMFAVerified, AuditMFAFailed,
		AuditFactorEnrolled, AuditFactorRemoved}
}

// AuditOutcome says whether the recorded attempt succeeded.
type AuditOutcome string

// The outcomes.
const (
	AuditSuccess AuditOutcome = "success"
	AuditFailure AuditOutcome = "failure"
)

// AuditRecord is one security event. Every field is an identifier, a name
// or a short reason: there is no field for a token, a code, a secret or a
// password, and the recorder refuses values that carry one of the server's
// secret prefixes (catalogue SE-06). Records are append-only.
type AuditRecord struct {
	// ID is the store's sequence number, assigned by AppendAudit; it orders
	// the records of one node and is the cursor of ScanAudit.
	ID    int64
	Time  time.Time
	Event AuditEvent
	// Actor is who did it: "user:<name>" for a person at the pages or the
	// console, "client:<id>" for a client, "cli:<os user>" for the admin
	// command, "system" for the server itself.
	Actor     string
	UserID    string // the user the event is about, if any
	ClientID  string
	AccountID string
	RoleName  string
	Surface   string // Protocol, "portal", "broker", "web", "admin", "cli"
	Address   string // client address, resolved through trusted proxies
	UserAgent string // truncated
	RequestID string
	Outcome   AuditOutcome
	// Detail is a short, non-secret qualifier: a grant type, a reason code,
	// "field=value" pairs of what an admin changed.
	Detail string
}

// AuditFilter selects records; zero fields select everything.
type AuditFilter struct {
	Since  time.Time // Time >= Since
	Until  time.Time // Time < Until
	UserID string
	Events []AuditEvent
	// After is a cursor: only records with ID > After.
	After int64
	// Limit bounds how many records a scan yields; 0: no bound.
	Limit int
}

// AuditStore keeps the audit trail. No method edits a record; the only
// deletion is PruneAudit, by age (catalogue AU-02).
type AuditStore interface {
	// AppendAudit stores r (its ID is ignored) and returns the ID it got.
	AppendAudit(ctx context.Context, r AuditRecord) (int64, error)
	// ScanAudit calls fn with every record f selects, in ID order, reading
	// them in bounded pages so that any number streams in constant memory
	// (catalogue AU-03). An error from fn stops the scan and is returned.
	ScanAudit(ctx context.Context, f AuditFilter, fn func(AuditRecord) error) error
	// PruneAudit deletes up to batch records older than before and returns
	// how many it deleted.
	PruneAudit(ctx context.Context, before time.Time, batch int) (int, error)
}
