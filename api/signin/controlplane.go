package signin

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/api/awsjson"
	"github.com/signet-auth/signet/authserver"
	"github.com/signet-auth/signet/httpserver"
	"github.com/signet-auth/signet/sigv4"
)

// Paths of the control-plane operations (signin.md §1). The SDKs send them
// to signin.<region>.api.aws whatever endpoint is configured; they are
// served here on any Host.
const (
	PathPutStatement     = "/put-resource-permission-statement"
	PathListStatements   = "/list-resource-permission-statements"
	PathDeleteStatement  = "/delete-resource-permission-statement"
	PathGetPolicy        = "/get-resource-policy"
	PathPutConsoleAuth   = "/put-console-authorization-configuration"
	PathGetConsoleAuth   = "/get-console-authorization-configuration"
	PathDeleteConsoleAut = "/delete-console-authorization-configuration"
)

// PolicyEngine is what the control-plane operations need of
// *authserver.Server: the account's Sign-In policy and its console
// authorization, whose rules (quota, idempotency, enforcement) it holds.
type PolicyEngine interface {
	PutSigninStatement(ctx context.Context, r authserver.SigninStatementRequest) (signet.SigninStatement, error)
	SigninStatements(ctx context.Context, accountID string) ([]signet.SigninStatement, error)
	DeleteSigninStatement(ctx context.Context, accountID, id, clientToken string) error
	SetConsoleAuthorization(ctx context.Context, accountID string, enabled bool) error
	ConsoleAuthorization(ctx context.Context, accountID string) (bool, error)
}

var _ PolicyEngine = (*authserver.Server)(nil)

// controlRoutes are the seven control-plane operations, SigV4-signed.
func (h *Handler) controlRoutes(signed func(http.Handler) http.Handler) []httpserver.Route {
	ops := []struct {
		path string
		op   func(http.ResponseWriter, *http.Request, sigv4.Caller)
	}{
		{PathPutStatement, h.putStatement}, {PathListStatements, h.listStatements},
		{PathDeleteStatement, h.deleteStatement}, {PathGetPolicy, h.getPolicy},
		{PathPutConsoleAuth, h.consoleAuth(consolePut)}, {PathGetConsoleAuth, h.consoleAuth(consoleGet)},
		{PathDeleteConsoleAut, h.consoleAuth(consoleDelete)},
	}
	routes := make([]httpserver.Route, 0, len(ops))
	for _, o := range ops {
		op := o.op
		routes = append(routes, httpserver.Route{Method: "POST", Path: o.path, Handler: signed(h.recover(func(w http.ResponseWriter, r *http.Request) {
			caller, ok := sigv4.CallerFrom(r.Context())
			switch {
			case !ok:
				h.writeControlError(w, r, signet.Internal(errors.New("signin: no SigV4 caller")))
			case h.Policies == nil:
				h.writeControlError(w, r, signet.Internal(errors.New("signin: no policy engine")))
			case caller.Principal.SessionID != "":
				// The account's policy decides who may sign in: only a
				// long-term key (signet admin access-key create) may change
				// it, never the credentials a sign-in handed out.
				h.writeControlError(w, r, &signet.Error{Code: signet.CodeAccessDenied, Reason: signet.ReasonInsufficientPerms,
					Message: "Only a long-term access key of the account may manage its Sign-In policy."})
			default:
				// Throttled per client address like the token endpoint;
				// every call pays (no grant to retry for free).
				if h.allow(w, r, "") {
					op(w, r, caller)
				}
			}
		}))})
	}
	return routes
}

// Control-plane exception shapes beyond the token operations' (signin.md
// §3.1).
const (
	excNotFound      = "ResourceNotFoundException"
	excConflict      = "ConflictException"
	excQuotaExceeded = "ServiceQuotaExceededException"
)

// writeControlError renders err for a control-plane operation: not found,
// conflict and quota have their own shapes there; the rest is as for the
// token operations.
func (h *Handler) writeControlError(w http.ResponseWriter, r *http.Request, err error) {
	e := signet.AsError(err)
	var status int
	var shape, code string
	switch e.Code {
	case signet.CodeNotFound:
		status, shape, code = http.StatusNotFound, excNotFound, "RESOURCE_NOT_FOUND"
	case signet.CodeConflict:
		status, shape, code = http.StatusConflict, excConflict, "CONFLICT"
	case signet.CodeQuotaExceeded:
		status, shape, code = http.StatusPaymentRequired, excQuotaExceeded, "SERVICE_QUOTA_EXCEEDED"
	default:
		h.writeError(w, r, err)
		return
	}
	if e.Err != nil {
		signet.LoggerOr(h.Logger).LogAttrs(r.Context(), slog.LevelInfo, "signin: request refused",
			slog.String("path", r.URL.Path), slog.String("error", code), slog.Any("cause", e))
	}
	awsjson.WriteError(w, status, shape, map[string]string{"error": code, "message": e.Message}, 0)
}
