package authserver

import (
	"context"

	"github.com/signet-auth/signet"
)

// ClientAuthLimiter holds the failure budget of client secrets per client
// id and origin (catalogue CL-04); *ratelimit.Limiter implements it. The
// engine asks it before a secret is checked and tells it the outcome after.
type ClientAuthLimiter interface {
	// AdmitClientAuth refuses a client authentication from origin when
	// clientID's budget there is spent: too_many_requests with RetryAfter,
	// or temporarily_unavailable when it cannot say (fail closed, RL-06).
	AdmitClientAuth(ctx context.Context, clientID, origin string) error
	// ClientAuthBudget is the same budget for a grant to consult with its
	// own first read (signet.Rotation.Budget); nil when there is none.
	ClientAuthBudget(ctx context.Context, clientID, origin string) *signet.Budget
	// CountClientAuth counts err against the budget when it is an
	// invalid_client answer.
	CountClientAuth(ctx context.Context, clientID, origin string, err error)
}

// ClientKeyStore reads the public keys of clients that authenticate with
// private_key_jwt (RFC 7523 §2.2): a JWK Set (RFC 7517 §5) per client, set
// by an administrator. It is the part of signet.ClientKeyStore the engine
// uses.
type ClientKeyStore interface {
	// ClientJWKS returns the client's JWK Set as stored; an error wrapping
	// signet.ErrNotFound if it registered none.
	ClientJWKS(ctx context.Context, clientID string) ([]byte, error)
}

// JWTSigner signs the client_credentials grant's self-contained access
// tokens and verifies them when they come back (LookupSelfContained);
// *keyring.Keyring implements it.
type JWTSigner interface {
	SignJWT(claims any) (string, error)
	// VerifyJWT checks token's signature with a key of this server and
	// decodes its claims into dst, accepting only dst's kind of token.
	VerifyJWT(token string, dst any) error
}

var _ ClientKeyStore = signet.ClientKeyStore(nil)
