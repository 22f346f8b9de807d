package authserver

import (
	"context"
	"errors"

	"github.com/signet-auth/signet"
)

// TokenKind is a set of token kinds a lookup accepts.
type TokenKind int

// Token kinds.
const (
	AccessTokens TokenKind = 1 << iota
	RefreshTokens
)

// TokenLookup is what a surface asks about a presented token.
type TokenLookup struct {
	Token string
	// Kinds are the kinds accepted; zero: access tokens only.
	Kinds TokenKind
	// Protocol, if set, is the only protocol whose tokens are accepted.
	Protocol signet.Protocol
	// AccountID, if set, is the only AWS account whose sessions' tokens
	// are accepted (the Sign-In WithIAM operations: a caller sees only its
	// own account's tokens; catalogue SD-01).
	AccountID string
}

// TokenInfo is a live token's session and generation.
type TokenInfo struct {
	Session signet.Session
	Tokens  signet.TokenGeneration
	Refresh bool // the token is the generation's refresh token
}

// LookupToken is the one token lookup every surface uses (the portal,
// userinfo, introspection, Sign-In's WithIAM operations): the token must
// be well formed, of a kind q accepts, known, of the protocol its prefix
// names (and q's, if set), its session live and of q's account (if set),
// its generation current, and now before its end (AccessExpiresAt, or
// RefreshExpiresAt for a refresh token).
//
// Once a generation is rotated out its tokens are inactive at once, not at
// their expiry (catalogue RT-02: the previous access token stays revoked).
// Every refusal is invalid_grant with ReasonTokenExpired, so a caller
// cannot tell another account's token from a garbage one; only a store
// failure is another error.
func (s *Server) LookupToken(ctx context.Context, q TokenLookup) (TokenInfo, error) {
	kinds := q.Kinds
	if kinds == 0 {
		kinds = AccessTokens
	}
	p, refresh, ok := tokenKind(q.Token)
	switch {
	case !ok:
		return TokenInfo{}, tokenInactive(errors.New("not a token any protocol issues"))
	case refresh && kinds&RefreshTokens == 0, !refresh && kinds&AccessTokens == 0:
		return TokenInfo{}, tokenInactive(errors.New("a kind of token not accepted here"))
	case q.Protocol != "" && p != q.Protocol:
		return TokenInfo{}, tokenInactive(errors.New("a token of another protocol"))
	}
	get := s.grants.LookupAccess
	if refresh {
		get = s.grants.LookupRefresh
	}
	sess, gen, err := get(ctx, s.hasher.Digest(q.Token))
	if err != nil {
		return TokenInfo{}, passThrough(err, func(err error) *signet.Error {
			if errors.Is(err, signet.ErrNotFound) {
				return tokenInactive(err)
			}
			return nil
		})
	}
	now := s.clock.Now()
	expiry := gen.AccessExpiresAt
	if refresh {
		expiry = gen.RefreshExpiresAt
	}
	switch {
	case sess.Protocol != p:
		return TokenInfo{}, tokenInactive(errors.New("prefix of another protocol"))
	case !sess.Live(now):
		return TokenInfo{}, tokenInactive(errors.New("session revoked or ended"))
	case !gen.RotatedAt.IsZero():
		return TokenInfo{}, tokenInactive(errors.New("generation rotated out"))
	case expired(expiry, now):
		return TokenInfo{}, tokenInactive(errors.New("token expired"))
	case q.AccountID != "" && sess.Assignment.AccountID != q.AccountID:
		return TokenInfo{}, tokenInactive(errors.New("session of another account"))
	}
	return TokenInfo{Session: sess, Tokens: gen, Refresh: refresh}, nil
}
