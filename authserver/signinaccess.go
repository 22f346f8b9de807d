package authserver

import (
	"context"
	"errors"
	"net/netip"

	"github.com/signet-auth/signet"
)

// signinAccess is the Sign-In policy of every account whose console
// authorization is on, read once per request before the grant's
// transaction so that the check inside it stays pure.
type signinAccess map[string][]signet.SigninStatement

// readSigninAccess reads the enforced policies; nil when the engine has no
// policy store or the protocol is not Sign-In.
func (s *Server) readSigninAccess(ctx context.Context, p signet.Protocol) (signinAccess, error) {
	if s.signinPolicies == nil || p != signet.ProtocolSignIn {
		return nil, nil
	}
	pols, err := s.signinPolicies.SigninPolicies(ctx)
	if err != nil {
		return nil, signet.Internal(err)
	}
	if len(pols) == 0 {
		return nil, nil
	}
	out := make(signinAccess, len(pols))
	for _, p := range pols {
		out[p.AccountID] = p.Statements
	}
	return out, nil
}

// check decides whether a login or refresh acting as assignment a may come
// from ip. Each statement of the account's policy is a deny of every
// address outside its sourceIp, except for its excludedPrincipal (compared
// with the ARN of a's role, the aws:PrincipalArn of an assumed-role
// session); a request must pass every statement. A statement without a
// sourceIp restricts nothing here: its VPC conditions cannot be evaluated
// outside AWS. An unknown address is outside every range.
func (a signinAccess) check(as signet.Assignment, ip netip.Addr) error {
	stmts, ok := a[as.AccountID]
	if !ok {
		return nil
	}
	roleARN := "arn:aws:iam::" + as.AccountID + ":role/" + as.RoleName
	ip = ip.Unmap()
	for _, st := range stmts {
		if st.SourceIP == "" || st.ExcludedPrincipal == roleARN {
			continue
		}
		if !within(ip, parsePrefixes(st.SourceIP)) {
			return &signet.Error{Code: signet.CodeAccessDenied, Reason: signet.ReasonNetworkDenied,
				Message: "The account's sign-in policy does not allow sign-in from this network.",
				Err:     errors.New("outside the sourceIp of statement " + st.ID)}
		}
	}
	return nil
}

func within(ip netip.Addr, ps []netip.Prefix) bool {
	if !ip.IsValid() {
		return false
	}
	for _, p := range ps {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}
