package signet

import (
	"errors"
	"fmt"
	"time"
)

// ErrorCode classifies a failure the way OAuth 2.0 does (RFC 6749 §5.2,
// RFC 8628 §3.5, RFC 9449 §7) plus the few classes the AWS APIs add. Each
// wire dialect renders a code (and, where it needs one, a Reason) in its own
// shape: see api/*/errors.go.
type ErrorCode string

// Error codes. The string values are the RFC 6749 names where one exists.
const (
	CodeInvalidRequest        ErrorCode = "invalid_request"
	CodeInvalidClient         ErrorCode = "invalid_client"
	CodeInvalidGrant          ErrorCode = "invalid_grant"
	CodeUnauthorizedClient    ErrorCode = "unauthorized_client"
	CodeUnsupportedGrantType  ErrorCode = "unsupported_grant_type"
	CodeInvalidScope          ErrorCode = "invalid_scope"
	CodeAuthorizationPending  ErrorCode = "authorization_pending"
	CodeSlowDown              ErrorCode = "slow_down"
	CodeAccessDenied          ErrorCode = "access_denied"
	CodeExpiredToken          ErrorCode = "expired_token"
	CodeInvalidClientMetadata ErrorCode = "invalid_client_metadata"
	CodeInvalidRedirectURI    ErrorCode = "invalid_redirect_uri"
	CodeInvalidDPoPProof      ErrorCode = "invalid_dpop_proof"
	CodeUseDPoPNonce          ErrorCode = "use_dpop_nonce"
	CodeTooManyRequests       ErrorCode = "too_many_requests"
	CodeNotFound              ErrorCode = "not_found"
	CodeConflict              ErrorCode = "conflict"
	CodeQuotaExceeded         ErrorCode = "quota_exceeded"
	CodeUnavailable           ErrorCode = "temporarily_unavailable"
	CodeInternal              ErrorCode = "server_error"
)

// Reason refines a code where one wire dialect distinguishes cases that
// another folds together. Sign-In, for one, answers 401 AUTHCODE_EXPIRED for
// a used or expired code and 403 USER_CREDENTIALS_CHANGED after a password
// change, where SSO OIDC answers InvalidGrantException for all three.
type Reason string

// Reasons. The zero Reason means "nothing finer to say".
const (
	ReasonNone               Reason = ""
	ReasonCodeExpired        Reason = "code_expired"        // code unknown, used or past its lifetime
	ReasonTokenExpired       Reason = "token_expired"       // refresh token unknown, rotated, revoked or expired
	ReasonCredentialsChanged Reason = "credentials_changed" // password changed after the session began
	ReasonUserDisabled       Reason = "user_disabled"
	ReasonInsufficientPerms  Reason = "insufficient_permissions"
	ReasonPKCEMismatch       Reason = "pkce_mismatch"
	ReasonRedirectMismatch   Reason = "redirect_mismatch"
	ReasonClientMismatch     Reason = "client_mismatch"
	ReasonReuseDetected      Reason = "reuse_detected"
	ReasonDPoPKeyMismatch    Reason = "dpop_key_mismatch"
	// ReasonNetworkDenied: the account's Sign-In policy does not allow the
	// request's network for the principal.
	ReasonNetworkDenied Reason = "network_denied"
)

// Error is the one domain error. Message is safe to show to a client: it
// never contains caller input or secrets. Err carries the detail for the log.
type Error struct {
	Code       ErrorCode
	Reason     Reason
	Message    string
	RetryAfter time.Duration // for CodeTooManyRequests, CodeSlowDown and CodeUnavailable
	Err        error         // internal cause; logged, never sent
}

func (e *Error) Error() string {
	s := string(e.Code)
	if e.Reason != "" {
		s += " (" + string(e.Reason) + ")"
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with a client-safe message.
func Errorf(code ErrorCode, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// WithReason returns a copy of e with the reason set.
func (e *Error) WithReason(r Reason) *Error { c := *e; c.Reason = r; return &c }

// Wrap returns a copy of e that carries cause for the log.
func (e *Error) Wrap(cause error) *Error { c := *e; c.Err = cause; return &c }

// Internal wraps an unexpected failure (a store error, a bug) as a
// server_error whose message says nothing about the cause.
func Internal(cause error) *Error {
	return &Error{Code: CodeInternal, Message: "An internal error occurred.", Err: cause}
}

// ErrorCodeOf returns the code of err: the Code of an *Error in its chain,
// CodeNotFound or CodeConflict for the store sentinels, and CodeInternal for
// anything else (nil gives "").
func ErrorCodeOf(err error) ErrorCode {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	switch {
	case errors.Is(err, ErrNotFound):
		return CodeNotFound
	case errors.Is(err, ErrConflict):
		return CodeConflict
	}
	return CodeInternal
}

// AsError returns err as an *Error, wrapping anything else with Internal.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	if errors.Is(err, ErrNotFound) {
		return &Error{Code: CodeNotFound, Message: "Not found.", Err: err}
	}
	if errors.Is(err, ErrConflict) {
		return &Error{Code: CodeConflict, Message: "Already exists.", Err: err}
	}
	return Internal(err)
}

// Store sentinels. Backends return these (wrapped or bare) so that callers
// never look at driver messages.
var (
	// ErrNotFound: no row with that key, or the row is past its life.
	ErrNotFound = errors.New("signet: not found")
	// ErrConflict: a unique key is taken (user name, client id).
	ErrConflict = errors.New("signet: already exists")
	// ErrAlreadyUsed: a single-use grant (code, device code) was already
	// redeemed; returned together with what the first redemption created.
	ErrAlreadyUsed = errors.New("signet: already used")
	// ErrUnavailable: the store could not be reached or gave up after its
	// bounded retries; callers answer a retryable 5xx.
	ErrUnavailable = errors.New("signet: store unavailable")
)
