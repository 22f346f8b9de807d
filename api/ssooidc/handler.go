package ssooidc

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/api/awsjson"
	"github.com/signet-auth/signet/authserver"
	"github.com/signet-auth/signet/ratelimit"
	"github.com/signet-auth/signet/sigv4"
)

// Engine is what the SSO OIDC operations need from the engine;
// *authserver.Server implements it.
type Engine interface {
	RegisterClient(ctx context.Context, r authserver.Registration) (authserver.IssuedClient, error)
	AuthenticateClient(ctx context.Context, a authserver.ClientAuth) (signet.Client, error)
	StartDevice(ctx context.Context, protocol signet.Protocol, clientID string, scopes []string) (authserver.DeviceStart, error)
	Token(ctx context.Context, r authserver.TokenRequest) (authserver.TokenResponse, error)
	Lifetimes() authserver.Lifetimes
}

var _ Engine = (*authserver.Server)(nil)

// Handler serves the SSO OIDC operations. Engine, Issuer and Rand are
// required; Mount panics without them, since a server cannot run without
// them.
type Handler struct {
	Engine Engine
	// Issuer is the external base URL of this server (e.g.
	// https://sso.example.internal); the device verification URIs and
	// RegisterClient's endpoints are built from it, never from Host or
	// X-Forwarded-* headers.
	Issuer string
	// Rand draws request ids (crypto/rand.Reader in production).
	Rand io.Reader
	Log  *slog.Logger // nil: discard

	// Limiter throttles the operations per client and address and counts
	// failed client authentications (catalogue RL-02, RL-03, CL-04); nil:
	// no limits.
	Limiter *ratelimit.Limiter

	// AutoApprove, when not nil, is called with the user code right after
	// StartDeviceAuthorization stored it, so that the first poll gets tokens
	// (--dev-auto-approve; (*web.Handler).AutoApproveDevice does the work
	// and logs a warning). Nil in production.
	AutoApprove func(ctx context.Context, userCode string)

	// CreateTokenWithIAM. Verifier checks the SigV4 signature (signing name
	// sso-oauth); nil turns the operation off (AccessDeniedException).
	Verifier *sigv4.Verifier
	// IAMAccountID, when set, turns the operation on; the engine's
	// Config.IAMAccountID, the same account, is whose verified principals
	// may act for administrator-registered applications.
	IAMAccountID string
	// Region, if set, is the only region a CreateTokenWithIAM signature may
	// name; another gets InvalidRequestRegionException.
	Region string
	// Signer signs CreateTokenWithIAM's idToken and identity context
	// (idtoken.go); nil: answers carry neither. Clock dates them (nil:
	// the system clock).
	Signer Signer
	Clock  signet.Clock
}

// SigningName is CreateTokenWithIAM's SigV4 service name (the model's
// signingName; its endpointPrefix is "oidc").
const SigningName = "sso-oauth"

const requestIDHeader = "x-amzn-RequestId"

// issuerURL returns the absolute URL of path on this server.
func (h *Handler) issuerURL(path string) string {
	return strings.TrimSuffix(h.Issuer, "/") + path
}

// frame gives every response its request id before anything else runs, so
// the SigV4 middleware's refusals and the handler's answers carry the same
// one.
func (h *Handler) frame(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set(requestIDHeader, sigv4.RequestID(r, h.Rand))
		next.ServeHTTP(w, r)
	})
}

// decode reads and decodes a request body into dst, strictly: JSON media
// type, at most awsjson.MaxBodyBytes, valid UTF-8, one object without
// duplicate members (catalogue IN-01…IN-03, IN-05). Unknown members are
// ignored (IN-04).
func decode(r *http.Request, dst any) *signet.Error {
	body, err := awsjson.ReadBody(r)
	if err != nil {
		return &signet.Error{Code: signet.CodeInvalidRequest, Message: err.Error(), Err: err}
	}
	if !utf8.Valid(body) {
		// encoding/json would replace the bad bytes and carry on; a token
		// service refuses instead.
		return invalidRequest("Request body is not valid UTF-8.")
	}
	if err := awsjson.Unmarshal(body, dst); err != nil {
		return invalidRequest(err.Error())
	}
	return nil
}

// unsignedRequest refuses what the unsigned operations never carry from a
// real client: an Authorization header (a second way to authenticate, CL-03)
// and query parameters (where secrets must never travel, IN-05).
func unsignedRequest(r *http.Request) *signet.Error {
	if r.Header.Get("Authorization") != "" {
		return invalidRequest("This operation takes no Authorization header; the client authenticates in the body.")
	}
	if r.URL.RawQuery != "" {
		return invalidRequest("This operation takes no query parameters.")
	}
	return nil
}
