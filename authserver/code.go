package authserver

import (
	"context"
	"errors"
	"net/netip"
	"slices"
	"time"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/internal/failpoint"
	"github.com/signet-auth/signet/secret"
)

// AuthorizeRequest is an approved authorization request: the pages call
// IssueCode once the user logged in and consented.
type AuthorizeRequest struct {
	ClientID    string
	UserID      string
	Protocol    signet.Protocol
	RedirectURI string // exactly as sent; the token request must repeat it
	Scopes      []string
	// PKCE is mandatory (RFC 9700 §2.1.1): method "S256" only — the
	// Sign-In wire layer maps its "SHA-256" to "S256" before calling.
	CodeChallenge       string
	CodeChallengeMethod string
	Nonce               string
	DPoPJKT             string // RFC 9449 §10 dpop_jkt
	Assignment          signet.Assignment
	AuthTime            time.Time // zero: now
	// ClientIP is the browser's address as the trusted proxies resolve
	// it: a Sign-In code is issued only where the account's Sign-In policy
	// allows.
	ClientIP netip.Addr
	// AMR is how the approving browser session authenticated (RFC 8176);
	// IssueCode checks it against the user's MFA policy (catalogue MF-03)
	// and the ID token carries it.
	AMR []string
}

// IssueCode checks an authorization request once more (client, redirect
// URI, scopes, PKCE, user, assignment) and stores a code that lives
// Lifetimes.AuthorizationCode. It returns the code, handed out once.
func (s *Server) IssueCode(ctx context.Context, r AuthorizeRequest) (string, error) {
	if _, ok := prefixesFor(r.Protocol); !ok {
		return "", invalidRequest("Unknown protocol.")
	}
	// PKCE first: a request without it never gets further (AC-04, AC-05).
	if r.CodeChallengeMethod != "S256" {
		return "", invalidRequest("PKCE with code_challenge_method S256 is required.")
	}
	if !base64URL43(r.CodeChallenge) {
		return "", invalidRequest("The code challenge must be 43 characters of base64url.")
	}
	if len(r.Nonce) > MaxNonceLen {
		return "", invalidRequest("The nonce is too long.")
	}
	if r.DPoPJKT != "" && !base64URL43(r.DPoPJKT) {
		return "", invalidRequest("The dpop_jkt is malformed.")
	}
	if err := validScopes(r.Scopes); err != nil {
		return "", err
	}
	now := s.clock.Now()
	c, err := s.clients.GetClient(ctx, r.ClientID)
	if err != nil {
		return "", passThrough(err, func(err error) *signet.Error {
			if errors.Is(err, signet.ErrNotFound) {
				return invalidClient(err)
			}
			return nil
		})
	}
	switch {
	case !c.ExpiresAt.IsZero() && expired(c.ExpiresAt, now):
		return "", invalidClient(errors.New("client registration expired"))
	case !c.AllowsGrant(signet.GrantAuthorizationCode):
		return "", &signet.Error{Code: signet.CodeUnauthorizedClient, Message: "The client is not allowed to use the authorization code grant."}
	case !MatchRedirectURI(c.RedirectURIs, r.RedirectURI):
		return "", invalidRequest("The redirect URI is not registered for the client.")
	case !allowedByClient(c, r.Scopes):
		return "", invalidScope()
	}
	u, err := s.users.GetUser(ctx, r.UserID)
	if err != nil {
		return "", passThrough(err, func(err error) *signet.Error {
			if errors.Is(err, signet.ErrNotFound) {
				return &signet.Error{Code: signet.CodeAccessDenied, Message: "The user cannot sign in.", Err: err}
			}
			return nil
		})
	}
	if u.Disabled {
		return "", &signet.Error{Code: signet.CodeAccessDenied, Message: "The user cannot sign in."}
	}
	if u, err = s.withGroupAssignments(ctx, u); err != nil {
		return "", err
	}
	if r.Assignment != (signet.Assignment{}) && !slices.Contains(u.Assignments, r.Assignment) {
		return "", &signet.Error{Code: signet.CodeAccessDenied, Reason: signet.ReasonInsufficientPerms,
			Message: "The user has no such account and role assignment."}
	}
	access, err := s.readSigninAccess(ctx, r.Protocol)
	if err != nil {
		return "", err
	}
	if err := access.check(r.Assignment, r.ClientIP); err != nil {
		return "", err
	}
	// The approval's factors, checked once more by the engine (MF-03).
	if err := s.checkSecondFactor(ctx, u, r.AMR); err != nil {
		return "", err
	}
	authTime := r.AuthTime
	if authTime.IsZero() {
		authTime = now
	}
	code, digest, err := s.minter.New(secret.PrefixCode)
	if err != nil {
		return "", signet.Internal(err)
	}
	err = s.grants.CreateCode(ctx, signet.AuthorizationCode{
		Digest: digest, ClientID: c.ID, UserID: u.ID, Protocol: r.Protocol,
		RedirectURI: r.RedirectURI, Scopes: dedupe(r.Scopes),
		CodeChallenge: r.CodeChallenge, CodeChallengeMethod: r.CodeChallengeMethod,
		Nonce: r.Nonce, DPoPJKT: r.DPoPJKT, Assignment: r.Assignment, AuthTime: authTime, AMR: slices.Clone(r.AMR),
		CreatedAt: now, ExpiresAt: now.Add(s.life.AuthorizationCode),
	})
	if err != nil {
		return "", signet.Internal(err)
	}
	return code, nil
}

// authCodeGrant redeems an authorization code (RFC 6749 §4.1.3, RFC 7636
// §4.5–4.6).
type authCodeGrant struct{}

func (authCodeGrant) offeredBy(signet.Protocol) bool { return true }

func (authCodeGrant) validate(r *TokenRequest) *signet.Error {
	if r.Code == "" {
		return invalidRequest("The code is required.")
	}
	// A present verifier must be well formed before anything is looked up
	// (AC-03); an absent one fails the PKCE check and burns the code (AC-01).
	if r.CodeVerifier != "" && !validVerifier(r.CodeVerifier) {
		return invalidRequest("The code verifier must be 43 to 128 characters of [A-Za-z0-9-._~].")
	}
	if len(r.Code) > MaxTokenLen || len(r.RedirectURI) > MaxRedirectURILen {
		return invalidRequest("A parameter is too long.")
	}
	return nil
}

func (authCodeGrant) exchange(ctx context.Context, x *exchange) (TokenResponse, error) {
	s, r := x.s, x.req
	if !secret.WellFormed(r.Code, secret.PrefixCode) {
		return TokenResponse{}, codeFailed(signet.ReasonCodeExpired, errors.New("malformed code"))
	}
	sessionID, err := s.minter.ID()
	if err != nil {
		return TokenResponse{}, signet.Internal(err)
	}
	m, err := s.firstMaterial(x.pre)
	if err != nil {
		return TokenResponse{}, err
	}
	var user signet.User
	_, sess, gen, err := s.grants.RedeemCode(ctx, signet.CodeRedemption{
		Audit:       x.audit,
		ClientEpoch: x.clientEpoch,
		Digest:      s.hasher.Digest(r.Code),
		Now:         x.now,
		Check: func(c signet.AuthorizationCode, u signet.User) error {
			user = u
			return x.checkCode(c, u)
		},
		Grant: func(c signet.AuthorizationCode) (signet.Session, signet.TokenGeneration) {
			sess := s.newSession(sessionID, c.ClientID, c.UserID, c.Protocol, x.now)
			sess.Scopes, sess.Assignment, sess.Nonce, sess.AuthTime = c.Scopes, c.Assignment, c.Nonce, c.AuthTime
			sess.AMR = c.AMR
			// The session is bound to the key that proved possession at
			// redemption, whether or not the code was (RFC 9449 §5).
			sess.DPoPJKT = r.DPoPJKT
			return sess, s.generation(m, sess, x.now)
		},
	})
	if err != nil {
		if errors.Is(err, signet.ErrAlreadyUsed) {
			// A second redemption: the store committed the revocation of
			// what the first one made (AC-07); the refusal is not sent yet.
			s.failPoints.Hit(failpoint.ReuseRevoked)
		}
		return TokenResponse{}, passThrough(err, func(err error) *signet.Error {
			if errors.Is(err, signet.ErrNotFound) || errors.Is(err, signet.ErrAlreadyUsed) {
				return codeFailed(signet.ReasonCodeExpired, err)
			}
			return nil
		})
	}
	// Nothing is read after the commit: a store that fails right after it
	// would turn a redemption that happened into a 5xx, and the client's
	// retry into code reuse that revokes what it got (catalogue CC-06).
	resp := x.respond(sess, gen, m, sess.Scopes, false)
	resp.User = user
	return resp, nil
}

// checkCode runs inside the store's transaction with the code's user (zero
// if it has none or the user is gone); any failure burns the code (RFC 7636
// §4.6; AC-02).
func (x *exchange) checkCode(c signet.AuthorizationCode, u signet.User) error {
	r := x.req
	switch {
	case expired(c.ExpiresAt, x.now):
		return codeFailed(signet.ReasonCodeExpired, errors.New("code expired"))
	case c.Protocol != r.Protocol:
		return codeFailed(signet.ReasonCodeExpired, errors.New("code issued through another protocol"))
	case c.ClientID != x.client.ID:
		return codeFailed(signet.ReasonClientMismatch, errors.New("code issued to another client"))
	case c.RedirectURI != r.RedirectURI:
		// String equality with what /authorize received (RFC 6749 §4.1.3).
		return codeFailed(signet.ReasonRedirectMismatch, errors.New("redirect URI differs from the authorization request"))
	// A stored code without a challenge never redeems: an empty challenge
	// is never "PKCE optional" (RFC 9700 §4.8; AC-06).
	case c.CodeChallenge == "" || c.CodeChallengeMethod != "S256":
		return codeFailed(signet.ReasonPKCEMismatch, errors.New("stored code has no S256 challenge"))
	case r.CodeVerifier == "" || !pkceMatches(c.CodeChallenge, r.CodeVerifier):
		return codeFailed(signet.ReasonPKCEMismatch, errors.New("PKCE verifier missing or wrong"))
	case c.DPoPJKT != "" && c.DPoPJKT != r.DPoPJKT:
		return dpopMismatch()
	case c.UserID != "" && (u.ID == "" || u.Disabled):
		// A user disabled or removed between approval and redemption gets
		// nothing.
		return refreshFailed(signet.ReasonUserDisabled, errors.New("the code's user is disabled or gone"))
	}
	// The account's Sign-In policy, for the network the code is redeemed
	// from (it was checked at /v1/authorize too).
	return x.access.check(c.Assignment, r.ClientIP)
}
