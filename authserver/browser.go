package authserver

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/secret"
)

// Browser sessions: the pages' sign-ins, kept in the store and checked on
// every use (catalogue BS-01, BS-02). The pages hold the token in their
// cookie and ask the engine what it is worth; the rules are here.

// maxUserAgent bounds the user agent kept for the audit trail.
const maxUserAgent = 256

// touchEvery is how stale a session's LastSeenAt may get before a use
// writes it again: a minute, or a quarter of the idle limit if that is
// shorter. Each session costs at most one write per interval, and the idle
// limit is never exceeded (it may end up to this much early).
func (l *Lifetimes) touchEvery() time.Duration { return min(time.Minute, l.BrowserIdle/4) }

// BrowserLogin is a successful sign-in at the pages.
type BrowserLogin struct {
	UserID string
	// AMR lists how the user authenticated (signet.AMRPassword, …).
	AMR       []string
	Address   string
	UserAgent string
}

func browserEnded(r signet.Reason, cause error) *signet.Error {
	return &signet.Error{Code: signet.CodeExpiredToken, Reason: r, Message: "The sign-in has ended; sign in again.", Err: cause}
}

func (s *Server) browserStore() (signet.BrowserSessionStore, error) {
	if s.browser == nil {
		return nil, signet.Internal(errors.New("authserver: no browser session store configured"))
	}
	return s.browser, nil
}

// StartBrowserSession records a sign-in of l.UserID now and returns the
// token the browser is to hold (never stored: the store keeps its digest)
// with the record. The session ends Lifetimes.BrowserSession from now, or
// earlier after Lifetimes.BrowserIdle without use.
func (s *Server) StartBrowserSession(ctx context.Context, l BrowserLogin) (string, signet.BrowserSession, error) {
	bs, err := s.browserStore()
	if err != nil {
		return "", signet.BrowserSession{}, err
	}
	id, err := s.minter.ID()
	if err != nil {
		return "", signet.BrowserSession{}, signet.Internal(err)
	}
	token, digest, err := s.minter.New(secret.PrefixBrowserSession)
	if err != nil {
		return "", signet.BrowserSession{}, signet.Internal(err)
	}
	ua := l.UserAgent
	if len(ua) > maxUserAgent {
		ua = ua[:maxUserAgent]
	}
	now := s.clock.Now()
	rec := signet.BrowserSession{
		ID: id, Digest: digest, UserID: l.UserID, AuthTime: now, AMR: slices.Clone(l.AMR),
		Address: l.Address, UserAgent: ua,
		CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(s.life.BrowserSession),
	}
	if err := bs.CreateBrowserSession(ctx, rec); err != nil {
		return "", signet.BrowserSession{}, signet.Internal(err)
	}
	// The sign-in stands only once it is on record.
	if err := s.audit(ctx, signet.AuditRecord{Event: signet.AuditBrowserStarted, UserID: l.UserID, Surface: "web",
		Address: l.Address, UserAgent: ua, Detail: "session=" + id + " amr=" + strings.Join(l.AMR, "+")}); err != nil {
		_ = bs.RevokeBrowserSession(ctx, id, now, "audit failed")
		return "", signet.BrowserSession{}, err
	}
	return token, rec, nil
}

// BrowserSession checks the token a browser presents, on every use: the
// session must exist, be unrevoked, before its absolute end, used within
// the idle limit, and its user must exist, be enabled and not have changed
// credentials since the sign-in. A session that passes is returned with
// its user, and its LastSeenAt moves forward (at most one write per
// touchEvery). Every refusal is an *signet.Error with CodeExpiredToken
// (ReasonUserDisabled, ReasonCredentialsChanged or ReasonTokenExpired);
// store failures are internal errors.
func (s *Server) BrowserSession(ctx context.Context, token string) (signet.BrowserSession, signet.User, error) {
	bs, err := s.browserStore()
	if err != nil {
		return signet.BrowserSession{}, signet.User{}, err
	}
	if !secret.WellFormed(token, secret.PrefixBrowserSession) {
		return signet.BrowserSession{}, signet.User{}, browserEnded(signet.ReasonTokenExpired, errors.New("malformed token"))
	}
	rec, err := bs.GetBrowserSession(ctx, s.hasher.Digest(token))
	switch {
	case errors.Is(err, signet.ErrNotFound):
		return signet.BrowserSession{}, signet.User{}, browserEnded(signet.ReasonTokenExpired, err)
	case err != nil:
		return signet.BrowserSession{}, signet.User{}, signet.Internal(err)
	}
	now := s.clock.Now()
	switch {
	case !rec.RevokedAt.IsZero():
		return signet.BrowserSession{}, signet.User{}, browserEnded(signet.ReasonTokenExpired, errors.New("revoked: "+rec.RevokeReason))
	case !now.Before(rec.ExpiresAt):
		return signet.BrowserSession{}, signet.User{}, browserEnded(signet.ReasonTokenExpired, errors.New("past its absolute end"))
	case now.Sub(rec.LastSeenAt) >= s.life.BrowserIdle:
		return signet.BrowserSession{}, signet.User{}, browserEnded(signet.ReasonTokenExpired, errors.New("idle too long"))
	}
	u, err := s.users.GetUser(ctx, rec.UserID)
	switch {
	case errors.Is(err, signet.ErrNotFound):
		return signet.BrowserSession{}, signet.User{}, browserEnded(signet.ReasonTokenExpired, err)
	case err != nil:
		return signet.BrowserSession{}, signet.User{}, signet.Internal(err)
	case u.Disabled:
		return signet.BrowserSession{}, signet.User{}, browserEnded(signet.ReasonUserDisabled, errors.New("user disabled"))
	case u.CredentialsChangedAt.After(rec.AuthTime):
		return signet.BrowserSession{}, signet.User{}, browserEnded(signet.ReasonCredentialsChanged, errors.New("credentials changed"))
	}
	if u, err = s.withGroupAssignments(ctx, u); err != nil {
		return signet.BrowserSession{}, signet.User{}, err
	}
	if now.Sub(rec.LastSeenAt) >= s.life.touchEvery() {
		// Best effort: a failed touch costs at most an early idle end.
		if err := bs.TouchBrowserSession(ctx, rec.ID, now); err == nil {
			rec.LastSeenAt = now
		}
	}
	return rec, u, nil
}

// EndBrowserSession revokes the session of token (sign-out). An unknown or
// malformed token is not an error: there is nothing left to end.
func (s *Server) EndBrowserSession(ctx context.Context, token string) error {
	bs, err := s.browserStore()
	if err != nil {
		return err
	}
	if !secret.WellFormed(token, secret.PrefixBrowserSession) {
		return nil
	}
	rec, err := bs.GetBrowserSession(ctx, s.hasher.Digest(token))
	switch {
	case errors.Is(err, signet.ErrNotFound):
		return nil
	case err != nil:
		return signet.Internal(err)
	}
	if err := bs.RevokeBrowserSession(ctx, rec.ID, s.clock.Now(), "logout"); err != nil && !errors.Is(err, signet.ErrNotFound) {
		return signet.Internal(err)
	}
	if rec.RevokedAt.IsZero() {
		return s.audit(ctx, signet.AuditRecord{Event: signet.AuditBrowserEnded, UserID: rec.UserID, Surface: "web",
			Detail: "session=" + rec.ID + " reason=logout"})
	}
	return nil
}

// ListBrowserSessions lists browser sessions; a zero f.Now is filled with
// the clock.
func (s *Server) ListBrowserSessions(ctx context.Context, f signet.SessionFilter) ([]signet.BrowserSession, error) {
	bs, err := s.browserStore()
	if err != nil {
		return nil, err
	}
	if f.Now.IsZero() {
		f.Now = s.clock.Now()
	}
	out, err := bs.ListBrowserSessions(ctx, f)
	if err != nil {
		return nil, signet.Internal(err)
	}
	return out, nil
}

// revokeUserBrowserSessions revokes the user's browser sessions, if the
// engine has a store for them.
func (s *Server) revokeUserBrowserSessions(ctx context.Context, userID, reason string) (int, error) {
	if s.browser == nil {
		return 0, nil
	}
	n, err := s.browser.RevokeUserBrowserSessions(ctx, userID, s.clock.Now(), reason)
	if err != nil {
		return n, signet.Internal(err)
	}
	if n > 0 {
		return n, s.audit(ctx, signet.AuditRecord{Event: signet.AuditBrowserEnded, UserID: userID, Surface: "web",
			Detail: fmt.Sprintf("revoked=%d reason=%s", n, reason)})
	}
	return n, nil
}

// RevokeUserSessions revokes every live session of the user, token
// sessions and browser sessions alike, and returns how many of each.
func (s *Server) RevokeUserSessions(ctx context.Context, userID, reason string) (tokens, browser int, err error) {
	tokens, err = s.grants.RevokeUserSessions(ctx, userID, s.clock.Now(), reason)
	if err != nil {
		return 0, 0, signet.Internal(err)
	}
	if tokens > 0 {
		if err := s.audit(ctx, signet.AuditRecord{Event: signet.AuditSessionRevoked, UserID: userID, Surface: "admin",
			Detail: fmt.Sprintf("revoked=%d reason=%s", tokens, reason)}); err != nil {
			return tokens, 0, err
		}
	}
	browser, err = s.revokeUserBrowserSessions(ctx, userID, reason)
	return tokens, browser, err
}
