package authserver

import (
	"context"
	"errors"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/secret"
)

func tokenInactive(cause error) *signet.Error {
	return &signet.Error{Code: signet.CodeInvalidGrant, Reason: signet.ReasonTokenExpired,
		Message: "The token is not active.", Err: cause}
}

// tokenKind finds the protocol and kind of a presented token by its prefix
// and shape; ok is false for anything that no protocol could have issued.
func tokenKind(token string) (p signet.Protocol, refresh bool, ok bool) {
	for _, proto := range protocols() {
		pre, _ := prefixesFor(proto)
		switch {
		case secret.WellFormed(token, pre.access):
			return proto, false, true
		case secret.WellFormed(token, pre.refresh):
			return proto, true, true
		}
	}
	return "", false, false
}

// LookupAccessToken returns the session and generation of a live access
// token: well formed, known, of the protocol its prefix names, its session
// live, its generation current, and now before its AccessExpiresAt.
//
// Once a generation is rotated out its access token is inactive at once,
// not at its expiry (catalogue RT-02: the previous access token stays
// revoked). Failures are invalid_grant with ReasonTokenExpired.
func (s *Server) LookupAccessToken(ctx context.Context, token string) (signet.Session, signet.TokenGeneration, error) {
	p, refresh, ok := tokenKind(token)
	if !ok || refresh {
		return signet.Session{}, signet.TokenGeneration{}, tokenInactive(errors.New("not an access token"))
	}
	sess, gen, err := s.grants.LookupAccess(ctx, s.hasher.Digest(token))
	if err != nil {
		return signet.Session{}, signet.TokenGeneration{}, passThrough(err, func(err error) *signet.Error {
			if errors.Is(err, signet.ErrNotFound) {
				return tokenInactive(err)
			}
			return nil
		})
	}
	now := s.clock.Now()
	switch {
	case sess.Protocol != p:
		return signet.Session{}, signet.TokenGeneration{}, tokenInactive(errors.New("prefix of another protocol"))
	case !sess.Live(now):
		return signet.Session{}, signet.TokenGeneration{}, tokenInactive(errors.New("session revoked or ended"))
	case !gen.RotatedAt.IsZero():
		return signet.Session{}, signet.TokenGeneration{}, tokenInactive(errors.New("generation rotated out"))
	case expired(gen.AccessExpiresAt, now):
		return signet.Session{}, signet.TokenGeneration{}, tokenInactive(errors.New("access token expired"))
	}
	return sess, gen, nil
}

// RevokeToken revokes the session a refresh or access token belongs to
// (RFC 7009 §2.1: revoking either ends the grant). A token no protocol could
// have issued, or one that is unknown, is not an error (RFC 7009 §2.2). If
// clientID is not empty the token must have been issued to that client,
// else the request is refused with unauthorized_client and nothing changes
// (catalogue SD-02); an empty clientID is the administrator's call.
func (s *Server) RevokeToken(ctx context.Context, clientID, token string) error {
	_, refresh, ok := tokenKind(token)
	if !ok {
		return nil
	}
	lookup := s.grants.LookupAccess
	if refresh {
		lookup = s.grants.LookupRefresh
	}
	sess, _, err := lookup(ctx, s.hasher.Digest(token))
	if errors.Is(err, signet.ErrNotFound) {
		return nil
	}
	if err != nil {
		return signet.Internal(err)
	}
	if clientID != "" && sess.ClientID != clientID {
		return &signet.Error{Code: signet.CodeUnauthorizedClient, Message: "The token was not issued to this client."}
	}
	if err := s.grants.RevokeSession(ctx, sess.ID, s.clock.Now(), "revoked"); err != nil && !errors.Is(err, signet.ErrNotFound) {
		return signet.Internal(err)
	}
	return nil
}

// RevokeSession revokes a session by id (an administrator's or the user's
// own action): a token session, or else a browser session of that id.
// Revoking a revoked session is a no-op.
func (s *Server) RevokeSession(ctx context.Context, id string) error {
	err := s.grants.RevokeSession(ctx, id, s.clock.Now(), "admin")
	if errors.Is(err, signet.ErrNotFound) && s.browser != nil {
		err = s.browser.RevokeBrowserSession(ctx, id, s.clock.Now(), "admin")
	}
	if errors.Is(err, signet.ErrNotFound) {
		return &signet.Error{Code: signet.CodeNotFound, Message: "No such session.", Err: err}
	}
	if err != nil {
		return signet.Internal(err)
	}
	return nil
}

// ListSessions lists sessions; a zero f.Now is filled with the clock.
func (s *Server) ListSessions(ctx context.Context, f signet.SessionFilter) ([]signet.Session, error) {
	if f.Now.IsZero() {
		f.Now = s.clock.Now()
	}
	out, err := s.grants.ListSessions(ctx, f)
	if err != nil {
		return nil, signet.Internal(err)
	}
	return out, nil
}
