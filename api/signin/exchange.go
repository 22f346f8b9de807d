package signin

import (
	"context"
	"math"
	"net/http"
	"time"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/api/awsjson"
	"github.com/signet-auth/signet/authserver"
)

// Exchanger is what CreateOAuth2TokenWithTokenExchange needs of
// *authserver.Server, which decides every exchange.
type Exchanger interface {
	Exchange(ctx context.Context, r authserver.ExchangeRequest) (string, time.Duration, error)
}

var _ Exchanger = (*authserver.Server)(nil)

// exchangeOutput is CreateOAuth2TokenWithTokenExchangeResponse.
type exchangeOutput struct {
	AccessToken     string `json:"access_token"`
	IssuedTokenType string `json:"issued_token_type"`
	TokenType       string `json:"token_type"`
	ExpiresIn       int64  `json:"expires_in"`
}

// exchange is CreateOAuth2TokenWithTokenExchange (signin.md §5; RFC 8693):
// anonymous, the subject token is the credential.
func (h *Handler) exchange(w http.ResponseWriter, r *http.Request) {
	in, err := readStrings(r, "grant_type", "subject_token", "subject_token_type", "resource", "scope")
	if !h.allow(w, r, in["subject_token"]) {
		return
	}
	if err != nil {
		h.writeExchangeError(w, r, err, "")
		return
	}
	if h.Exchanger == nil {
		h.writeExchangeError(w, r, &signet.Error{Code: signet.CodeUnsupportedGrantType, Message: "Token exchange is not enabled."}, "")
		return
	}
	res := in["resource"]
	if len(res) < 1 || len(res) > maxResource {
		h.writeExchangeError(w, r, invalid("resource must be 1 to 2048 characters."), "invalid_target")
		return
	}
	if ok, err := h.iamAudienceAllowed(r.Context(), res); err != nil {
		h.writeExchangeError(w, r, signet.Internal(err), "")
		return
	} else if !ok {
		h.writeExchangeError(w, r, invalid("resource must name a resource server, not this server or one of its clients."), "invalid_target")
		return
	}
	tok, life, err := h.Exchanger.Exchange(r.Context(), authserver.ExchangeRequest{
		GrantType: in["grant_type"], SubjectToken: in["subject_token"], SubjectTokenType: in["subject_token_type"],
		Resource: res, Scope: in["scope"], Issuer: h.Issuer,
	})
	if err != nil {
		h.writeExchangeError(w, r, err, "")
		return
	}
	awsjson.WriteJSON(w, http.StatusOK, exchangeOutput{AccessToken: tok, IssuedTokenType: authserver.TokenTypeAccessToken,
		TokenType: "Bearer", ExpiresIn: min(max(int64(life/time.Second), 1), 3600)})
}

// writeExchangeError renders the token exchange's errors with the RFC 6749
// / 8693 codes its shapes carry (signin.md §3.1, Go SDK ≥ 1.11); target,
// when set, is the error code of a ValidationException about the resource.
func (h *Handler) writeExchangeError(w http.ResponseWriter, r *http.Request, err error, target string) {
	e := signet.AsError(err)
	status, shape, code := http.StatusBadRequest, excValidation, "invalid_request"
	switch {
	case target != "":
		code = target
	case e.Code == signet.CodeUnsupportedGrantType:
		code = "unsupported_grant_type"
	case e.Code == signet.CodeInvalidGrant:
		shape, code = "InvalidGrantException", "invalid_grant"
	case e.Code == signet.CodeInvalidScope:
		shape, code = "InvalidScopeException", "invalid_scope"
	case e.Code == signet.CodeInvalidRequest:
	case e.Code == signet.CodeTooManyRequests:
		h.writeError(w, r, err)
		return
	case e.Code == signet.CodeUnavailable:
		status, shape, code = http.StatusServiceUnavailable, "ServiceUnavailableException", "service_unavailable"
	default:
		h.writeError(w, r, err) // 500 InternalServerException
		return
	}
	retry := 0
	if e.RetryAfter > 0 {
		retry = max(1, int(math.Ceil(e.RetryAfter.Seconds())))
	}
	msg := e.Message
	if msg == "" {
		msg = "The request is not valid."
	}
	awsjson.WriteError(w, status, shape, map[string]string{"error": code, "message": msg}, retry)
}
