package oauth2

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/dpop"
)

// Error codes this surface adds to the domain's: RFC 7009 §2.2.1 and RFC
// 6750 §3.1.
const (
	codeUnsupportedTokenType = "unsupported_token_type"
	codeInvalidToken         = "invalid_token"
)

// statusOf maps a domain error code to the HTTP status and the RFC 6749
// §5.2 error string (catalogue "Error mapping", STD column).
func statusOf(code signet.ErrorCode) (int, string) {
	bad := http.StatusBadRequest
	switch code {
	case signet.CodeInvalidClient:
		return http.StatusUnauthorized, string(code)
	case signet.CodeInvalidRequest, signet.CodeInvalidGrant, signet.CodeUnauthorizedClient,
		signet.CodeUnsupportedGrantType, signet.CodeInvalidScope, signet.CodeAuthorizationPending,
		signet.CodeSlowDown, signet.CodeAccessDenied, signet.CodeExpiredToken,
		signet.CodeInvalidClientMetadata, signet.CodeInvalidRedirectURI,
		signet.CodeInvalidDPoPProof, signet.CodeUseDPoPNonce:
		return bad, string(code)
	case signet.CodeNotFound, signet.CodeConflict:
		// Store answers that reach the wire only through a race.
		return bad, string(signet.CodeInvalidRequest)
	case signet.CodeTooManyRequests:
		return http.StatusTooManyRequests, string(code)
	case signet.CodeUnavailable:
		return http.StatusServiceUnavailable, string(code)
	case codeUnsupportedTokenType:
		return bad, string(code)
	}
	return http.StatusInternalServerError, string(signet.CodeInternal)
}

// errInvalidRequest is the wire layer's own refusal of malformed input.
func errInvalidRequest(msg string) *signet.Error {
	return &signet.Error{Code: signet.CodeInvalidRequest, Message: msg}
}

// errInvalidClient is the one answer to every client-authentication failure
// of this layer (CL-01: the same body for every cause).
func errInvalidClient(cause error) *signet.Error {
	return &signet.Error{Code: signet.CodeInvalidClient, Message: "Client authentication failed.", Err: cause}
}

// unavailable is a store failure where the client must retry: 503 with
// Retry-After (RFC 7009 §2.2.1; catalogue SD-03, CC-06).
func unavailable(cause error) *signet.Error {
	return &signet.Error{Code: signet.CodeUnavailable, Message: "The service is temporarily unavailable; retry later.",
		RetryAfter: time.Second, Err: cause}
}

// noStore marks a response as never to be cached (RFC 6749 §5.1, §5.2).
func noStore(w http.ResponseWriter) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status, body = http.StatusInternalServerError, []byte(`{"error":"server_error"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// writeError renders err as an RFC 6749 §5.2 JSON error. basic says the
// client authenticated with HTTP Basic, so a 401 carries a Basic challenge
// (RFC 6749 §5.2; catalogue CL-01). The description is the domain error's
// Message, never caller input or a secret; the cause goes to the log only.
func (h *Handler) writeError(w http.ResponseWriter, r *http.Request, err error, basic bool) {
	e := signet.AsError(err)
	if e.Code == signet.CodeInternal && errors.Is(e, signet.ErrUnavailable) {
		// The engine reports a store failure as internal; a store that gave
		// up after its bounded retries (busy, serialization failures, no
		// free connection, down) is one the client should retry: 503 with
		// Retry-After, as for revocation (catalogue CC-06).
		e = unavailable(e)
	}
	status, code := statusOf(e.Code)
	if errors.Is(e, errTooLarge) {
		status = http.StatusRequestEntityTooLarge // catalogue IN-01
	}
	msg := e.Message
	if status >= 500 && e.Code != signet.CodeUnavailable {
		msg = "An internal error occurred."
	}
	level := slog.LevelInfo
	if status >= 500 {
		level = slog.LevelError
	}
	signet.LoggerOr(h.Log).Log(r.Context(), level, "oauth2: request refused", "path", r.URL.Path, "status", status, "error", code, "cause", e)
	noStore(w)
	if status == http.StatusUnauthorized && basic {
		w.Header().Set("WWW-Authenticate", `Basic realm="signet", charset="UTF-8"`)
	}
	if e.RetryAfter > 0 && (status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable) {
		w.Header().Set("Retry-After", strconv.Itoa(int((e.RetryAfter+time.Second-1)/time.Second)))
	}
	if nonce, ok := dpop.NonceFromError(err); ok && e.Code == signet.CodeUseDPoPNonce {
		// RFC 9449 §8: exactly one DPoP-Nonce header (catalogue DP-11).
		w.Header().Set("DPoP-Nonce", nonce)
	}
	body := map[string]string{"error": code}
	if msg != "" {
		body["error_description"] = msg
	}
	writeJSON(w, status, body)
}
