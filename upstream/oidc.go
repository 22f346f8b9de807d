package upstream

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/signet-auth/signet"
)

// ErrRefused wraps every refusal of an upstream login (a bad or replayed
// state, another browser, an ID token that fails a check, an error from
// the provider): the pages show one generic page and log the reason.
var ErrRefused = errors.New("upstream: login refused")

func refused(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrRefused, fmt.Sprintf(format, args...))
}

// DefaultLoginTimeout bounds the time between Begin and Complete.
const DefaultLoginTimeout = 10 * time.Minute

// signingAlgs are the ID token algorithms accepted: asymmetric only, so an
// ID token MACed with the client secret (HS256) or unsigned (none) never
// passes (RFC 8725 §3.1, catalogue FD-01).
var signingAlgs = []string{oidc.RS256, oidc.RS384, oidc.RS512, oidc.ES256, oidc.ES384, oidc.ES512,
	oidc.PS256, oidc.PS384, oidc.PS512, oidc.EdDSA}

// Service runs upstream OIDC logins. Providers come from Store at each
// login, so one added or changed by an administrator is used at once.
type Service struct {
	Store signet.FederationStore
	// BaseURL is signet's external URL; a provider's redirect URI is
	// BaseURL + "/login/federated/{name}/callback".
	BaseURL string
	// Getenv resolves "env:" client secret references.
	Getenv func(string) string
	// HTTPClient talks to the providers; nil: one with DefaultHTTPTimeout,
	// so that a provider that does not answer cannot hold a login (and
	// its goroutine) forever.
	HTTPClient   *http.Client
	Clock        signet.Clock
	Rand         io.Reader
	LoginTimeout time.Duration // 0: DefaultLoginTimeout

	mu        sync.Mutex
	discovery map[string]*oidc.Provider // by issuer
}

// Identity is what a verified upstream login says of the person, mapped
// through the provider's ClaimMapping.
type Identity struct {
	IdP         string
	Subject     string
	Username    string
	DisplayName string
	Email       string
	Groups      []string
	// AMR is the provider's amr claim (RFC 8176), as sent; nil if absent.
	AMR []string
}

// CallbackPath is the path a provider sends the browser back to.
func CallbackPath(idp string) string { return "/login/federated/" + idp + "/callback" }

// DefaultHTTPTimeout bounds each request to a provider (discovery, JWKS,
// token) when Service.HTTPClient is nil.
const DefaultHTTPTimeout = 15 * time.Second

func (s *Service) client() *http.Client {
	if s.HTTPClient != nil {
		return s.HTTPClient
	}
	return &http.Client{Timeout: DefaultHTTPTimeout}
}

// provider returns the discovery of p's issuer, fetched once per process.
// Keys rotate through go-oidc's key set, which fetches the JWKS again for
// an unknown kid.
//
// The lock is not held while fetching, so one slow provider does not hold
// the logins at the others; two first logins at once may both fetch.
func (s *Service) provider(ctx context.Context, p signet.IdentityProvider) (*oidc.Provider, error) {
	s.mu.Lock()
	op, ok := s.discovery[p.Issuer]
	s.mu.Unlock()
	if ok {
		return op, nil
	}
	// The key set lives as long as the process, not as the request; the
	// discovery request itself is bounded by the client's timeout.
	op, err := oidc.NewProvider(oidc.ClientContext(context.WithoutCancel(ctx), s.client()), p.Issuer)
	if err != nil {
		return nil, fmt.Errorf("upstream: discovery of %s: %w", p.Issuer, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.discovery == nil {
		s.discovery = map[string]*oidc.Provider{}
	}
	if prev, ok := s.discovery[p.Issuer]; ok {
		return prev, nil
	}
	s.discovery[p.Issuer] = op
	return op, nil
}

func (s *Service) config(ctx context.Context, p signet.IdentityProvider) (*oauth2.Config, *oidc.Provider, error) {
	if p.Kind != signet.IdPOIDC {
		return nil, nil, fmt.Errorf("upstream: %s is not an OIDC provider", p.Name)
	}
	op, err := s.provider(ctx, p)
	if err != nil {
		return nil, nil, err
	}
	getenv := s.Getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	sec, err := ResolveSecret(p.ClientSecretRef, getenv)
	if err != nil {
		return nil, nil, err
	}
	scopes := []string{oidc.ScopeOpenID}
	for _, sc := range p.Scopes {
		if sc != oidc.ScopeOpenID {
			scopes = append(scopes, sc)
		}
	}
	return &oauth2.Config{
		ClientID: p.ClientID, ClientSecret: sec, Endpoint: op.Endpoint(), Scopes: scopes,
		RedirectURL: strings.TrimSuffix(s.BaseURL, "/") + CallbackPath(p.Name),
	}, op, nil
}

// derive is HMAC-SHA-256 of the state keyed by the browser's secret,
// base64url: the PKCE verifier (43 characters, RFC 7636 §4.1) and the
// nonce, each with its own label.
func derive(binding, label, state string) string {
	m := hmac.New(sha256.New, []byte(binding))
	m.Write([]byte("signet upstream " + label + " v1\x00" + state))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// stateDigest is what the store keeps of a state.
func stateDigest(state string) signet.Digest {
	return sha256.Sum256([]byte("signet upstream state v1\x00" + state))
}

// BindingDigest is what the store keeps of the browser's secret.
func BindingDigest(binding string) signet.Digest {
	return sha256.Sum256([]byte("signet upstream binding v1\x00" + binding))
}

// Begin starts a login at provider idp for the browser whose secret
// session id is binding, to continue at ret afterwards, and returns the
// URL to send the browser to. An unknown provider is signet.ErrNotFound.
func (s *Service) Begin(ctx context.Context, idp, binding, ret string) (string, error) {
	if len(binding) < 16 {
		return "", errors.New("upstream: a browser binding of at least 128 bits is required")
	}
	p, err := s.Store.GetIdP(ctx, idp)
	if err != nil {
		return "", err
	}
	cfg, _, err := s.config(ctx, p)
	if err != nil {
		return "", err
	}
	var b [32]byte
	if _, err := io.ReadFull(s.Rand, b[:]); err != nil {
		return "", fmt.Errorf("upstream: random source: %w", err)
	}
	state := base64.RawURLEncoding.EncodeToString(b[:])
	timeout := s.LoginTimeout
	if timeout <= 0 {
		timeout = DefaultLoginTimeout
	}
	now := s.Clock.Now()
	if err := s.Store.CreateUpstreamLogin(ctx, signet.UpstreamLogin{
		Digest: stateDigest(state), IdP: p.Name, Binding: BindingDigest(binding), Return: ret,
		CreatedAt: now, ExpiresAt: now.Add(timeout),
	}); err != nil {
		return "", err
	}
	return cfg.AuthCodeURL(state, oidc.Nonce(derive(binding, "nonce", state)),
		oauth2.S256ChallengeOption(derive(binding, "pkce", state))), nil
}

// maxParam bounds the callback parameters read.
const maxParam = 4096

// Complete checks the callback of provider idp (its query q) for the
// browser whose secret session id is binding, redeems the code with the
// PKCE verifier, verifies the ID token and returns the identity with the
// return path Begin was given. Every refusal wraps ErrRefused.
func (s *Service) Complete(ctx context.Context, idp string, q url.Values, binding string) (Identity, string, error) {
	if e := q.Get("error"); e != "" {
		return Identity{}, "", refused("provider %s answered %.64q: %.200q", idp, e, q.Get("error_description"))
	}
	state, code := q.Get("state"), q.Get("code")
	if len(state) != 43 || code == "" || len(code) > maxParam || len(q.Get("iss")) > maxParam {
		return Identity{}, "", refused("callback without a well-formed state and code")
	}
	l, err := s.Store.TakeUpstreamLogin(ctx, stateDigest(state), s.Clock.Now())
	switch {
	case errors.Is(err, signet.ErrNotFound):
		return Identity{}, "", refused("unknown, used or expired state")
	case err != nil:
		return Identity{}, "", err
	case l.IdP != idp:
		return Identity{}, "", refused("state of provider %s answered at %s", l.IdP, idp)
	case !l.Binding.Equal(BindingDigest(binding)):
		// A state from another browser: login CSRF (RFC 9700 §4.7, FD-02).
		return Identity{}, "", refused("state started by another browser")
	}
	p, err := s.Store.GetIdP(ctx, idp)
	if err != nil {
		return Identity{}, "", err
	}
	cfg, op, err := s.config(ctx, p)
	if err != nil {
		return Identity{}, "", err
	}
	// RFC 9207: a provider that names itself must name the right issuer.
	if iss := q.Get("iss"); iss != "" && iss != p.Issuer {
		return Identity{}, "", refused("authorization response from issuer %.200q", iss)
	}
	cctx := oidc.ClientContext(ctx, s.client())
	tok, err := cfg.Exchange(cctx, code, oauth2.VerifierOption(derive(binding, "pkce", state)))
	if err != nil {
		return Identity{}, "", refused("code exchange at %s: %v", idp, err)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return Identity{}, "", refused("token response from %s without an ID token", idp)
	}
	v := op.Verifier(&oidc.Config{ClientID: p.ClientID, SupportedSigningAlgs: signingAlgs, Now: s.Clock.Now})
	idt, err := v.Verify(cctx, raw)
	if err != nil {
		return Identity{}, "", refused("ID token from %s: %v", idp, err)
	}
	if !hmac.Equal([]byte(idt.Nonce), []byte(derive(binding, "nonce", state))) {
		return Identity{}, "", refused("ID token from %s: nonce mismatch", idp)
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		return Identity{}, "", refused("ID token claims from %s: %v", idp, err)
	}
	id, err := mapClaims(p, claims)
	if err != nil {
		return Identity{}, "", err
	}
	return id, l.Return, nil
}
