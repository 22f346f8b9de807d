package signin

import (
	"log/slog"
	"math"
	"net/http"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/api/awsjson"
	"github.com/signet-auth/signet/dpop"
)

// Exception shapes (signin.md §3.1) and the OAuth2ErrorCode values the
// body's "error" member carries.
const (
	excAccessDenied   = "AccessDeniedException"
	excValidation     = "ValidationException"
	excTooManyRequest = "TooManyRequestsError" // sic: the model's name
	excInternal       = "InternalServerException"

	errTokenExpired       = "TOKEN_EXPIRED"
	errAuthcodeExpired    = "AUTHCODE_EXPIRED"
	errCredentialsChanged = "USER_CREDENTIALS_CHANGED"
	errInsufficientPerms  = "INSUFFICIENT_PERMISSIONS"
	errInvalidRequest     = "INVALID_REQUEST"
	errServer             = "server_error" // lower case in the model
)

// wireError is one Sign-In error as sent.
type wireError struct {
	status  int
	shape   string
	code    string // the body's "error"
	message string
}

// mapError is the catalogue's mapping table, SI column
// (docs/spec/security.md, "Error mapping"):
//
//   - expired or consumed code: 401 AccessDeniedException AUTHCODE_EXPIRED;
//   - expired, revoked or unknown refresh token, disabled user: 401
//     AccessDeniedException TOKEN_EXPIRED;
//   - credentials changed: 403 USER_CREDENTIALS_CHANGED; missing
//     permission: 403 INSUFFICIENT_PERMISSIONS;
//   - malformed input, client or grant-type problems, other grant errors
//     (PKCE, redirect URI, client binding) and every DPoP failure: 400
//     ValidationException INVALID_REQUEST (the model has no DPoP code);
//   - throttled: 429 TooManyRequestsError INVALID_REQUEST with Retry-After;
//   - anything else: 500 InternalServerException server_error.
func mapError(e *signet.Error) wireError {
	msg := e.Message
	w := wireError{status: http.StatusBadRequest, shape: excValidation, code: errInvalidRequest, message: msg}
	switch e.Code {
	case signet.CodeInvalidGrant, signet.CodeExpiredToken, signet.CodeAccessDenied:
		switch e.Reason {
		case signet.ReasonCodeExpired:
			return wireError{http.StatusUnauthorized, excAccessDenied, errAuthcodeExpired, msg}
		case signet.ReasonTokenExpired, signet.ReasonReuseDetected, signet.ReasonUserDisabled:
			return wireError{http.StatusUnauthorized, excAccessDenied, errTokenExpired, msg}
		case signet.ReasonCredentialsChanged:
			return wireError{http.StatusForbidden, excAccessDenied, errCredentialsChanged, msg}
		case signet.ReasonInsufficientPerms:
			return wireError{http.StatusForbidden, excAccessDenied, errInsufficientPerms, msg}
		}
		switch e.Code {
		case signet.CodeExpiredToken:
			return wireError{http.StatusUnauthorized, excAccessDenied, errTokenExpired, msg}
		case signet.CodeAccessDenied:
			return wireError{http.StatusForbidden, excAccessDenied, errInsufficientPerms, msg}
		}
		return w // PKCE, redirect URI, client binding: a bad request
	case signet.CodeInvalidRequest, signet.CodeInvalidClient, signet.CodeUnauthorizedClient,
		signet.CodeUnsupportedGrantType, signet.CodeInvalidScope, signet.CodeInvalidDPoPProof,
		signet.CodeUseDPoPNonce, signet.CodeNotFound, signet.CodeConflict:
		return w
	case signet.CodeTooManyRequests, signet.CodeSlowDown:
		return wireError{http.StatusTooManyRequests, excTooManyRequest, errInvalidRequest, msg}
	}
	return wireError{http.StatusInternalServerError, excInternal, errServer, "An internal error occurred."}
}

// writeError renders err in the Sign-In shape: X-Amzn-ErrorType and
// {"error", "message"} (plus __type, which the Go SDK's own fixtures use),
// Retry-After for throttling, and for a DPoP nonce challenge exactly one
// DPoP-Nonce header (RFC 9449 §8; catalogue DP-11). Internal causes go to
// the log, never to the client.
func (h *Handler) writeError(w http.ResponseWriter, r *http.Request, err error) {
	e := signet.AsError(err)
	we := mapError(e)
	we.status = awsjson.StatusFor(e, we.status) // catalogue IN-01
	if we.status == http.StatusInternalServerError {
		signet.LoggerOr(h.Logger).LogAttrs(r.Context(), slog.LevelError, "signin: internal failure",
			slog.String("path", r.URL.Path), slog.Any("cause", e))
	} else if e.Err != nil {
		signet.LoggerOr(h.Logger).LogAttrs(r.Context(), slog.LevelInfo, "signin: request refused",
			slog.String("path", r.URL.Path), slog.String("error", we.code), slog.Any("cause", e))
	}
	if we.message == "" {
		we.message = "The request is not valid."
	}
	if nonce, ok := dpop.NonceFromError(e); ok {
		w.Header().Set("DPoP-Nonce", nonce)
	}
	retry := 0
	if e.RetryAfter > 0 || we.status == http.StatusTooManyRequests {
		retry = max(1, int(math.Ceil(e.RetryAfter.Seconds())))
	}
	awsjson.WriteError(w, we.status, we.shape, map[string]string{"error": we.code, "message": we.message}, retry)
}
