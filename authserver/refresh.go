package authserver

import (
	"context"
	"errors"
	"slices"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/internal/failpoint"
	"github.com/signet-auth/signet/secret"
)

// refreshGrant rotates a refresh token (RFC 6749 §6, RFC 9700 §4.14.2).
type refreshGrant struct{}

func (refreshGrant) offeredBy(signet.Protocol) bool { return true }

func (refreshGrant) validate(r *TokenRequest) *signet.Error {
	if r.RefreshToken == "" {
		return invalidRequest("The refresh token is required.")
	}
	if len(r.RefreshToken) > MaxTokenLen {
		return invalidRequest("The refresh token is too long.")
	}
	return nil
}

// exchange rotates through the store. Every rule is checked in
// Rotation.Check, inside the store's transaction and before anything
// changes, so a refused request leaves the token usable by its rightful
// holder (RT-05, DP-01, DP-02).
//
// The successor's tokens are derived from the presented refresh token, so
// when the store answers a retry within the grace window with the successor
// an earlier call created, the same plaintexts are recomputed here and
// checked against the stored digests.
func (refreshGrant) exchange(ctx context.Context, x *exchange) (TokenResponse, error) {
	s, r := x.s, x.req
	if !secret.WellFormed(r.RefreshToken, x.pre.refresh) {
		return TokenResponse{}, refreshFailed(signet.ReasonTokenExpired, errors.New("malformed refresh token"))
	}
	m := s.successorMaterial(x.pre, r.RefreshToken)
	var user signet.User
	// A session's assignment must still be the user's at each refresh
	// (FD-05). Its own assignments come with the user inside the
	// transaction; those of its groups need a read, done only when the
	// first pass finds the assignment is not one of its own, and the
	// rotation is then decided again with them.
	var groups *assignmentsOf
	rotate := func() (signet.RotationResult, error) {
		return s.grants.Rotate(ctx, signet.Rotation{
			Audit:       x.audit,
			ClientEpoch: x.clientEpoch,
			Budget:      x.budget.rotation(),
			Digest:      s.hasher.Digest(r.RefreshToken),
			Now:         x.now,
			Grace:       s.life.grace(r.Protocol),
			Check: func(sess signet.Session, u signet.User, _ signet.TokenGeneration) error {
				user = u
				if err := x.checkRefresh(sess, u); err != nil {
					return err
				}
				return checkAssignment(sess, u, groups)
			},
			Next: func(sess signet.Session, _ signet.TokenGeneration) signet.TokenGeneration {
				return s.generation(m, sess, x.now)
			},
		})
	}
	res, err := rotate()
	if need := (*needGroups)(nil); errors.As(err, &need) {
		as, gerr := s.groupAssignments(ctx, need.userID)
		if gerr != nil {
			return TokenResponse{}, gerr
		}
		groups = &assignmentsOf{userID: need.userID, as: as}
		res, err = rotate()
	}
	if err != nil {
		if errors.Is(err, signet.ErrTokenReused) {
			// The store committed the family's revocation (RFC 9700
			// §4.14.2); the refusal is not sent yet.
			s.failPoints.Hit(failpoint.ReuseRevoked)
		}
		return TokenResponse{}, passThrough(err, func(err error) *signet.Error {
			switch {
			case errors.Is(err, signet.ErrTokenReused):
				return refreshFailed(signet.ReasonReuseDetected, err)
			case errors.Is(err, signet.ErrNotFound):
				return refreshFailed(signet.ReasonTokenExpired, err)
			}
			return nil
		})
	}
	if !res.Tokens.RefreshDigest.Equal(m.refreshDigest) || !res.Tokens.AccessDigest.Equal(m.accessDigest) {
		return TokenResponse{}, signet.Internal(errors.New("authserver: stored successor was not derived from the presented refresh token"))
	}
	if expired(res.Tokens.AccessExpiresAt, x.now) {
		return TokenResponse{}, refreshFailed(signet.ReasonTokenExpired, errors.New("retried generation's access token has expired"))
	}
	scopes := res.Session.Scopes
	if len(r.Scopes) > 0 {
		scopes = dedupe(r.Scopes)
	}
	resp := x.respond(res.Session, res.Tokens, m, scopes, res.Retry)
	resp.User = user
	return resp, nil
}

// checkRefresh holds the refresh rules. It is pure: the store runs it in
// its transaction.
func (x *exchange) checkRefresh(sess signet.Session, u signet.User) error {
	r := x.req
	switch {
	case sess.Protocol != r.Protocol:
		return refreshFailed(signet.ReasonTokenExpired, errors.New("refresh token of another protocol"))
	case sess.ClientID != x.client.ID:
		// RFC 6749 §6: the token is bound to its client. Refused without
		// any change, so the rightful client's token keeps working (RT-05).
		return refreshFailed(signet.ReasonClientMismatch, errors.New("refresh token issued to another client"))
	case sess.DPoPJKT != "" && r.DPoPJKT != sess.DPoPJKT:
		// RFC 9449 §5: a bound token needs a proof from the bound key; a
		// stolen token with another key changes nothing (DP-01, DP-02).
		return dpopMismatch()
	case sess.UserID != "" && u.ID == "":
		return refreshFailed(signet.ReasonTokenExpired, errors.New("the session's user no longer exists"))
	case u.Disabled:
		return refreshFailed(signet.ReasonUserDisabled, errors.New("user disabled"))
	case sess.UserID != "" && u.CredentialsChangedAt.After(sess.AuthTime):
		return refreshFailed(signet.ReasonCredentialsChanged, errors.New("password changed after the session began"))
	case !subset(r.Scopes, sess.Scopes) || !allowedByClient(x.client, r.Scopes):
		// Narrower is fine; wider is not (RFC 6749 §6; RT-06).
		return invalidScope()
	case len(r.Scopes) == 0 && !allowedByClient(x.client, sess.Scopes):
		// A scope removed from the client since the grant (RT-06).
		return invalidScope()
	}
	// The account's Sign-In policy, for the network the refresh comes
	// from: refused, the session is left as it was.
	return x.access.check(sess.Assignment, r.ClientIP)
}

// needGroups aborts a rotation whose session's assignment is not one of
// its user's own: the caller reads the group assignments and decides again.
type needGroups struct{ userID string }

func (n *needGroups) Error() string { return "authserver: group assignments needed for " + n.userID }

// assignmentsOf are the group assignments of one user, read outside the
// transaction.
type assignmentsOf struct {
	userID string
	as     []signet.Assignment
}

// checkAssignment holds the session's assignment to the user's effective
// ones (own ∪ groups'). Pure: it runs in the store's transaction.
func checkAssignment(sess signet.Session, u signet.User, groups *assignmentsOf) error {
	a := sess.Assignment
	switch {
	case a == (signet.Assignment{}) || sess.UserID == "" || slices.Contains(u.Assignments, a):
		return nil
	case groups == nil || groups.userID != u.ID:
		return &needGroups{userID: u.ID}
	case slices.Contains(groups.as, a):
		return nil
	}
	return refreshFailed(signet.ReasonInsufficientPerms, errors.New("the session's assignment is no longer the user's"))
}
