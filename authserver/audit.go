package authserver

import (
	"context"
	"fmt"
	"strings"

	"github.com/signet-auth/signet"
)

// Auditor records security events (catalogue AU-01); *audit.Recorder
// implements it. Record returns an error when the record is not in the
// store.
type Auditor interface {
	Record(ctx context.Context, r signet.AuditRecord) error
	// Prepare completes and checks a record without writing it, for one
	// the store appends in a grant's transaction; Logged logs it once that
	// committed.
	Prepare(ctx context.Context, r signet.AuditRecord) (signet.AuditRecord, error)
	Logged(ctx context.Context, r signet.AuditRecord)
}

// audit records r when an Auditor is configured. The error is the
// caller's to act on: issuing tokens fails closed on it (AU-02), other
// events report it.
func (s *Server) audit(ctx context.Context, r signet.AuditRecord) error {
	if s.auditor == nil {
		return nil
	}
	if err := s.auditor.Record(ctx, r); err != nil {
		return signet.Internal(err)
	}
	return nil
}

// prepareGrantAudit gives x the record maker its grant passes to the
// store: the request's part of the record is completed (origin, time,
// actor) and checked now; the session's part when the store commits.
func (s *Server) prepareGrantAudit(ctx context.Context, x *exchange) error {
	if s.auditor == nil {
		return nil
	}
	base, err := s.auditor.Prepare(ctx, signet.AuditRecord{Event: signet.AuditTokensIssued,
		Actor: "client:" + x.client.ID, ClientID: x.client.ID, Surface: string(x.req.Protocol)})
	if err != nil {
		return signet.Internal(err)
	}
	x.audit = func(sess signet.Session, g signet.TokenGeneration, retry bool) signet.AuditRecord {
		rec := base
		rec.UserID, rec.AccountID, rec.RoleName = sess.UserID, sess.Assignment.AccountID, sess.Assignment.RoleName
		rec.Detail = issuedDetail(x.req.GrantType, sess.ID, retry)
		x.audited = &rec
		return rec
	}
	return nil
}

func issuedDetail(grantType, sessionID string, retry bool) string {
	detail := "grant=" + grantType
	if sessionID != "" { // client_credentials tokens have no session
		detail += " session=" + sessionID
	}
	if retry {
		detail += " retry=true"
	}
	return detail
}

// auditIssued records the token set of a grant that writes nothing to
// the store (client_credentials), before the answer goes back: if the
// record cannot be written the token is withheld and the caller gets a
// server error (catalogue AU-02). Grants that write are recorded in their
// own transaction instead (prepareGrantAudit).
func (s *Server) auditIssued(ctx context.Context, r TokenRequest, resp TokenResponse) error {
	detail := issuedDetail(r.GrantType, resp.Session.ID, resp.Retry)
	return s.audit(ctx, signet.AuditRecord{
		Event: signet.AuditTokensIssued, Actor: "client:" + resp.Session.ClientID,
		UserID: resp.Session.UserID, ClientID: resp.Session.ClientID,
		AccountID: resp.Session.Assignment.AccountID, RoleName: resp.Session.Assignment.RoleName,
		Surface: string(r.Protocol), Detail: detail,
	})
}

// auditReuse records a refresh-token reuse and the revocation of its
// family. The session is read back for the record; a failure to read it
// leaves the record with the client alone.
func (s *Server) auditReuse(ctx context.Context, r TokenRequest, clientID string, refreshDigest signet.Digest) {
	rec := signet.AuditRecord{Event: signet.AuditRefreshReuse, Actor: "client:" + clientID, ClientID: clientID,
		Surface: string(r.Protocol), Outcome: signet.AuditFailure, Detail: "family revoked"}
	if sess, _, err := s.grants.LookupRefresh(ctx, refreshDigest); err == nil {
		rec.UserID, rec.AccountID, rec.RoleName = sess.UserID, sess.Assignment.AccountID, sess.Assignment.RoleName
		rec.Detail += " session=" + sess.ID
	}
	_ = s.audit(ctx, rec)
}

// auditAdmin records an administrator's change to userID (or to a client,
// a key, …) described by what.
func (s *Server) auditAdmin(ctx context.Context, userID, clientID, what string, args ...any) error {
	return s.audit(ctx, signet.AuditRecord{Event: signet.AuditAdminChange, UserID: userID, ClientID: clientID,
		Surface: "admin", Detail: fmt.Sprintf(what, args...)})
}

// assignmentsDetail renders assignments for a record: "account/role,…".
func assignmentsDetail(as []signet.Assignment) string {
	parts := make([]string, len(as))
	for i, a := range as {
		parts[i] = a.AccountID + "/" + a.RoleName
	}
	return strings.Join(parts, ",")
}
