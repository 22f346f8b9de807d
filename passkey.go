package signet

import (
	"context"
	"time"
)

// AMR values of a passkey sign-in (RFC 8176 §2).
const (
	// AMRHardwareKey: proof of possession of a key held by an
	// authenticator (a passkey or a security key).
	AMRHardwareKey = "hwk"
	// AMRUserVerified: the authenticator verified the user (a PIN or a
	// biometric), so the passkey is two factors on its own.
	AMRUserVerified = "user"
)

// Passkey is a WebAuthn credential of a user (a passkey or a security
// key). The public key is not a secret; the private key never leaves the
// authenticator.
type Passkey struct {
	ID         []byte // the credential id the authenticator chose
	UserID     string
	Name       string // the user's name for it ("YubiKey", "Laptop")
	PublicKey  []byte // COSE_Key
	SignCount  uint32 // the highest signature counter seen
	Transports []string
	AAGUID     []byte
	// BackupEligible and BackupState are the authenticator's BE and BS
	// flags (a synced passkey has both).
	BackupEligible bool
	BackupState    bool
	CreatedAt      time.Time
	LastUsed       time.Time // zero until the first sign-in with it
}

// PasskeyStore keeps users' WebAuthn credentials.
type PasskeyStore interface {
	// AddPasskey stores p; ErrConflict if a credential with its ID exists
	// (for any user).
	AddPasskey(ctx context.Context, p Passkey) error
	// GetPasskey returns the credential with that ID; ErrNotFound if none.
	GetPasskey(ctx context.Context, id []byte) (Passkey, error)
	// ListPasskeys returns the user's credentials ordered by creation;
	// none is not an error.
	ListPasskeys(ctx context.Context, userID string) ([]Passkey, error)
	// UsePasskey records a sign-in with credential id whose authenticator
	// reported signCount, at now. One conditional write decides: the
	// counter must move forward (or both it and the stored one be 0, for
	// authenticators that keep none); otherwise ErrAlreadyUsed and nothing
	// changes (a cloned authenticator, catalogue MF-02). ErrNotFound if
	// there is no such credential.
	UsePasskey(ctx context.Context, id []byte, signCount uint32, now time.Time) error
	// DeletePasskey removes the user's credential id; ErrNotFound if the
	// user has no such credential.
	DeletePasskey(ctx context.Context, userID string, id []byte) error
}
