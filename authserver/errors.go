package authserver

import (
	"errors"
	"time"

	"github.com/signet-auth/signet"
)

// Error constructors. Messages are fixed strings: never caller input, never
// a secret. The detail goes into Err for the log.

func invalidRequest(msg string) *signet.Error {
	return &signet.Error{Code: signet.CodeInvalidRequest, Message: msg}
}

func invalidScope() *signet.Error {
	return &signet.Error{Code: signet.CodeInvalidScope, Message: "The requested scope is invalid or exceeds the scope granted."}
}

// invalidClient is the one answer to every client-authentication failure:
// unknown id, wrong secret, expired secret, expired registration.
func invalidClient(cause error) *signet.Error {
	return &signet.Error{Code: signet.CodeInvalidClient, Message: "Client authentication failed.", Err: cause}
}

// codeFailed is the one answer to every authorization-code failure (AC-10:
// unknown, expired, used and mismatched codes look alike; only the Reason,
// which the Sign-In dialect needs, differs).
func codeFailed(r signet.Reason, cause error) *signet.Error {
	return &signet.Error{Code: signet.CodeInvalidGrant, Reason: r,
		Message: "The authorization code is invalid, expired or already used.", Err: cause}
}

// refreshFailed is the answer to refresh-token failures.
func refreshFailed(r signet.Reason, cause error) *signet.Error {
	msg := "The refresh token is invalid, expired or revoked."
	switch r {
	case signet.ReasonCredentialsChanged:
		msg = "The user's credentials changed; sign in again."
	case signet.ReasonUserDisabled:
		msg = "The user is disabled."
	}
	return &signet.Error{Code: signet.CodeInvalidGrant, Reason: r, Message: msg, Err: cause}
}

func deviceFailed(cause error) *signet.Error {
	return &signet.Error{Code: signet.CodeInvalidGrant, Message: "The device code is invalid, expired or already used.", Err: cause}
}

func dpopMismatch() *signet.Error {
	return &signet.Error{Code: signet.CodeInvalidDPoPProof, Reason: signet.ReasonDPoPKeyMismatch,
		Message: "The DPoP proof is not from the key the grant is bound to."}
}

// passThrough returns err's *signet.Error if it carries one (an error a
// Check callback raised and the store handed back), or else the result of
// orElse for the store sentinels it knows, or an internal error.
func passThrough(err error, known func(error) *signet.Error) *signet.Error {
	var e *signet.Error
	if errors.As(err, &e) {
		return e
	}
	if k := known(err); k != nil {
		return k
	}
	return signet.Internal(err)
}

// unavailable is the refusal when a store the answer depends on failed:
// the caller retries rather than assume anything (the replay store behind
// client assertions).
func unavailable(cause error) *signet.Error {
	return &signet.Error{Code: signet.CodeUnavailable, Message: "The service is temporarily unavailable; retry later.",
		RetryAfter: time.Second, Err: cause}
}
