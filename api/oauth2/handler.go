package oauth2

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/authserver"
	"github.com/signet-auth/signet/dpop"
	"github.com/signet-auth/signet/ratelimit"
)

// Engine is what this surface needs from the engine; *authserver.Server
// implements it.
type Engine interface {
	Token(ctx context.Context, r authserver.TokenRequest) (authserver.TokenResponse, error)
	AuthenticateClient(ctx context.Context, a authserver.ClientAuth) (signet.Client, error)
	StartDevice(ctx context.Context, protocol signet.Protocol, clientID string, scopes []string) (authserver.DeviceStart, error)
	LookupToken(ctx context.Context, q authserver.TokenLookup) (authserver.TokenInfo, error)
	LookupSelfContained(token, issuer string) (authserver.AccessClaims, error)
	RevokeToken(ctx context.Context, clientID, token string) error
	RegisterClient(ctx context.Context, r authserver.Registration) (authserver.IssuedClient, error)
	Lifetimes() authserver.Lifetimes
}

var _ Engine = (*authserver.Server)(nil)

// Signer signs and verifies the JWTs this surface issues (ID tokens and
// client_credentials access tokens) and publishes the keys;
// *keyring.Keyring implements it (checked in this package's tests, so that
// the surface does not import the keyring).
type Signer interface {
	SignJWT(claims any) (string, error)
	VerifyJWT(token string, dst any) error
	JWKS() jose.JSONWebKeySet
}

// UserGetter reads a user; signet.UserStore implements it.
type UserGetter interface {
	GetUser(ctx context.Context, id string) (signet.User, error)
}

// Registration turns on RFC 7591 dynamic client registration. Off by
// default: a nil *Registration leaves the endpoint unmounted and out of the
// metadata.
type Registration struct {
	// Scopes, if set, are the only scopes a registering client may ask for.
	Scopes []string
	// GrantTypes, if set, are the only grant types a registering client
	// may ask for (the engine's own list bounds them either way).
	GrantTypes []string
	// RedirectHosts, if set, are the only hosts an https redirect URI may
	// name; loopback http redirect URIs (RFC 8252 §7.3) stay allowed.
	RedirectHosts []string
	// InitialAccessToken, if set, must come as the Bearer token of every
	// registration request (RFC 7591 §3); otherwise registration is open.
	InitialAccessToken string
}

// Handler serves the standard endpoints. Engine, Users, Signer, Issuer and
// Clock are required; Mount panics without them, since the server cannot
// run without them.
type Handler struct {
	Engine Engine
	Users  UserGetter
	Signer Signer
	// DPoP verifies proofs; nil turns DPoP off (a DPoP header is then
	// refused, and the metadata advertises no DPoP algorithms).
	DPoP *dpop.Verifier
	// ClientKeys, when set, advertises private_key_jwt in the metadata:
	// the store the engine's Config.ClientKeys verifies assertions with.
	ClientKeys authserver.ClientKeyStore
	// Issuer is the external base URL exactly as configured (e.g.
	// https://signet.example.com); every URL in the metadata, the iss of
	// every token and the expected DPoP htu are built from it.
	Issuer string
	Clock  signet.Clock
	Log    *slog.Logger
	// Registration, if set, turns on dynamic registration.
	Registration *Registration
	// IDTokenLifetime bounds ID tokens; zero: the access-token lifetime.
	IDTokenLifetime time.Duration
	// Limiter throttles the endpoints (429 with Retry-After), limits
	// introspection per calling client (catalogue SD-01) and resolves the
	// origin the engine counts failed client secrets by (CL-04); nil: no
	// limits.
	Limiter *ratelimit.Limiter
}

// url returns the absolute URL of path on this server, from the configured
// issuer only.
func (h *Handler) url(path string) string {
	return strings.TrimSuffix(h.Issuer, "/") + path
}

func (h *Handler) check() error {
	switch {
	case h.Engine == nil, h.Users == nil, h.Signer == nil, h.Clock == nil:
		return errors.New("oauth2: Handler needs Engine, Users, Signer and Clock")
	case !strings.HasPrefix(h.Issuer, "https://") && !strings.HasPrefix(h.Issuer, "http://"):
		return errors.New("oauth2: Handler.Issuer must be an absolute http(s) URL")
	}
	return nil
}
