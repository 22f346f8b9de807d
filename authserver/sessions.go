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
	actor := ""
	if clientID != "" {
		actor = "client:" + clientID
	}
	return s.audit(ctx, signet.AuditRecord{Event: signet.AuditSessionRevoked, Actor: actor, UserID: sess.UserID,
		ClientID: sess.ClientID, AccountID: sess.Assignment.AccountID, RoleName: sess.Assignment.RoleName,
		Surface: string(sess.Protocol), Detail: "session=" + sess.ID + " reason=revoked"})
}

// RevokeSession revokes a session by id (an administrator's or the user's
// own action): a token session, or else a browser session of that id.
// Revoking a revoked session is a no-op.
func (s *Server) RevokeSession(ctx context.Context, id string) error {
	rec := signet.AuditRecord{Event: signet.AuditSessionRevoked, Surface: "admin", Detail: "session=" + id + " reason=admin"}
	err := s.grants.RevokeSession(ctx, id, s.clock.Now(), "admin")
	if err == nil {
		if sess, gerr := s.grants.GetSession(ctx, id); gerr == nil {
			rec.UserID, rec.ClientID = sess.UserID, sess.ClientID
			rec.AccountID, rec.RoleName = sess.Assignment.AccountID, sess.Assignment.RoleName
		}
	}
	if errors.Is(err, signet.ErrNotFound) && s.browser != nil {
		err = s.browser.RevokeBrowserSession(ctx, id, s.clock.Now(), "admin")
		rec.Event = signet.AuditBrowserEnded
	}
	if errors.Is(err, signet.ErrNotFound) {
		return &signet.Error{Code: signet.CodeNotFound, Message: "No such session.", Err: err}
	}
	if err != nil {
		return signet.Internal(err)
	}
	return s.audit(ctx, rec)
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
