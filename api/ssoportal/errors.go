package ssoportal

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/api/awsjson"
)

// apiError is a portal exception: the model's shape name, its HTTP status
// and a message safe to send; cause is for the log only.
type apiError struct {
	status     int
	name       string
	message    string
	retryAfter time.Duration
	cause      error
}

func unauthorized(cause error) *apiError {
	return &apiError{http.StatusUnauthorized, "UnauthorizedException", "Session token not found or invalid", 0, cause}
}

func invalidRequest(msg string) *apiError {
	return &apiError{http.StatusBadRequest, "InvalidRequestException", msg, 0, nil}
}

func notFound(msg string) *apiError {
	return &apiError{http.StatusNotFound, "ResourceNotFoundException", msg, 0, nil}
}

func tooManyRequests(retryAfter time.Duration, cause error) *apiError {
	return &apiError{http.StatusTooManyRequests, "TooManyRequestsException", "Too many requests; slow down.", retryAfter, cause}
}

// internal is a failure of ours. The model has no server error; the SDKs
// retry a 500 whatever its shape, and read the name from the header.
func internal(cause error) *apiError {
	if e := signet.AsError(cause); e.Code == signet.CodeTooManyRequests {
		return tooManyRequests(e.RetryAfter, cause)
	}
	return &apiError{http.StatusInternalServerError, "InternalServerException", "An internal error occurred.", 0, cause}
}

// writeError renders e: X-Amzn-ErrorType, x-amzn-RequestId and a
// {"message"} body, Retry-After for throttling.
func (h *Handler) writeError(w http.ResponseWriter, r *http.Request, op string, e *apiError) {
	level := slog.LevelInfo
	if e.status >= 500 {
		level = slog.LevelError
	}
	signet.LoggerOr(h.Log).LogAttrs(r.Context(), level, "sso portal: request refused",
		slog.String("operation", op), slog.String("error_type", e.name),
		slog.String("request_id", w.Header().Get(requestIDHeader)), slog.Any("cause", e.cause))
	retry := 0
	if e.retryAfter > 0 {
		retry = int((e.retryAfter + time.Second - 1) / time.Second)
	} else if e.status == http.StatusTooManyRequests {
		retry = 1
	}
	awsjson.WriteError(w, e.status, e.name, map[string]string{"message": e.message}, retry)
}

// credentialError renders a credential source's failure (catalogue AW-02):
// a role that refuses to be assumed looks like no access to it (a 404 the
// SDKs do not retry), throttling is TooManyRequestsException, and the
// upstream being down or slow is a 500.
func credentialError(err error) *apiError {
	if signet.ErrorCodeOf(err) == signet.CodeAccessDenied {
		e := notFound("No access to that account and role.")
		e.cause = err
		return e
	}
	return internal(err)
}
