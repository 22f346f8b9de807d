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

// auditIssued records the token set a grant handed out, before the answer
// goes back: if the record cannot be written the tokens are withheld and
// the caller gets a server error (catalogue AU-02). The grant is
// committed, so a client that retries a refresh inside the grace window
// gets the same set back, recorded then.
func (s *Server) auditIssued(ctx context.Context, r TokenRequest, resp TokenResponse) error {
	detail := "grant=" + r.GrantType
	if resp.Session.ID != "" { // client_credentials tokens have no session
		detail += " session=" + resp.Session.ID
	}
	if resp.Retry {
		detail += " retry=true"
	}
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
