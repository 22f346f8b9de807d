package ssooidc

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/api/awsjson"
	"github.com/signet-auth/signet/ratelimit"
)

// errorShape is one row of the exception table (sso-oidc.md §6.3): the
// shape name the SDKs decode, the HTTP status, and the body's "error".
type errorShape struct {
	status int
	name   string
	code   string
}

// Exception names of the SSO OIDC model.
const (
	excInvalidRequest        = "InvalidRequestException"
	excInvalidClient         = "InvalidClientException"
	excInvalidGrant          = "InvalidGrantException"
	excUnauthorizedClient    = "UnauthorizedClientException"
	excUnsupportedGrantType  = "UnsupportedGrantTypeException"
	excInvalidScope          = "InvalidScopeException"
	excAuthorizationPending  = "AuthorizationPendingException"
	excSlowDown              = "SlowDownException"
	excAccessDenied          = "AccessDeniedException"
	excExpiredToken          = "ExpiredTokenException"
	excInternalServer        = "InternalServerException"
	excInvalidClientMetadata = "InvalidClientMetadataException"
	excInvalidRedirectURI    = "InvalidRedirectUriException"
	excInvalidRequestRegion  = "InvalidRequestRegionException"
)

// shapeOf maps a domain error code to the SSO OIDC exception. The mapping
// decisions the model leaves open (catalogue "Error mapping", rows marked ‡)
// are pinned here:
//
//   - too_many_requests is SlowDownException, the one throttle the model
//     has (catalogue RL-02), and slow_down is too.
//   - invalid_dpop_proof and use_dpop_nonce cannot happen on this surface
//     (it has no DPoP) and would be a malformed request: InvalidRequestException.
//   - not_found and conflict (store answers that reach the wire only through
//     a bug or a race) are InvalidRequestException.
//   - temporarily_unavailable and server_error are InternalServerException,
//     which the SDKs retry.
func shapeOf(code signet.ErrorCode) errorShape {
	bad := http.StatusBadRequest
	switch code {
	case signet.CodeInvalidRequest, signet.CodeInvalidDPoPProof, signet.CodeUseDPoPNonce,
		signet.CodeNotFound, signet.CodeConflict:
		return errorShape{bad, excInvalidRequest, "invalid_request"}
	case signet.CodeInvalidClient:
		return errorShape{http.StatusUnauthorized, excInvalidClient, "invalid_client"}
	case signet.CodeInvalidGrant:
		return errorShape{bad, excInvalidGrant, "invalid_grant"}
	case signet.CodeUnauthorizedClient:
		return errorShape{bad, excUnauthorizedClient, "unauthorized_client"}
	case signet.CodeUnsupportedGrantType:
		return errorShape{bad, excUnsupportedGrantType, "unsupported_grant_type"}
	case signet.CodeInvalidScope:
		return errorShape{bad, excInvalidScope, "invalid_scope"}
	case signet.CodeAuthorizationPending:
		return errorShape{bad, excAuthorizationPending, "authorization_pending"}
	case signet.CodeSlowDown, signet.CodeTooManyRequests:
		return errorShape{bad, excSlowDown, "slow_down"}
	case signet.CodeAccessDenied:
		return errorShape{bad, excAccessDenied, "access_denied"}
	case signet.CodeExpiredToken:
		return errorShape{bad, excExpiredToken, "expired_token"}
	case signet.CodeInvalidClientMetadata:
		return errorShape{bad, excInvalidClientMetadata, "invalid_client_metadata"}
	case signet.CodeInvalidRedirectURI:
		return errorShape{bad, excInvalidRedirectURI, "invalid_redirect_uri"}
	}
	return errorShape{http.StatusInternalServerError, excInternalServer, "server_error"}
}

// invalidRequest is the wire layer's own refusal of malformed input.
func invalidRequest(msg string) *signet.Error {
	return &signet.Error{Code: signet.CodeInvalidRequest, Message: msg}
}

// writeError renders err in the SSO OIDC shape (sso-oidc.md §6.1). The
// description is the domain error's Message, which never holds caller input
// or a secret; the cause goes to the log only.
func (h *Handler) writeError(w http.ResponseWriter, r *http.Request, op string, err error) {
	e := signet.AsError(err)
	s := shapeOf(e.Code)
	s.status = awsjson.StatusFor(e, s.status) // catalogue IN-01
	msg := e.Message
	if s.status >= 500 {
		msg = "An internal error occurred."
	}
	h.logError(w, r, op, s, e)
	// Throttling answers say when to come back; the device flow's
	// authorization_pending and slow_down carry the interval in the
	// response to StartDeviceAuthorization instead (RFC 8628 §3.5).
	retry := 0
	if e.Code == signet.CodeTooManyRequests || e.Code == signet.CodeUnavailable {
		retry = int((e.RetryAfter + time.Second - 1) / time.Second)
	}
	awsjson.WriteError(w, s.status, s.name, map[string]string{"error": s.code, "error_description": msg}, retry)
}

// throttle applies the per-node buckets of class: a refusal is
// too_many_requests (rendered as SlowDownException, the model's throttle;
// catalogue RL-02). The failure budget of the client's secret (CL-04) is
// the engine's; its refusals render the same way, or as
// temporarily_unavailable when the store cannot say (fail closed, RL-06).
func (h *Handler) throttle(r *http.Request, class ratelimit.Class, clientID string) *signet.Error {
	return h.Limiter.Request(r, class, clientID)
}

// writeThrottled is RegisterClient's throttle: 429 with Retry-After
// (catalogue RL-03‡). The type is SlowDownException, which RegisterClient's
// model lists, so that SDKs decode a modeled error; the status is 429
// because a registration, unlike a poll, has no interval to slow down.
func (h *Handler) writeThrottled(w http.ResponseWriter, r *http.Request, op string, e *signet.Error) {
	s := errorShape{http.StatusTooManyRequests, excSlowDown, "slow_down"}
	h.logError(w, r, op, s, e)
	awsjson.WriteError(w, s.status, s.name, map[string]string{"error": s.code, "error_description": e.Message},
		int((e.RetryAfter+time.Second-1)/time.Second))
}

// writeRegionError is CreateTokenWithIAM's InvalidRequestRegionException,
// which names the endpoint and region to use instead.
func (h *Handler) writeRegionError(w http.ResponseWriter, r *http.Request, region string) {
	s := errorShape{http.StatusBadRequest, excInvalidRequestRegion, "invalid_request"}
	h.logError(w, r, opCreateTokenWithIAM, s, invalidRequest("wrong signing region"))
	awsjson.WriteError(w, s.status, s.name, map[string]string{
		"error": s.code, "error_description": "The request was signed for another region.",
		"endpoint": h.Issuer, "region": region,
	}, 0)
}

func (h *Handler) logError(w http.ResponseWriter, r *http.Request, op string, s errorShape, e *signet.Error) {
	level := slog.LevelInfo
	switch {
	case s.status >= 500:
		level = slog.LevelError
	case e.Code == signet.CodeAuthorizationPending || e.Code == signet.CodeSlowDown:
		level = slog.LevelDebug // the device flow's normal polling
	}
	signet.LoggerOr(h.Log).LogAttrs(r.Context(), level, "sso-oidc: request refused",
		slog.String("operation", op), slog.String("error_type", s.name),
		slog.String("reason", string(e.Reason)), slog.String("request_id", w.Header().Get(requestIDHeader)),
		slog.Any("cause", e.Err))
}
