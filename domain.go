package signet

import (
	"crypto/subtle"
	"encoding/hex"
	"slices"
	"time"
)

// Digest is the keyed HMAC-SHA-256 of a secret (a code, a token, a client
// secret, a user code) under the server's hash key. Secrets are stored and
// looked up only by their Digest, so a database dump yields no usable secret.
type Digest [32]byte

// IsZero reports whether d is the zero digest (no secret).
func (d Digest) IsZero() bool { return d == Digest{} }

// Equal compares in constant time.
func (d Digest) Equal(o Digest) bool { return subtle.ConstantTimeCompare(d[:], o[:]) == 1 }

// String returns a short hex prefix, enough to correlate log lines and never
// enough to use: the digest is not the secret.
func (d Digest) String() string { return hex.EncodeToString(d[:6]) }

// Grant types, as RFC 6749, RFC 8628 and the AWS models spell them.
const (
	GrantAuthorizationCode = "authorization_code"
	GrantRefreshToken      = "refresh_token"
	GrantDeviceCode        = "urn:ietf:params:oauth:grant-type:device_code"
	GrantClientCredentials = "client_credentials"
	GrantJWTBearer         = "urn:ietf:params:oauth:grant-type:jwt-bearer"
	GrantTokenExchange     = "urn:ietf:params:oauth:grant-type:token-exchange"
)

// Protocol names the surface a grant was made through. The engine applies
// per-protocol policy (Sign-In refresh is idempotent for the access-token
// lifetime, SSO OIDC only for a short grace window).
type Protocol string

// Protocols.
const (
	ProtocolSSOOIDC Protocol = "sso-oidc"
	ProtocolSignIn  Protocol = "signin"
	ProtocolOAuth2  Protocol = "oauth2"
)

// Assignment gives a user a role in an AWS account: the principal ARN is
// arn:aws:sts::<AccountID>:assumed-role/<RoleName>/<user name>.
type Assignment struct {
	AccountID string // 12 digits
	RoleName  string
}

// User is a person who signs in through the pages.
type User struct {
	ID           string
	Name         string // unique, the login name
	DisplayName  string
	PasswordHash string // argon2id in PHC string form; never a plain password
	Disabled     bool
	// CredentialsChangedAt moves forward whenever the password changes;
	// sessions that began before it fail their next refresh
	// (ReasonCredentialsChanged).
	CredentialsChangedAt time.Time
	Assignments          []Assignment
	CreatedAt            time.Time
	UpdatedAt            time.Time
}

// ClientType is RFC 6749 §2.1's client type.
type ClientType string

// Client types.
const (
	ClientPublic       ClientType = "public"
	ClientConfidential ClientType = "confidential"
)

// Client is an OAuth client: registered dynamically (SSO OIDC RegisterClient,
// RFC 7591) or by an administrator, or built in (the Sign-In devtools clients).
type Client struct {
	ID   string
	Name string // self-asserted for dynamic clients; render escaped
	Type ClientType
	// SecretDigest is the keyed digest of the client secret; zero if the
	// client has none. Secrets are high-entropy server-generated values, so a
	// keyed hash is the right tool here, not a password hash.
	SecretDigest    Digest
	SecretExpiresAt time.Time // zero: never
	GrantTypes      []string
	RedirectURIs    []string
	Scopes          []string
	IssuerURL       string // SSO OIDC RegisterClient issuerUrl, kept as given
	// Dynamic marks a self-registered client; it is collected once ExpiresAt
	// has passed.
	Dynamic   bool
	CreatedAt time.Time
	ExpiresAt time.Time // zero: never
}

// AllowsGrant reports whether the client registered grant type g.
func (c Client) AllowsGrant(g string) bool { return slices.Contains(c.GrantTypes, g) }

// AuthorizationCode is what /authorize hands back and the token endpoint
// redeems once (RFC 6749 §4.1, PKCE per RFC 7636).
type AuthorizationCode struct {
	Digest              Digest
	ClientID            string
	UserID              string
	Protocol            Protocol
	RedirectURI         string // exactly as sent to /authorize
	Scopes              []string
	CodeChallenge       string // base64url(SHA-256(verifier)), 43 characters
	CodeChallengeMethod string // always "S256"; an empty value is never "PKCE optional"
	Nonce               string // OIDC nonce, echoed in the ID token
	DPoPJKT             string // RFC 9449 §10 dpop_jkt from the authorize request
	Assignment          Assignment
	AuthTime            time.Time
	// AMR is how the user authenticated for the approval (RFC 8176), for
	// the ID token; empty when not known.
	AMR       []string
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    time.Time // zero until redeemed (or burned by a failed check)
	SessionID string    // the session its redemption created
}

// DeviceStatus is the state of a device authorization (RFC 8628).
type DeviceStatus string

// Device authorization states. Denied and Redeemed are terminal.
const (
	DevicePending  DeviceStatus = "pending"
	DeviceApproved DeviceStatus = "approved"
	DeviceDenied   DeviceStatus = "denied"
	DeviceRedeemed DeviceStatus = "redeemed"
)

// DeviceAuthorization is one RFC 8628 device flow.
type DeviceAuthorization struct {
	Digest         Digest // of the device code
	UserCodeDigest Digest // of the normalised user code (upper case, no dash)
	ClientID       string
	Protocol       Protocol
	Scopes         []string
	Status         DeviceStatus
	UserID         string // set on approval
	AuthTime       time.Time
	Interval       time.Duration // grows by the slow-down step on every too-early poll
	LastPolledAt   time.Time
	CreatedAt      time.Time
	ExpiresAt      time.Time
	SessionID      string // the session its redemption created
}

// Session is a refresh-token family: the grant a user (or client) holds,
// rotated one TokenGeneration at a time until it expires or is revoked.
type Session struct {
	ID         string
	ClientID   string
	UserID     string
	Protocol   Protocol
	Scopes     []string
	Assignment Assignment // the AWS role the session acts as (Sign-In, portal)
	DPoPJKT    string     // RFC 7638 thumbprint of the bound key; empty: not bound
	Nonce      string
	AuthTime   time.Time
	CreatedAt  time.Time
	ExpiresAt  time.Time // absolute end; no rotation extends it
	RevokedAt  time.Time // zero while live
	// RevokeReason says why, for the audit trail (e.g. "reuse", "admin").
	RevokeReason string
	Generation   int64 // the current generation number
	// AMR is how the user authenticated (RFC 8176), from the approval;
	// the ID token's amr. Empty when not known.
	AMR []string
}

// Live reports whether the session can still be used at now.
func (s Session) Live(now time.Time) bool {
	return s.RevokedAt.IsZero() && now.Before(s.ExpiresAt)
}

// TokenGeneration is one step of a session: a refresh token and the access
// token issued with it. The first generation (0) is created by the grant that
// created the session; each refresh marks the current one rotated and adds its
// successor, in one transaction.
type TokenGeneration struct {
	SessionID        string
	Generation       int64
	RefreshDigest    Digest
	AccessDigest     Digest
	IssuedAt         time.Time
	AccessExpiresAt  time.Time
	RefreshExpiresAt time.Time
	RotatedAt        time.Time // zero while current
}

// KeyPurpose says what a server key is for.
type KeyPurpose string

// Key purposes.
const (
	KeyHMAC    KeyPurpose = "hmac"    // token digests (HMAC-SHA-256)
	KeyAEAD    KeyPurpose = "aead"    // data sealed at rest and self-contained tokens
	KeySigning KeyPurpose = "signing" // ID tokens and JWKS (ES256)
)

// Key is a server key as stored: its material sealed by the master key.
type Key struct {
	ID        string // the JWS kid for signing keys
	Purpose   KeyPurpose
	Algorithm string // "HS256", "A256GCM", "ES256"
	Sealed    []byte // key material, sealed by the master key
	CreatedAt time.Time
	// ActiveAt: a signing key is published from CreatedAt and signs from
	// ActiveAt on, so every node's JWKS knows it before any token uses it.
	ActiveAt time.Time
	// RetiredAt: from then on the key neither signs nor verifies; zero: never.
	RetiredAt time.Time
}

// AccessKey is a long-term AWS access key of a service principal (an IAM
// user or root ARN), as stored for package awscreds.
type AccessKey struct {
	ID           string // AKIA…
	PrincipalARN string
	// SealedSecret is the secret access key sealed with the AEAD key (bound
	// to ID); the plain secret is shown once, at creation.
	SealedSecret []byte
	CreatedAt    time.Time
	Disabled     bool
}
