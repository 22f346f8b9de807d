package oauth2

import (
	"context"
	"errors"
	"io"
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
	AuthenticateClient(ctx context.Context, id, clientSecret string, allowPublicWithoutSecret bool) (signet.Client, error)
	StartDevice(ctx context.Context, protocol signet.Protocol, clientID string, scopes []string) (authserver.DeviceStart, error)
	LookupAccessToken(ctx context.Context, token string) (signet.Session, signet.TokenGeneration, error)
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

// ClientKeyStore reads the public keys that clients authenticating with
// private_key_jwt (RFC 7523 §2.2) registered: a JWK Set (RFC 7517 §5) per
// client, set by an administrator. It is the part of signet.ClientKeyStore
// this surface uses.
type ClientKeyStore interface {
	// ClientJWKS returns the client's JWK Set as stored; an error wrapping
	// signet.ErrNotFound if it registered none.
	ClientJWKS(ctx context.Context, clientID string) ([]byte, error)
}

var _ ClientKeyStore = signet.ClientKeyStore(nil)

// ClientGetter reads a client as stored; signet.ClientStore implements it.
type ClientGetter interface {
	GetClient(ctx context.Context, id string) (signet.Client, error)
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

// Handler serves the standard endpoints. Engine, Clients, Users, Signer,
// Replay, Issuer, Clock and Rand are required; Mount panics without them,
// since the server cannot run without them.
type Handler struct {
	Engine  Engine
	Clients ClientGetter
	Users   UserGetter
	Signer  Signer
	// Replay remembers client-assertion jtis across nodes (catalogue CL-09).
	Replay signet.ReplayStore
	// DPoP verifies proofs; nil turns DPoP off (a DPoP header is then
	// refused, and the metadata advertises no DPoP algorithms).
	DPoP *dpop.Verifier
	// ClientKeys holds private_key_jwt clients' keys; nil turns
	// private_key_jwt off.
	ClientKeys ClientKeyStore
	// Issuer is the external base URL exactly as configured (e.g.
	// https://signet.example.com); every URL in the metadata, the iss of
	// every token and the expected DPoP htu are built from it.
	Issuer string
	Clock  signet.Clock
	Rand   io.Reader // crypto/rand.Reader in production
	Log    *slog.Logger
	// Registration, if set, turns on dynamic registration.
	Registration *Registration
	// IDTokenLifetime bounds ID tokens; zero: the access-token lifetime.
	IDTokenLifetime time.Duration
	// Limiter throttles the endpoints (429 with Retry-After), limits
	// introspection per calling client (catalogue SD-01) and counts failed
	// client secrets per client and address (CL-04); nil: no limits.
	Limiter *ratelimit.Limiter
}

func (h *Handler) logger() *slog.Logger {
	if h.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return h.Log
}

// url returns the absolute URL of path on this server, from the configured
// issuer only.
func (h *Handler) url(path string) string {
	return strings.TrimSuffix(h.Issuer, "/") + path
}

func (h *Handler) check() error {
	switch {
	case h.Engine == nil, h.Clients == nil, h.Users == nil, h.Signer == nil, h.Replay == nil, h.Clock == nil, h.Rand == nil:
		return errors.New("oauth2: Handler needs Engine, Clients, Users, Signer, Replay, Clock and Rand")
	case !strings.HasPrefix(h.Issuer, "https://") && !strings.HasPrefix(h.Issuer, "http://"):
		return errors.New("oauth2: Handler.Issuer must be an absolute http(s) URL")
	}
	return nil
}
