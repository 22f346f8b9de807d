package ssooidc

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/signet-auth/signet"
)

// TestShapeOf pins the exception table of sso-oidc.md §6.3 and the mapping
// decisions of the catalogue (RL-02: the throttle is SlowDownException).
func TestShapeOf(t *testing.T) {
	for code, want := range map[signet.ErrorCode]errorShape{
		signet.CodeInvalidRequest:        {400, "InvalidRequestException", "invalid_request"},
		signet.CodeInvalidClient:         {401, "InvalidClientException", "invalid_client"},
		signet.CodeInvalidGrant:          {400, "InvalidGrantException", "invalid_grant"},
		signet.CodeUnauthorizedClient:    {400, "UnauthorizedClientException", "unauthorized_client"},
		signet.CodeUnsupportedGrantType:  {400, "UnsupportedGrantTypeException", "unsupported_grant_type"},
		signet.CodeInvalidScope:          {400, "InvalidScopeException", "invalid_scope"},
		signet.CodeAuthorizationPending:  {400, "AuthorizationPendingException", "authorization_pending"},
		signet.CodeSlowDown:              {400, "SlowDownException", "slow_down"},
		signet.CodeTooManyRequests:       {400, "SlowDownException", "slow_down"},
		signet.CodeAccessDenied:          {400, "AccessDeniedException", "access_denied"},
		signet.CodeExpiredToken:          {400, "ExpiredTokenException", "expired_token"},
		signet.CodeInvalidClientMetadata: {400, "InvalidClientMetadataException", "invalid_client_metadata"},
		signet.CodeInvalidRedirectURI:    {400, "InvalidRedirectUriException", "invalid_redirect_uri"},
		signet.CodeInvalidDPoPProof:      {400, "InvalidRequestException", "invalid_request"},
		signet.CodeUseDPoPNonce:          {400, "InvalidRequestException", "invalid_request"},
		signet.CodeNotFound:              {400, "InvalidRequestException", "invalid_request"},
		signet.CodeConflict:              {400, "InvalidRequestException", "invalid_request"},
		signet.CodeUnavailable:           {500, "InternalServerException", "server_error"},
		signet.CodeInternal:              {500, "InternalServerException", "server_error"},
		"something new":                  {500, "InternalServerException", "server_error"},
	} {
		if got := shapeOf(code); got != want {
			t.Errorf("%s: got %+v, want %+v", code, got, want)
		}
	}
}

// RL-02: a throttled StartDeviceAuthorization or CreateToken answers the
// modeled SlowDownException, 400, never 429.
func TestRL02_ThrottleIsSlowDown(t *testing.T) {
	h := &Handler{}
	for _, code := range []signet.ErrorCode{signet.CodeTooManyRequests, signet.CodeSlowDown} {
		w := httptest.NewRecorder()
		h.writeError(w, httptest.NewRequest(http.MethodPost, "/token", nil), opCreateToken, &signet.Error{Code: code, Message: "Slow down.", RetryAfter: 3 * time.Second})
		if w.Code != http.StatusBadRequest || w.Header().Get("X-Amzn-ErrorType") != "SlowDownException" {
			t.Fatalf("%s: %d %v", code, w.Code, w.Header())
		}
	}
}
