package uibuilder

import (
	"errors"
	"log/slog"
	"math"
	"net/http"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/api/awsjson"
)

// Exception names and statuses. InvalidParameterException is the one the
// model declares; the rest are AWS's conventional unmodeled errors
// (amplifyuibuilder.md §4), which the SDKs classify by the same header:
// ThrottlingException and InternalServerException are retried.
const (
	excInvalidParameter = "InvalidParameterException"
	excAccessDenied     = "AccessDeniedException"
	excThrottling       = "ThrottlingException"
	excInternal         = "InternalServerException"
)

// status maps a domain error code to the exception and HTTP status.
func status(code signet.ErrorCode) (string, int) {
	switch code {
	case signet.CodeInvalidRequest, signet.CodeInvalidGrant:
		return excInvalidParameter, http.StatusBadRequest
	case signet.CodeAccessDenied:
		return excAccessDenied, http.StatusForbidden
	case signet.CodeTooManyRequests:
		return excThrottling, http.StatusTooManyRequests
	}
	return excInternal, http.StatusInternalServerError
}

// writeError renders err as {"message"} with x-amzn-ErrorType. The message
// is the domain error's client-safe text; causes go to the log only, and
// only for server faults (the broker logs every request itself).
func (h *Handler) writeError(w http.ResponseWriter, r *http.Request, err error) {
	e := signet.AsError(err)
	shape, code := status(e.Code)
	code = awsjson.StatusFor(e, code) // catalogue IN-01
	msg := e.Message
	if code == http.StatusInternalServerError && e.Code == signet.CodeInternal && e.Err != nil {
		signet.LoggerOr(h.Logger).LogAttrs(r.Context(), slog.LevelError, "uibuilder: internal failure", slog.String("path", r.URL.Path), slog.Any("cause", e.Err))
	}
	if msg == "" {
		msg = "An internal error occurred."
	}
	retry := 0
	if e.Code == signet.CodeTooManyRequests {
		retry = max(1, int(math.Ceil(e.RetryAfter.Seconds())))
	}
	awsjson.WriteError(w, code, shape, map[string]string{"message": msg}, retry)
}

// recover turns a panic into a 500 without logging the panic value, which
// could hold request data (catalogue BR-08).
func (h *Handler) recover(next http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				signet.LoggerOr(h.Logger).LogAttrs(r.Context(), slog.LevelError, "uibuilder: handler panicked", slog.String("path", r.URL.Path))
				h.writeError(w, r, signet.Internal(errors.New("panic")))
			}
		}()
		next(w, r)
	})
}
