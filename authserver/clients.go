package authserver

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/secret"
)

// Registration is a dynamic client registration (SSO OIDC RegisterClient,
// RFC 7591).
type Registration struct {
	ClientName   string
	ClientType   string // must be "public": AWS accepts no other
	RedirectURIs []string
	GrantTypes   []string // empty: device flow (device_code + refresh_token)
	Scopes       []string
	IssuerURL    string // kept as given
}

// ClientSpec is an administrator's client definition.
type ClientSpec struct {
	ID           string // empty: generated
	Name         string
	Type         signet.ClientType
	GrantTypes   []string
	RedirectURIs []string
	Scopes       []string
	// SecretLifetime bounds a confidential client's secret; zero: it never
	// expires. Public clients get no secret.
	SecretLifetime time.Duration
}

// IssuedClient is a stored client with its secret, which is handed out
// here once and never again (only its digest is kept).
type IssuedClient struct {
	Client signet.Client
	Secret string // empty for clients without a secret
}

// registrableGrants are the grant types a client may register.
func registrableGrants() []string {
	return []string{signet.GrantAuthorizationCode, signet.GrantRefreshToken, signet.GrantDeviceCode}
}

func clientMetadata(msg string) *signet.Error {
	return &signet.Error{Code: signet.CodeInvalidClientMetadata, Message: msg}
}

// checkClientShape validates what dynamic and administrative clients share:
// name, grant types (each one of allowed), redirect URIs, scopes.
func checkClientShape(name string, allowed, grants, redirects, scopes []string) *signet.Error {
	if name == "" {
		return invalidRequest("The client name is required.")
	}
	if !printable(name, MaxClientNameLen) {
		return clientMetadata("The client name is too long or contains control characters.")
	}
	for _, g := range grants {
		if !slices.Contains(allowed, g) {
			return &signet.Error{Code: signet.CodeUnsupportedGrantType, Message: "A grant type is not supported."}
		}
	}
	if len(redirects) > MaxRedirectURIs {
		return invalidRequest("Too many redirect URIs.")
	}
	for _, r := range redirects {
		if err := ValidateRedirectURI(r); err != nil {
			return signet.AsError(err)
		}
	}
	if slices.Contains(grants, signet.GrantAuthorizationCode) && len(redirects) == 0 {
		return &signet.Error{Code: signet.CodeInvalidRedirectURI,
			Message: "The authorization_code grant needs at least one redirect URI."}
	}
	return validScopes(scopes)
}

// RegisterClient registers a dynamic public client the way SSO OIDC
// RegisterClient does: clientType must be "public"; a client that names no
// grant types gets the device flow (device_code and refresh_token). The
// server generates a secret, stores its digest, and returns it once; the
// secret and the registration end together, Lifetimes.ClientSecret from
// now. Nothing is stored unless every check passes (catalogue CL-05).
func (s *Server) RegisterClient(ctx context.Context, r Registration) (IssuedClient, error) {
	if r.ClientType == "" {
		return IssuedClient{}, invalidRequest("The client type is required.")
	}
	if r.ClientType != string(signet.ClientPublic) {
		return IssuedClient{}, clientMetadata("Only public clients can register.")
	}
	grants := dedupe(r.GrantTypes)
	if len(grants) == 0 {
		grants = []string{signet.GrantDeviceCode, signet.GrantRefreshToken}
	}
	if err := checkClientShape(r.ClientName, registrableGrants(), grants, r.RedirectURIs, r.Scopes); err != nil {
		return IssuedClient{}, err
	}
	if len(r.IssuerURL) > MaxIssuerURLLen || !printable(r.IssuerURL, MaxIssuerURLLen) {
		return IssuedClient{}, invalidRequest("The issuer URL is too long or malformed.")
	}
	now := s.clock.Now()
	expires := now.Add(s.life.ClientSecret)
	c := signet.Client{
		Name: r.ClientName, Type: signet.ClientPublic,
		SecretExpiresAt: expires, GrantTypes: grants,
		RedirectURIs: dedupe(r.RedirectURIs), Scopes: dedupe(r.Scopes), IssuerURL: r.IssuerURL,
		Dynamic: true, CreatedAt: now, ExpiresAt: expires,
	}
	return s.storeClient(ctx, c, true)
}

// CreateClient stores a client an administrator defined. Confidential
// clients get a generated secret; public clients get none and authenticate
// by id alone where the protocol allows it (PKCE stands in).
func (s *Server) CreateClient(ctx context.Context, spec ClientSpec) (IssuedClient, error) {
	if spec.ID != "" && !validClientID(spec.ID) {
		return IssuedClient{}, invalidRequest("The client id must be printable ASCII without spaces, at most 256 characters.")
	}
	if spec.Type != signet.ClientPublic && spec.Type != signet.ClientConfidential {
		return IssuedClient{}, clientMetadata("The client type must be public or confidential.")
	}
	if len(spec.GrantTypes) == 0 {
		return IssuedClient{}, invalidRequest("At least one grant type is required.")
	}
	grants := dedupe(spec.GrantTypes)
	// The grants of CreateTokenWithIAM, whose caller is a SigV4-verified
	// principal rather than the client's secret: only an administrator
	// gives them.
	allowed := append(registrableGrants(), signet.GrantJWTBearer, signet.GrantTokenExchange)
	if spec.Type == signet.ClientConfidential {
		// RFC 6749 §4.4: only a confidential client may use its own
		// credentials as a grant (package api/oauth2 serves it).
		allowed = append(allowed, signet.GrantClientCredentials)
	}
	if err := checkClientShape(spec.Name, allowed, grants, spec.RedirectURIs, spec.Scopes); err != nil {
		return IssuedClient{}, err
	}
	if spec.SecretLifetime < 0 || spec.SecretLifetime > 365*day {
		return IssuedClient{}, invalidRequest("The secret lifetime must be between 0 and 365 days.")
	}
	now := s.clock.Now()
	c := signet.Client{
		ID: spec.ID, Name: spec.Name, Type: spec.Type, GrantTypes: grants,
		RedirectURIs: dedupe(spec.RedirectURIs), Scopes: dedupe(spec.Scopes), CreatedAt: now,
	}
	withSecret := spec.Type == signet.ClientConfidential
	if withSecret && spec.SecretLifetime > 0 {
		c.SecretExpiresAt = now.Add(spec.SecretLifetime)
	}
	ic, err := s.storeClient(ctx, c, withSecret)
	if err != nil {
		return ic, err
	}
	return ic, s.auditAdmin(ctx, "", ic.Client.ID, "client created name=%q grants=%s", ic.Client.Name,
		strings.Join(ic.Client.GrantTypes, ","))
}

// storeClient fills the id (if empty) and the secret, and stores c.
func (s *Server) storeClient(ctx context.Context, c signet.Client, withSecret bool) (IssuedClient, error) {
	var err error
	if c.ID == "" {
		if c.ID, err = s.minter.ID(); err != nil {
			return IssuedClient{}, signet.Internal(err)
		}
	}
	var plain string
	if withSecret {
		if plain, c.SecretDigest, err = s.minter.New(secret.PrefixClientSecret); err != nil {
			return IssuedClient{}, signet.Internal(err)
		}
	}
	if err := s.clients.CreateClient(ctx, c); err != nil {
		if errors.Is(err, signet.ErrConflict) {
			return IssuedClient{}, &signet.Error{Code: signet.CodeConflict, Message: "A client with that id exists.", Err: err}
		}
		return IssuedClient{}, signet.Internal(err)
	}
	return IssuedClient{Client: c, Secret: plain}, nil
}

// authenticateSecret authenticates a client by id and secret. The secret's
// digest is compared in constant time with the stored one; for an unknown
// client, or one without a secret, it is compared with a dummy digest
// nobody knows, so the work done and the answer are the same as for a wrong
// secret (catalogue CL-01, CL-02). A secret past SecretExpiresAt or a
// registration past ExpiresAt fails the same way.
//
// allowPublicWithoutSecret lets a public client that has no secret
// authenticate by id alone (the Sign-In devtools clients; RFC 6749 §2.1). A
// client that has a secret must always present it.
//
// The client is read through cache, with the epoch of the read, when it is
// not nil (verifyCredential); from the store, with epoch zero, otherwise. A
// client the cache holds that refuses the credential is read again from the
// store, and only that answer counts: its id may have been deleted and
// created again with another secret, and a refusal then costs the same
// store read as an unknown id's (CL-02). A failure budget pending (a
// refresh's, budget.go) is consulted before the store is asked.
func (s *Server) authenticateSecret(ctx context.Context, id, clientSecret string, allowPublicWithoutSecret bool, cache *clientCache, pending *pendingBudget) (signet.Client, signet.ClientEpoch, error) {
	now := s.clock.Now()
	wellFormed := validClientID(id) && len(clientSecret) <= MaxTokenLen
	// Every path does this one digest and constant-time compares only.
	presented := s.hasher.Digest(clientSecret)
	if wellFormed && cache != nil {
		if c, epoch, ok := cache.lookup(id); ok {
			if s.checkClientSecret(c, true, presented, clientSecret, allowPublicWithoutSecret, now) == nil {
				return c, epoch, nil
			}
			cache.drop(id)
		}
	}
	// What the cache did not confirm the store decides, and a failure
	// budget still pending comes first (budget.go).
	if err := s.consult(ctx, pending); err != nil {
		return signet.Client{}, 0, err
	}
	var (
		c     signet.Client
		epoch signet.ClientEpoch
		found bool
	)
	if wellFormed {
		var err error
		if cache != nil {
			c, epoch, err = cache.load(ctx, s.clients, id)
		} else {
			c, err = s.clients.GetClient(ctx, id)
		}
		switch {
		case err == nil:
			found = true
		case !errors.Is(err, signet.ErrNotFound):
			return signet.Client{}, 0, signet.Internal(err)
		}
	}
	if err := s.checkClientSecret(c, found, presented, clientSecret, allowPublicWithoutSecret, now); err != nil {
		return signet.Client{}, 0, err
	}
	return c, epoch, nil
}

// checkClientSecret decides a client secret (or a public client's id
// alone) against client c, found or not, given the presented secret's
// digest. For an unknown client, or one without a secret, the digest is
// compared with a dummy nobody knows, so that the work and the answer are
// those of a wrong secret.
func (s *Server) checkClientSecret(c signet.Client, found bool, presented signet.Digest, clientSecret string, allowPublicWithoutSecret bool, now time.Time) error {
	if found && allowPublicWithoutSecret && clientSecret == "" && c.Type == signet.ClientPublic && c.SecretDigest.IsZero() {
		if !c.ExpiresAt.IsZero() && expired(c.ExpiresAt, now) {
			return invalidClient(errors.New("client registration expired"))
		}
		return nil
	}
	stored := s.dummyClientDigest
	if found && !c.SecretDigest.IsZero() {
		stored = c.SecretDigest
	}
	match := presented.Equal(stored)
	switch {
	case !found:
		return invalidClient(errors.New("unknown client"))
	case !match || c.SecretDigest.IsZero():
		return invalidClient(errors.New("wrong client secret"))
	case !c.SecretExpiresAt.IsZero() && expired(c.SecretExpiresAt, now):
		return invalidClient(errors.New("client secret expired"))
	case !c.ExpiresAt.IsZero() && expired(c.ExpiresAt, now):
		return invalidClient(errors.New("client registration expired"))
	}
	return nil
}
