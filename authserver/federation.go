package authserver

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"slices"
	"strings"

	"github.com/signet-auth/signet"
)

// Federated logins: the policy of what an upstream identity provider's word
// is worth here. An identity is found by (IdP, subject) only, never by
// e-mail or name (catalogue FD-03); the first login creates its user (just
// in time); groups are replaced at every login and turned into assignments
// by the group rules when assignments are read (FD-05).

// FederatedLogin is a login an upstream provider vouched for (package
// upstream verified it).
type FederatedLogin struct {
	IdP         string
	Subject     string
	Username    string // preferred login name; made unique and IAM-safe here
	DisplayName string
	Email       string
	Groups      []string
}

// maxFederatedGroups bounds the groups one login records.
const maxFederatedGroups = 1000

// maxSubject bounds an upstream subject (OIDC Core §2: at most 255 ASCII
// characters; SAML NameIDs can be longer).
const maxSubject = 1024

// FederatedLogin records l and returns its user, created on the first
// login. A disabled user is refused with CodeAccessDenied, like a local
// one. The login is an audit record (login.succeeded or login.failed with
// the provider), and so is a user it created (user.provisioned).
func (s *Server) FederatedLogin(ctx context.Context, l FederatedLogin) (signet.User, error) {
	u, created, err := s.federatedLogin(ctx, l)
	if err := s.auditFederated(ctx, trim(l.IdP, 64), u, created, err); err != nil {
		return signet.User{}, err
	}
	return u, nil
}

func (s *Server) federatedLogin(ctx context.Context, l FederatedLogin) (signet.User, bool, error) {
	if s.federation == nil {
		return signet.User{}, false, signet.Internal(errors.New("authserver: no federation store configured"))
	}
	if l.IdP == "" || l.Subject == "" || !printable(l.Subject, maxSubject) {
		return signet.User{}, false, invalidRequest("The identity provider sent no usable subject.")
	}
	if len(l.Groups) > maxFederatedGroups {
		return signet.User{}, false, invalidRequest("The identity provider sent too many groups.")
	}
	var groups []string
	for _, g := range l.Groups {
		if printable(g, 256) && g != "" {
			groups = append(groups, g)
		}
	}
	idp, err := s.federation.GetIdP(ctx, l.IdP)
	switch {
	case errors.Is(err, signet.ErrNotFound):
		return signet.User{}, false, &signet.Error{Code: signet.CodeAccessDenied, Message: "The identity provider is not configured.", Err: err}
	case err != nil:
		return signet.User{}, false, signet.Internal(err)
	case len(idp.AllowedGroups) > 0 && !slices.ContainsFunc(groups, func(g string) bool { return slices.Contains(idp.AllowedGroups, g) }):
		// Checked before anything is written: a person the provider
		// vouches for but who is in none of the admitted groups gets no
		// user, and a known one is refused like a disabled user.
		return signet.User{}, false, &signet.Error{Code: signet.CodeAccessDenied, Message: "The user cannot sign in.",
			Err: errors.New("identity " + l.IdP + "/" + l.Subject + " is in none of the provider's allowed groups")}
	}
	display := l.DisplayName
	if !printable(display, MaxDisplayNameLen) {
		display = ""
	}
	email := l.Email
	if !printable(email, 320) {
		email = ""
	}
	now := s.clock.Now()
	p := signet.Provisioning{
		Identity: signet.FederatedIdentity{IdP: l.IdP, Subject: l.Subject, Email: email, CreatedAt: now, LastLoginAt: now},
		Groups:   groups,
	}
	for _, name := range federatedNames(l) {
		id, err := s.minter.ID()
		if err != nil {
			return signet.User{}, false, signet.Internal(err)
		}
		// No password: a federated user cannot sign in with one.
		p.NewUser = signet.User{ID: id, Name: name, DisplayName: display, CredentialsChangedAt: now,
			CreatedAt: now, UpdatedAt: now}
		u, created, err := s.federation.Provision(ctx, p)
		switch {
		case errors.Is(err, signet.ErrConflict):
			continue // the name is taken: the next candidate
		case err != nil:
			return signet.User{}, false, signet.Internal(err)
		case u.Disabled:
			return signet.User{}, false, &signet.Error{Code: signet.CodeAccessDenied, Message: "The user cannot sign in.",
				Err: errors.New("federated user " + u.ID + " is disabled")}
		}
		return u, created, nil
	}
	return signet.User{}, false, &signet.Error{Code: signet.CodeConflict, Message: "No user name is free for this identity.",
		Err: errors.New("every candidate name for " + l.IdP + "/" + l.Subject + " is taken")}
}

// federatedNames are the user names a new federated user may get, in
// order: the provider's preferred name, then that name marked with the
// provider, then one made of the provider and a hash of the subject (which
// no one else has). Each is IAM-safe (validUserName).
func federatedNames(l FederatedLogin) []string {
	base := iamSafe(l.Username)
	if base == "" {
		base = iamSafe(l.Email)
	}
	sum := sha256.Sum256([]byte(l.IdP + "\x00" + l.Subject))
	last := iamSafe(l.IdP + "-" + hex.EncodeToString(sum[:8]))
	var names []string
	if validUserName(base) {
		names = append(names, base, iamSafe(trim(base, 63-len(l.IdP))+"+"+l.IdP))
	}
	return slices.DeleteFunc(append(names, last), func(n string) bool { return !validUserName(n) })
}

func trim(s string, n int) string {
	if n < 1 {
		n = 1
	}
	if len(s) > n {
		return s[:n]
	}
	return s
}

// iamSafe keeps the characters a user name may hold ([\w+=,.@-]) and
// replaces the rest with '-', up to 64 characters.
func iamSafe(s string) string {
	var b strings.Builder
	for i := 0; i < len(s) && b.Len() < 64; i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("_+=,.@-", c) >= 0 {
			b.WriteByte(c)
		} else {
			b.WriteByte('-')
		}
	}
	return b.String()
}

// groupAssignments returns what the group rules give userID now; none
// without a federation store.
func (s *Server) groupAssignments(ctx context.Context, userID string) ([]signet.Assignment, error) {
	if s.federation == nil || userID == "" {
		return nil, nil
	}
	as, err := s.federation.GroupAssignments(ctx, userID)
	if err != nil {
		return nil, signet.Internal(err)
	}
	return as, nil
}

// withGroupAssignments returns u with its assignments made effective: its
// own, then those of the group rules for its current groups, without
// duplicates. It is what every reader of assignments sees (the portal, the
// Sign-In choice, IssueCode), so a group removed upstream or a rule
// removed here takes its access away at the next call (FD-05). The store
// keeps only the user's own.
func (s *Server) withGroupAssignments(ctx context.Context, u signet.User) (signet.User, error) {
	as, err := s.groupAssignments(ctx, u.ID)
	if err != nil || len(as) == 0 {
		return u, err
	}
	u.Assignments = mergeAssignments(u.Assignments, as)
	return u, nil
}

func mergeAssignments(own, more []signet.Assignment) []signet.Assignment {
	out := slices.Clone(own)
	for _, a := range more {
		if !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	return out
}

// EffectiveUser reads the user with its effective assignments (its own and
// its groups'); ErrNotFound if there is none. Read-only consumers (the SSO
// portal) read users through it.
func (s *Server) EffectiveUser(ctx context.Context, id string) (signet.User, error) {
	u, err := s.users.GetUser(ctx, id)
	if err != nil {
		return u, err
	}
	return s.withGroupAssignments(ctx, u)
}
