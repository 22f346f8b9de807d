package signin

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/api/awsjson"
	"github.com/signet-auth/signet/authserver"
	"github.com/signet-auth/signet/awscreds"
	"github.com/signet-auth/signet/dpop"
	"github.com/signet-auth/signet/httpserver"
	"github.com/signet-auth/signet/sigv4"
)

// SigningName is the SigV4 service name of the *WithIAM operations.
const SigningName = "signin"

// Paths (signin.md §1).
const (
	PathToken      = "/v1/token"
	PathIntrospect = "/v1/introspect"
	PathRevoke     = "/v1/revoke"
)

// Engine is what the handler needs of *authserver.Server.
type Engine interface {
	Token(ctx context.Context, r authserver.TokenRequest) (authserver.TokenResponse, error)
	RevokeToken(ctx context.Context, clientID, token string) error
	LookupToken(ctx context.Context, q authserver.TokenLookup) (authserver.TokenInfo, error)
}

var _ Engine = (*authserver.Server)(nil)

// Credentials hands out the SigV4 credentials that are Sign-In's access
// token: local ones (*awscreds.Authority) or, for an assignment backed by a
// real IAM role, STS's (the wiring's per-assignment source). Its errors are
// *signet.Error values already.
type Credentials interface {
	RoleCredentials(ctx context.Context, r awscreds.RoleRequest) (awscreds.Credentials, error)
	// ForgetSession drops the cached liveness of a session, so that the
	// credentials of a session revoked here stop verifying at once.
	ForgetSession(sessionID string)
}

var _ Credentials = (*awscreds.Authority)(nil)

// JWTSigner signs the idToken and the WithIAM access token (ES256 with a
// kid); *keyring.Keyring implements it.
type JWTSigner interface {
	SignJWT(claims any) (string, error)
}

// Handler serves the Sign-In token operations. Every field but Limiter,
// ClientIP and Logger is required.
type Handler struct {
	Engine      Engine
	Users       signet.UserStore
	Grants      signet.GrantStore // read-only: CreateOAuth2TokenWithIAM reads the caller's session
	Credentials Credentials
	Signer      JWTSigner
	DPoP        *dpop.Verifier
	SigV4       *sigv4.Verifier
	// Issuer is the external URL of this server, as configured. The DPoP
	// htu is compared with Issuer + "/v1/token", never with Host or
	// X-Forwarded-* (RFC 9449 §4.3 step 9; RFC 9700 §4.13; catalogue
	// DP-07); it is also the idToken's iss.
	Issuer string
	// Limiter bounds CreateOAuth2Token per client address and grant
	// (catalogue RL-01, AB-02); nil: no limit.
	Limiter Limiter
	// ClientIP returns the address the limiter counts against; nil: the
	// connection's peer address.
	ClientIP func(*http.Request) string
	Clock    signet.Clock
	Rand     io.Reader // jti of WithIAM access tokens
	// Clients, when set, keeps a WithIAM resource from naming a client of
	// this server (catalogue JT-01); the built-in clients and the issuer
	// are refused without it.
	Clients ClientLookup
	// Policies serves the control-plane operations (the account's Sign-In
	// policy and console authorization); nil: they answer
	// InternalServerException.
	Policies PolicyEngine
	// Exchanger serves CreateOAuth2TokenWithTokenExchange; nil: it answers
	// unsupported_grant_type.
	Exchanger Exchanger
	Logger    *slog.Logger // nil: discard
}

// Surface names this package in the server's route listing.
const Surface = "signin"

// Routes lists the three operations' paths.
func (h *Handler) Routes() httpserver.Table {
	signed := h.SigV4.Require(SigningName, awsjson.SigV4Error)
	iamToken := signed(h.recover(h.createWithIAM))
	routes := []httpserver.Route{{Method: "POST", Path: PathToken, Handler: h.recover(func(w http.ResponseWriter, r *http.Request) {
		// One path, three operations, told apart by the query
		// (signin.md §1).
		q := r.URL.Query()
		switch {
		case q.Has("x-amz-client-auth-method"):
			if !onlyIAM(r) {
				h.writeError(w, r, invalid("Unsupported client authentication method."))
				return
			}
			iamToken.ServeHTTP(w, r)
		case q.Has("x-amz-oauth-token-method"):
			if v := q["x-amz-oauth-token-method"]; len(v) != 1 || v[0] != "token-exchange" {
				h.writeError(w, r, invalid("Unsupported token method."))
				return
			}
			h.exchange(w, r)
		default:
			h.createToken(w, r)
		}
	})}}
	for _, p := range []struct {
		path string
		op   http.HandlerFunc
	}{{PathIntrospect, h.introspect}, {PathRevoke, h.revoke}} {
		op := signed(h.recover(p.op))
		routes = append(routes, httpserver.Route{Method: "POST", Path: p.path, Handler: h.recover(func(w http.ResponseWriter, r *http.Request) {
			if !onlyIAM(r) {
				h.writeError(w, r, invalid("This operation needs x-amz-client-auth-method=iam."))
				return
			}
			op.ServeHTTP(w, r)
		})})
	}
	routes = append(routes, h.controlRoutes(signed)...)
	return httpserver.Table{Surface: Surface, Routes: routes, Wrap: sigv4.EchoRequestID(h.Rand)}
}

// Mount registers the routes.
func (h *Handler) Mount(mux *http.ServeMux) { h.Routes().Mount(mux) }

func onlyIAM(r *http.Request) bool {
	v := r.URL.Query()["x-amz-client-auth-method"]
	return len(v) == 1 && v[0] == "iam"
}

// tokenURL is the htu every DPoP proof must name.
func (h *Handler) tokenURL() string {
	return strings.TrimSuffix(h.Issuer, "/") + PathToken
}

func (h *Handler) clientIP(r *http.Request) string {
	if h.ClientIP != nil {
		return h.ClientIP(r)
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// recover turns a panic into a 500 without logging the panic value, which
// could hold request data.
func (h *Handler) recover(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				h.writeError(w, r, signet.Internal(errors.New("signin: handler panicked")))
			}
		}()
		next(w, r)
	}
}
