package authserver

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/signet-auth/signet"
)

// MaxSigninStatements is how many permission statements an account's
// Sign-In policy may hold (PutResourcePermissionStatement answers
// ServiceQuotaExceededException past it).
const MaxSigninStatements = 20

// SigninStatementRequest is one PutResourcePermissionStatement, its wire
// constraints already checked.
type SigninStatementRequest struct {
	AccountID   string // the caller's account: the policy it changes
	Conditions  signet.SigninStatement
	ClientToken string
}

// PutSigninStatement adds a statement to the account's Sign-In policy.
// Errors: invalid_request for a statement that states nothing, a sourceIp
// that is not an address or CIDR block list, or VPC conditions without a
// requestedRegion; conflict for a client token reused with other
// conditions or conditions a live statement already states;
// quota_exceeded past MaxSigninStatements.
func (s *Server) PutSigninStatement(ctx context.Context, r SigninStatementRequest) (signet.SigninStatement, error) {
	if s.signinPolicies == nil {
		return signet.SigninStatement{}, signet.Internal(errors.New("authserver: no Sign-In policy store"))
	}
	c := r.Conditions
	if err := validStatement(c); err != nil {
		return signet.SigninStatement{}, err
	}
	id, err := s.statementID()
	if err != nil {
		return signet.SigninStatement{}, signet.Internal(err)
	}
	c.ID, c.AccountID, c.ClientToken, c.CreatedAt = id, r.AccountID, r.ClientToken, s.clock.Now()
	got, err := s.signinPolicies.PutSigninStatement(ctx, c, MaxSigninStatements)
	switch {
	case errors.Is(err, signet.ErrConflict):
		return signet.SigninStatement{}, &signet.Error{Code: signet.CodeConflict, Err: err,
			Message: "The client token was used with other conditions, or a statement with these conditions exists."}
	case errors.Is(err, signet.ErrQuotaExceeded):
		return signet.SigninStatement{}, &signet.Error{Code: signet.CodeQuotaExceeded, Err: err,
			Message: "The account's Sign-In policy holds as many statements as it may."}
	case err != nil:
		return signet.SigninStatement{}, signet.Internal(err)
	}
	return got, s.auditSigninPolicy(ctx, r.AccountID, "signin policy statement added id="+got.ID)
}

// SigninStatements lists the account's statements, oldest first.
func (s *Server) SigninStatements(ctx context.Context, accountID string) ([]signet.SigninStatement, error) {
	if s.signinPolicies == nil {
		return nil, signet.Internal(errors.New("authserver: no Sign-In policy store"))
	}
	list, err := s.signinPolicies.ListSigninStatements(ctx, accountID)
	if err != nil {
		return nil, signet.Internal(err)
	}
	return list, nil
}

// DeleteSigninStatement removes a statement of the account's policy;
// not_found if it has none of that id (a retry with the client token of
// the delete that removed it succeeds).
func (s *Server) DeleteSigninStatement(ctx context.Context, accountID, id, clientToken string) error {
	if s.signinPolicies == nil {
		return signet.Internal(errors.New("authserver: no Sign-In policy store"))
	}
	err := s.signinPolicies.DeleteSigninStatement(ctx, accountID, id, clientToken, s.clock.Now())
	switch {
	case errors.Is(err, signet.ErrNotFound):
		return &signet.Error{Code: signet.CodeNotFound, Message: "The account's Sign-In policy has no such statement.", Err: err}
	case err != nil:
		return signet.Internal(err)
	}
	return s.auditSigninPolicy(ctx, accountID, "signin policy statement deleted id="+id)
}

// SetConsoleAuthorization turns the enforcement of the account's Sign-In
// policy on or off; ConsoleAuthorization reads it.
func (s *Server) SetConsoleAuthorization(ctx context.Context, accountID string, enabled bool) error {
	if s.signinPolicies == nil {
		return signet.Internal(errors.New("authserver: no Sign-In policy store"))
	}
	if err := s.signinPolicies.SetConsoleAuthorization(ctx, accountID, enabled, s.clock.Now()); err != nil {
		return signet.Internal(err)
	}
	return s.auditSigninPolicy(ctx, accountID, fmt.Sprintf("console authorization=%t", enabled))
}

// ConsoleAuthorization reports whether the account's Sign-In policy is
// enforced.
func (s *Server) ConsoleAuthorization(ctx context.Context, accountID string) (bool, error) {
	if s.signinPolicies == nil {
		return false, signet.Internal(errors.New("authserver: no Sign-In policy store"))
	}
	on, err := s.signinPolicies.ConsoleAuthorization(ctx, accountID)
	if err != nil {
		return false, signet.Internal(err)
	}
	return on, nil
}

// statementID is 64 characters of [A-Za-z0-9] (the model's
// [A-Za-z0-9+/]{64}=?), about 380 random bits.
func (s *Server) statementID() (string, error) {
	var b strings.Builder
	for b.Len() < 64 {
		id, err := s.minter.ID()
		if err != nil {
			return "", err
		}
		b.WriteString(id)
	}
	return b.String()[:64], nil
}

func validStatement(c signet.SigninStatement) *signet.Error {
	vpc := c.SourceVPC != "" || c.SigninSourceVPCE != "" || c.ConsoleSourceVPCE != "" || c.VPCSourceIP != ""
	switch {
	case !vpc && c.SourceIP == "" && c.ExcludedPrincipal == "":
		return invalidRequest("A statement needs at least one condition.")
	case (c.SourceVPC != "" || c.SigninSourceVPCE != "" || c.ConsoleSourceVPCE != "") && c.RequestedRegion == "":
		return invalidRequest("requestedRegion is required with sourceVpc, signinSourceVpce or consoleSourceVpce.")
	case c.SourceIP != "" && parsePrefixes(c.SourceIP) == nil:
		return invalidRequest("sourceIp must be an IP address or CIDR block, or a comma-separated list of them.")
	case c.VPCSourceIP != "" && parsePrefixes(c.VPCSourceIP) == nil:
		return invalidRequest("vpcSourceIp must be an IP address or CIDR block, or a comma-separated list of them.")
	}
	return nil
}

// parsePrefixes reads "addr", "addr/bits" or a comma-separated list of
// them; nil if any item is neither (at most 32 items).
func parsePrefixes(s string) []netip.Prefix {
	items := strings.Split(s, ",")
	if len(items) > 32 {
		return nil
	}
	out := make([]netip.Prefix, 0, len(items))
	for _, it := range items {
		it = strings.TrimSpace(it)
		if p, err := netip.ParsePrefix(it); err == nil && p.Addr().Zone() == "" {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(it)
		if err != nil || a.Zone() != "" {
			return nil
		}
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out
}
