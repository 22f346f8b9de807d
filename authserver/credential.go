package authserver

import (
	"context"
	"errors"

	"github.com/signet-auth/signet"
)

// ClientCredential is what a request presents to say which client it is.
// A wire layer parses exactly one (RFC 6749 §2.3; catalogue CL-03) and
// hands it to the engine, which verifies it: there is no variant that says
// "already authenticated". The variants are ClientSecret, PublicClient,
// ClientAssertion and AWSPrincipal.
type ClientCredential interface {
	// ClientID is the client the request names; "" for an assertion whose
	// request named none (its sub names the client then).
	ClientID() string
	credential()
}

// ClientSecret is a client id and secret: client_secret_basic,
// client_secret_post, or SSO OIDC's clientId and clientSecret. It spends
// the failure budget of the id from the request's origin (catalogue CL-04).
type ClientSecret struct{ ID, Secret string }

// PublicClient is a public client that has no secret, named by id alone
// (RFC 6749 §2.1; the method "none"): PKCE stands in for a secret.
type PublicClient struct{ ID string }

// ClientAssertion is a private_key_jwt client assertion (RFC 7523 §2.2):
// the raw JWT, which the engine verifies. ID is the request's client_id
// ("" if it had none); Audiences are the URLs of this server the
// assertion's aud may name (the issuer, the token endpoint, the endpoint
// called), which only the wire layer knows.
type ClientAssertion struct {
	ID        string
	JWT       string
	Audiences []string
}

// AWSPrincipal is a caller whose SigV4 signature was verified (package
// sigv4), acting for the application ID (SSO OIDC CreateTokenWithIAM).
// AccountID is the verified principal's account; the engine admits only
// the configured IAM account, and only for clients an administrator
// created.
type AWSPrincipal struct{ ID, AccountID string }

func (c ClientSecret) ClientID() string    { return c.ID }
func (c PublicClient) ClientID() string    { return c.ID }
func (c ClientAssertion) ClientID() string { return c.ID }
func (c AWSPrincipal) ClientID() string    { return c.ID }

func (ClientSecret) credential()    {}
func (PublicClient) credential()    {}
func (ClientAssertion) credential() {}
func (AWSPrincipal) credential()    {}

// ClientAuth is one client authentication: the credential, the request's
// origin (its client's rate-limit address key, httpserver.RateKey), and
// whether the endpoint serves confidential clients only (introspection),
// where a public client naming itself is refused.
type ClientAuth struct {
	Credential       ClientCredential
	Origin           string
	ConfidentialOnly bool
}

// AuthenticateClient authenticates the client of a request by any method,
// within the failure budget of a client secret's id from the origin:
// refused with too_many_requests (or temporarily_unavailable when the
// limiter cannot say) before the secret is checked, and an invalid_client
// outcome counted after (catalogue CL-04). Every failure of the credential
// itself is invalid_client.
func (s *Server) AuthenticateClient(ctx context.Context, a ClientAuth) (signet.Client, error) {
	if err := s.admitClientAuth(ctx, a); err != nil {
		return signet.Client{}, err
	}
	c, _, err := s.verifyCredential(ctx, a, nil, nil)
	s.countClientAuth(ctx, a, err)
	return c, err
}

// admitClientAuth is the step before the credential is verified: the
// failure budget of a client secret, and the account rule of an AWS
// principal, which is decided first so that other accounts learn nothing
// about which applications exist.
func (s *Server) admitClientAuth(ctx context.Context, a ClientAuth) error {
	switch c := a.Credential.(type) {
	case ClientSecret:
		if s.limiter != nil {
			return s.limiter.AdmitClientAuth(ctx, c.ID, a.Origin)
		}
	case AWSPrincipal:
		if s.iamAccountID == "" || c.AccountID != s.iamAccountID {
			return &signet.Error{Code: signet.CodeAccessDenied, Message: "The caller may not act for this application."}
		}
	}
	return nil
}

// countClientAuth records the outcome of a client secret.
func (s *Server) countClientAuth(ctx context.Context, a ClientAuth, err error) {
	if c, ok := a.Credential.(ClientSecret); ok && s.limiter != nil {
		s.limiter.CountClientAuth(ctx, c.ID, a.Origin, err)
	}
}

// verifyCredential checks the credential itself. A client secret, or a
// public client's id, is checked against the client read through cache
// when it is not nil, and epoch is then the epoch of that read, for a
// grant that has the store confirm it (clientcache.go); otherwise the
// client is read from the store and epoch is zero. A client secret's
// failure budget still pending is consulted before the store decides it.
func (s *Server) verifyCredential(ctx context.Context, a ClientAuth, cache *clientCache, pending *pendingBudget) (signet.Client, signet.ClientEpoch, error) {
	switch c := a.Credential.(type) {
	case ClientSecret:
		return s.authenticateSecret(ctx, c.ID, c.Secret, false, cache, pending)
	case PublicClient:
		if a.ConfidentialOnly {
			return signet.Client{}, 0, invalidClient(errors.New("public client at an endpoint for confidential clients"))
		}
		return s.authenticateSecret(ctx, c.ID, "", true, cache, nil)
	case ClientAssertion:
		id, err := s.verifyAssertion(ctx, c)
		if err != nil {
			return signet.Client{}, 0, err
		}
		cl, err := s.loadClient(ctx, id)
		return cl, 0, err
	case AWSPrincipal:
		// Only an application an administrator created: a dynamically
		// registered client is not one (the package comment of api/ssooidc).
		cl, err := s.clients.GetClient(ctx, c.ID)
		switch {
		case errors.Is(err, signet.ErrNotFound) || err == nil && cl.Dynamic:
			return signet.Client{}, 0, invalidClient(err)
		case err != nil:
			return signet.Client{}, 0, signet.Internal(err)
		}
		return cl, 0, nil
	}
	return signet.Client{}, 0, invalidClient(errors.New("no client credentials"))
}

// loadClient reads a client another method authenticated; its registration
// must not have expired.
func (s *Server) loadClient(ctx context.Context, id string) (signet.Client, error) {
	cl, err := s.clients.GetClient(ctx, id)
	switch {
	case errors.Is(err, signet.ErrNotFound):
		return signet.Client{}, invalidClient(err)
	case err != nil:
		return signet.Client{}, signet.Internal(err)
	case !cl.ExpiresAt.IsZero() && expired(cl.ExpiresAt, s.clock.Now()):
		return signet.Client{}, invalidClient(errors.New("client registration expired"))
	}
	return cl, nil
}
