package authserver

import (
	"context"
	"errors"
	"net/netip"
	"time"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/internal/failpoint"
)

// TokenRequest is one token-endpoint call, whatever the wire shape.
type TokenRequest struct {
	Protocol  signet.Protocol
	GrantType string

	// Client is the credential the request presented; the engine
	// verifies it (AuthenticateClient).
	Client ClientCredential
	// Origin is the rate-limit address key of the request's client
	// (httpserver.RateKey), for the failure budget of a client secret.
	Origin string
	// Issuer is the surface's issuer as configured: the iss and aud of the
	// client_credentials grant's self-contained token.
	Issuer string

	Code         string
	RedirectURI  string
	CodeVerifier string
	RefreshToken string
	DeviceCode   string
	// Assertion is the jwt-bearer grant's JWT of a trusted token issuer
	// (RFC 7523 §2.1).
	Assertion string
	// SubjectToken, SubjectTokenType and RequestedTokenType are the
	// token-exchange grant's (RFC 8693 §2.1).
	SubjectToken       string
	SubjectTokenType   string
	RequestedTokenType string
	// Scopes narrows a refresh or device grant; empty keeps what was
	// granted. Ignored for authorization codes (RFC 6749 §4.1.3).
	Scopes []string
	// DPoPJKT is the RFC 7638 thumbprint of a DPoP proof the wire layer
	// verified (package dpop); empty if the request had none.
	DPoPJKT string
	// ClientIP is the request's client address as the trusted proxies
	// resolve it: the account's Sign-In policy is checked against it.
	ClientIP netip.Addr
}

// TokenResponse is what a grant hands out. AccessToken and RefreshToken are
// in plain text only here, once.
type TokenResponse struct {
	AccessToken  string
	RefreshToken string
	// ExpiresIn is the access token's remaining life; ExpiresInSeconds
	// gives the wire value.
	ExpiresIn time.Duration
	Scopes    []string
	Session   signet.Session
	Tokens    signet.TokenGeneration
	// Retry is true when an idempotent retry returned the set an earlier
	// call created (refresh within the grace window).
	Retry bool
	// Seed is the generation's secret seed: later layers derive extras from
	// it deterministically (Sign-In's SigV4 credentials), so a retry yields
	// the same extras. Never log or store it.
	Seed string

	// User is the session's user as the grant read it (zero for a client's
	// own grant), for layers that need more than the id: the code and
	// refresh grants read it inside their transaction, so no read follows
	// the commit.
	User signet.User

	// What an ID token needs.
	UserID   string
	ClientID string
	Nonce    string
	AuthTime time.Time
	AMR      []string // RFC 8176, as the approval recorded it
}

// ExpiresInSeconds is ExpiresIn rounded up to whole seconds, at least 1: the
// expires_in / expiresIn wire value.
func (r TokenResponse) ExpiresInSeconds() int64 {
	s := int64((r.ExpiresIn + time.Second - 1) / time.Second)
	return max(s, 1)
}

// grant is one grant type's own step.
type grant interface {
	// protocols reports whether protocol p offers the grant.
	offeredBy(p signet.Protocol) bool
	// validate checks the request's own fields, before any lookup.
	validate(r *TokenRequest) *signet.Error
	// exchange redeems the grant through the store.
	exchange(ctx context.Context, x *exchange) (TokenResponse, error)
}

// exchange carries one request through its grant.
type exchange struct {
	s      *Server
	now    time.Time
	req    TokenRequest
	client signet.Client
	// clientEpoch is the epoch the client was read at when it came through
	// the node's cache (clientcache.go): the refresh grant's rotation, the
	// code grant's redemption and the device grant's poll have the store
	// confirm it. Zero: read from the store, nothing to confirm.
	clientEpoch signet.ClientEpoch
	// budget is the client's failure budget when the rotation is to
	// consult it (budget.go); nil when it was asked before.
	budget *pendingBudget
	pre    prefixes
	// access is the Sign-In policy in force (signinaccess.go); nil for
	// other protocols.
	access signinAccess
	// audit makes the grant's audit record, which the store appends in
	// the grant's transaction (AU-02); nil without an Auditor. audited is
	// the last record it made: the committed one when the grant succeeds.
	audit   signet.GrantAudit
	audited *signet.AuditRecord
}

// Token is the token endpoint (RFC 6749 §3.2, RFC 8628 §3.4): the shared
// steps once — syntax, client authentication, grant admission — then the
// grant type's own step, which writes through the store.
//
// A refresh, a code redemption or a device poll authenticates its client
// against the node's client cache, and its store transaction confirms the
// client epoch; if the store answers that a client was deleted since the
// cached one was read (signet.ErrClientChanged, nothing changed), the cache
// is emptied and the request decided again on the client as stored now.
func (s *Server) Token(ctx context.Context, r TokenRequest) (TokenResponse, error) {
	var cache *clientCache
	switch r.GrantType {
	case signet.GrantRefreshToken, signet.GrantAuthorizationCode, signet.GrantDeviceCode:
		cache = s.clientCache
	}
	resp, err := s.token(ctx, r, cache)
	if cache != nil && errors.Is(err, signet.ErrClientChanged) {
		cache.reset()
		resp, err = s.token(ctx, r, nil)
	}
	return resp, err
}

// token is Token, reading the client through cache when it is not nil.
func (s *Server) token(ctx context.Context, r TokenRequest, cache *clientCache) (TokenResponse, error) {
	pre, ok := prefixesFor(r.Protocol)
	if !ok {
		return TokenResponse{}, invalidRequest("Unknown protocol.")
	}
	if r.GrantType == "" {
		return TokenResponse{}, invalidRequest("The grant type is required.")
	}
	if !namesClient(r.Client) {
		return TokenResponse{}, invalidRequest("The client id is required.")
	}
	client, epoch, pending, g, err := s.tokenClient(ctx, &r, cache)
	if err != nil {
		return TokenResponse{}, err
	}
	resp, err := s.runGrant(ctx, r, pre, client, epoch, pending, g)
	return resp, s.settle(ctx, pending, err)
}

// runGrant is token after the client: the grant type's admission and
// exchange, with the failure budget still pending when it is not nil.
func (s *Server) runGrant(ctx context.Context, r TokenRequest, pre prefixes, client signet.Client, epoch signet.ClientEpoch, pending *pendingBudget, g grant) (TokenResponse, error) {
	if g == nil {
		return TokenResponse{}, &signet.Error{Code: signet.CodeUnsupportedGrantType, Message: "The grant type is not supported."}
	}
	if !mayUseGrant(client, r.Protocol, r.GrantType) {
		return TokenResponse{}, &signet.Error{Code: signet.CodeUnauthorizedClient, Message: "The client is not allowed to use this grant type."}
	}

	access, err := s.readSigninAccess(ctx, r.Protocol)
	if err != nil {
		return TokenResponse{}, err
	}
	x := &exchange{s: s, now: s.clock.Now(), req: r, client: client, clientEpoch: epoch, budget: pending, pre: pre, access: access}
	if err := s.prepareGrantAudit(ctx, x); err != nil {
		return TokenResponse{}, err
	}
	resp, err := g.exchange(ctx, x)
	if err != nil {
		if errors.Is(err, signet.ErrTokenReused) {
			s.auditReuse(ctx, r, client.ID, s.hasher.Digest(r.RefreshToken))
		}
		return TokenResponse{}, err
	}
	if x.audited != nil {
		// Committed with the grant.
		s.auditor.Logged(ctx, *x.audited)
	} else if err := s.auditIssued(ctx, r, resp); err != nil {
		// A grant that writes nothing (client_credentials) is recorded
		// before its answer, and withheld if that fails.
		return TokenResponse{}, err
	}
	// Committed, not yet answered: a crash here loses only the reply
	// (catalogue CC-05), which the client's retry must get back or, for a
	// code, turn into the revocation of what the lost reply carried.
	s.failPoints.Hit(failpoint.GrantCommitted)
	if !resp.Retry {
		s.observeGrant(r.Protocol, r.GrantType)
	}
	return resp, nil
}

// tokenClient checks the request's own fields and authenticates its
// client, in the order the wires have always answered in: the failure
// budget (or an AWS principal's account) first, then the fields, then the
// credential — except that a SigV4 caller, verified before its body was
// read, has its application settled before the fields. g is nil when the
// grant type is not offered on r's protocol. The client is read through
// cache when it is not nil (verifyCredential).
func (s *Server) tokenClient(ctx context.Context, r *TokenRequest, cache *clientCache) (signet.Client, signet.ClientEpoch, *pendingBudget, grant, error) {
	auth := ClientAuth{Credential: r.Client, Origin: r.Origin}
	// A refresh whose secret the cache confirms has its rotation consult
	// the budget (budget.go); every other answer asks it first.
	pending := s.deferBudget(ctx, auth, r.GrantType, cache)
	if pending == nil {
		if err := s.admitClientAuth(ctx, auth); err != nil {
			return signet.Client{}, 0, nil, nil, err
		}
	}
	fail := func(err error) (signet.Client, signet.ClientEpoch, *pendingBudget, grant, error) {
		return signet.Client{}, 0, nil, nil, s.settle(ctx, pending, err)
	}
	var (
		client signet.Client
		epoch  signet.ClientEpoch
		err    error
	)
	_, signed := r.Client.(AWSPrincipal)
	if signed {
		if client, epoch, err = s.verifyCredential(ctx, auth, cache, nil); err != nil {
			return fail(err)
		}
	}
	g, supported := s.tokenGrants[r.GrantType]
	if supported = supported && g.offeredBy(r.Protocol); supported {
		if err := g.validate(r); err != nil {
			return fail(err)
		}
	} else {
		g = nil
	}
	if err := validScopes(r.Scopes); err != nil {
		return fail(err)
	}
	if len(r.DPoPJKT) > 0 && !base64URL43(r.DPoPJKT) {
		return fail(invalidRequest("The DPoP key thumbprint is malformed."))
	}
	if !signed {
		client, epoch, err = s.verifyCredential(ctx, auth, cache, pending)
		s.countClientAuth(ctx, auth, err)
		if err != nil {
			return signet.Client{}, 0, nil, nil, err
		}
	}
	return client, epoch, pending, g, nil
}

// namesClient reports whether c names its client: an assertion may leave
// that to its sub.
func namesClient(c ClientCredential) bool {
	if _, ok := c.(ClientAssertion); ok {
		return true
	}
	return c != nil && c.ClientID() != ""
}

// respond builds the response for a session and the generation whose
// plaintext is m.
func (x *exchange) respond(sess signet.Session, gen signet.TokenGeneration, m material, scopes []string, retry bool) TokenResponse {
	return TokenResponse{
		AccessToken: m.access, RefreshToken: m.refresh,
		ExpiresIn: gen.AccessExpiresAt.Sub(x.now),
		Scopes:    scopes, Session: sess, Tokens: gen, Retry: retry, Seed: m.seed,
		UserID: sess.UserID, ClientID: sess.ClientID, Nonce: sess.Nonce, AuthTime: sess.AuthTime, AMR: sess.AMR,
	}
}
