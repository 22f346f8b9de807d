package authserver

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/signet-auth/signet"
)

// jwtBearerGrant redeems an assertion of a trusted token issuer for a
// session of the user it names (RFC 7523 §2.1; CreateTokenWithIAM's
// urn:ietf:params:oauth:grant-type:jwt-bearer). Only a SigV4-verified
// caller acting for an application an administrator gave the grant may
// use it, and only while some trusted issuer is configured (on).
type jwtBearerGrant struct{ on bool }

func (g jwtBearerGrant) offeredBy(p signet.Protocol) bool { return g.on && p == signet.ProtocolSSOOIDC }

func (jwtBearerGrant) validate(r *TokenRequest) *signet.Error {
	if r.Assertion == "" {
		return invalidRequest("The assertion is required.")
	}
	if len(r.Assertion) > MaxTrustedAssertionLen {
		return invalidRequest("The assertion is too long.")
	}
	return nil
}

func (jwtBearerGrant) exchange(ctx context.Context, x *exchange) (TokenResponse, error) {
	s, r := x.s, x.req
	if _, ok := r.Client.(AWSPrincipal); !ok {
		return TokenResponse{}, &signet.Error{Code: signet.CodeUnsupportedGrantType, Message: "The grant type is not supported."}
	}
	ti, a, claims, err := s.verifyTrustedAssertion(ctx, r.Assertion, x.now)
	if err != nil {
		return TokenResponse{}, err
	}
	userID, err := s.assertedUser(ctx, ti, claims)
	if err != nil {
		return TokenResponse{}, err
	}
	scopes, serr := x.grantScopes()
	if serr != nil {
		return TokenResponse{}, serr
	}
	// Once only, on every node: the mark outlives the assertion's exp.
	fresh, err := s.replay.MarkUsed(ctx, a.replayKey(), a.claims.Expiry.Time().Add(assertionSkew), x.now)
	if err != nil {
		return TokenResponse{}, unavailable(err)
	}
	if !fresh {
		return TokenResponse{}, assertionFailed(errors.New("assertion replayed"))
	}
	return x.startSession(ctx, userID, scopes)
}

// assertedUser maps the issuer's claim to a signet user: by login name or
// by id, as the administrator configured. An absent claim, or one that
// names nobody, is invalid_grant.
func (s *Server) assertedUser(ctx context.Context, ti TrustedIssuer, claims map[string]any) (string, error) {
	v, _ := claims[ti.Claim].(string)
	if v == "" {
		return "", assertionFailed(fmt.Errorf("assertion has no string claim %q", ti.Claim))
	}
	var (
		u   signet.User
		err error
	)
	if ti.Match == MatchID {
		u, err = s.users.GetUser(ctx, v)
	} else {
		u, err = s.users.GetUserByName(ctx, v)
	}
	switch {
	case errors.Is(err, signet.ErrNotFound):
		return "", assertionFailed(fmt.Errorf("claim %s=%q names no user", ti.Claim, v))
	case err != nil:
		return "", signet.Internal(err)
	}
	return u.ID, nil
}

// grantScopes is what a grant without an earlier approval may have: the
// requested scopes, all allowed to the client, or, with none requested,
// every scope the client is allowed (CreateTokenWithIAM: "all scopes
// configured for the application").
func (x *exchange) grantScopes() ([]string, *signet.Error) {
	if len(x.req.Scopes) == 0 {
		return dedupe(x.client.Scopes), nil
	}
	if !allowedByClient(x.client, x.req.Scopes) {
		return nil, invalidScope()
	}
	return dedupe(x.req.Scopes), nil
}

// startSession creates a session of userID for the exchange's client with
// its first generation; the user is checked inside the store's
// transaction (checkStart).
func (x *exchange) startSession(ctx context.Context, userID string, scopes []string) (TokenResponse, error) {
	return x.startSessionWith(ctx, userID, scopes, time.Time{}, time.Time{})
}

// startSessionWith is startSession for a session that continues a sign-in
// at authTime (zero: now) and ends no later than end (zero: the session
// lifetime).
func (x *exchange) startSessionWith(ctx context.Context, userID string, scopes []string, authTime, end time.Time) (TokenResponse, error) {
	s := x.s
	sessionID, err := s.minter.ID()
	if err != nil {
		return TokenResponse{}, signet.Internal(err)
	}
	m, err := s.firstMaterial(x.pre)
	if err != nil {
		return TokenResponse{}, err
	}
	continued := !authTime.IsZero()
	if !continued {
		authTime = x.now
	}
	var user signet.User
	sess, gen, err := s.grants.StartSession(ctx, signet.SessionStart{
		UserID: userID, Now: x.now,
		Check: func(u signet.User) error {
			user = u
			if continued {
				return checkSince(u, authTime)
			}
			return checkStart(u)
		},
		Grant: func(u signet.User) (signet.Session, signet.TokenGeneration) {
			sess := s.newSession(sessionID, x.client.ID, u.ID, x.req.Protocol, x.now)
			sess.Scopes, sess.AuthTime = scopes, authTime
			if !end.IsZero() {
				sess.ExpiresAt = earliest(sess.ExpiresAt, end)
			}
			return sess, s.generation(m, sess, x.now)
		},
		// Recorded with the session, as the other grants' (AU-02).
		Audit: x.audit,
	})
	if err != nil {
		return TokenResponse{}, passThrough(err, func(error) *signet.Error { return nil })
	}
	resp := x.respond(sess, gen, m, sess.Scopes, false)
	resp.User = user
	return resp, nil
}

// checkStart is the rule for a user a session starts for without a code:
// the user exists and is not disabled. It is pure: the store runs it in its
// transaction.
func checkStart(u signet.User) error {
	if u.ID == "" || u.Disabled {
		return &signet.Error{Code: signet.CodeInvalidGrant, Reason: signet.ReasonUserDisabled,
			Message: "The user is disabled or gone.", Err: errors.New("user disabled or gone")}
	}
	return nil
}
