package signin

import (
	"net/http"
	"regexp"
	"strings"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/api/awsjson"
	"github.com/signet-auth/signet/sigv4"
)

// policyActions are what a statement governs: the sign-in itself, the
// authorization page and the token endpoint.
var policyActions = []string{"signin:Authenticate", "signin:AuthorizeOAuth2Access", "signin:CreateOAuth2Token"}

// conditionBlock renders s's conditions as IAM condition operators, read
// as a Deny statement: it refuses every request whose conditions all hold
// — from outside the sourceIp, not the excluded principal, not through the
// VPC or its endpoints.
func conditionBlock(s signet.SigninStatement) map[string]map[string][]string {
	b := map[string]map[string][]string{}
	add := func(op, key string, vals ...string) {
		if len(vals) == 0 || vals[0] == "" {
			return
		}
		if b[op] == nil {
			b[op] = map[string][]string{}
		}
		b[op][key] = append(b[op][key], vals...)
	}
	add("NotIpAddress", "aws:SourceIp", splitList(s.SourceIP)...)
	add("ArnNotEquals", "aws:PrincipalArn", s.ExcludedPrincipal)
	add("StringNotEqualsIfExists", "aws:SourceVpc", s.SourceVPC)
	add("StringNotEqualsIfExists", "aws:SourceVpce", s.SigninSourceVPCE)
	add("StringNotEqualsIfExists", "aws:SourceVpce", s.ConsoleSourceVPCE)
	add("NotIpAddressIfExists", "aws:VpcSourceIp", splitList(s.VPCSourceIP)...)
	add("StringEquals", "aws:RequestedRegion", s.RequestedRegion)
	return b
}

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	parts := strings.Split(s, ",")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return parts
}

// policyStatement is PolicyStatement (JSON names are the locationNames).
type policyStatement struct {
	Effect    string                         `json:"Effect"`
	Principal map[string]string              `json:"Principal"`
	Action    []string                       `json:"Action"`
	Resource  string                         `json:"Resource"`
	Condition map[string]map[string][]string `json:"Condition,omitempty"`
}

// getPolicy is GetResourcePolicy: the account's statements as one policy;
// ResourceNotFoundException when it has none.
func (h *Handler) getPolicy(w http.ResponseWriter, r *http.Request, caller sigv4.Caller) {
	list, err := h.Policies.SigninStatements(r.Context(), caller.Principal.AccountID)
	if err != nil {
		h.writeControlError(w, r, err)
		return
	}
	if len(list) == 0 {
		h.writeControlError(w, r, &signet.Error{Code: signet.CodeNotFound, Message: "The account has no Sign-In resource-based policy."})
		return
	}
	var out struct {
		Policy struct {
			Version   string            `json:"Version"`
			Statement []policyStatement `json:"Statement"`
		} `json:"signinResourceBasedPolicy"`
	}
	out.Policy.Version = "2012-10-17"
	for _, s := range list {
		out.Policy.Statement = append(out.Policy.Statement, policyStatement{
			Effect: "Deny", Principal: map[string]string{"AWS": "*"}, Action: policyActions,
			Resource: "arn:aws:signin::" + s.AccountID + ":*", Condition: conditionBlock(s),
		})
	}
	awsjson.WriteJSON(w, http.StatusOK, out)
}

var targetPattern = regexp.MustCompile(`^(\d{12}|o-[a-z0-9]{10}|r-[0-9a-z]{4,32})$`)

type consoleOp int

const (
	consoleGet consoleOp = iota
	consolePut
	consoleDelete
)

// consoleAuth is Get/Put/DeleteConsoleAuthorizationConfiguration: the
// target is the caller's account (the default) — signet has no AWS
// Organizations, so an organization or root target is not found and
// another account's is not the caller's to see. Put turns enforcement of
// the account's Sign-In policy on, Delete off; both are idempotent.
func (h *Handler) consoleAuth(op consoleOp) func(http.ResponseWriter, *http.Request, sigv4.Caller) {
	return func(w http.ResponseWriter, r *http.Request, caller sigv4.Caller) {
		var in struct {
			TargetID *string `json:"targetId"`
		}
		if err := readInput(r, &in); err != nil {
			h.writeControlError(w, r, err)
			return
		}
		acct := caller.Principal.AccountID
		switch t := str(in.TargetID); {
		case in.TargetID == nil || t == acct:
		case !targetPattern.MatchString(t):
			h.writeControlError(w, r, invalid("targetId must be an account id, an organization id or a root id."))
			return
		case !strings.HasPrefix(t, "o-") && !strings.HasPrefix(t, "r-"):
			h.writeControlError(w, r, &signet.Error{Code: signet.CodeAccessDenied, Reason: signet.ReasonInsufficientPerms,
				Message: "A caller may configure only its own account."})
			return
		default:
			h.writeControlError(w, r, &signet.Error{Code: signet.CodeNotFound, Message: "No such organization or root: only account targets exist here."})
			return
		}
		ctx := r.Context()
		var err error
		switch op {
		case consolePut:
			err = h.Policies.SetConsoleAuthorization(ctx, acct, true)
		case consoleDelete:
			err = h.Policies.SetConsoleAuthorization(ctx, acct, false)
		}
		if err != nil {
			h.writeControlError(w, r, err)
			return
		}
		on, err := h.Policies.ConsoleAuthorization(ctx, acct)
		if err != nil {
			h.writeControlError(w, r, err)
			return
		}
		awsjson.WriteJSON(w, http.StatusOK, struct {
			TargetID string `json:"targetId"`
			Scope    string `json:"scope"`
			Enabled  bool   `json:"consoleAuthorizationEnabled"`
		}{acct, "ACCOUNT", on})
	}
}
