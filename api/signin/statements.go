package signin

import (
	"encoding/base64"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/api/awsjson"
	"github.com/signet-auth/signet/authserver"
	"github.com/signet-auth/signet/sigv4"
)

// Constraints of the statement operations (models/signin service-2.json).
var (
	vpcPattern         = regexp.MustCompile(`^vpc-([0-9a-f]{8}|[0-9a-f]{17})$`)
	vpcePattern        = regexp.MustCompile(`^vpce-[a-z0-9]{8,20}$`)
	regionPattern      = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-\d+$`)
	principalPattern   = regexp.MustCompile(`^arn:aws:((iam::[0-9]{12}:role/[a-zA-Z0-9_+=,.@-]{1,64})|(iam::[0-9]{12}:user/[a-zA-Z0-9_+=,.@-]{1,64})|(sts::[0-9]{12}:federated-user/[a-zA-Z0-9_+=,.@-]{2,193})|(iam::[0-9]{12}:root))$`)
	clientTokenPattern = regexp.MustCompile(`^[!-~]{1,64}$`)
	statementIDPattern = regexp.MustCompile(`^[A-Za-z0-9+/]{64}=?$`)
	nextTokenPattern   = regexp.MustCompile(`^[-a-zA-Z0-9+=/_]*$`) // and at most 2048 characters
)

const maxIPList = 1024 // sourceIp, vpcSourceIp: the model sets no bound; this one is ours

// putStatementInput is PutResourcePermissionStatementInput.
type putStatementInput struct {
	SourceVpc         *string `json:"sourceVpc"`
	SigninSourceVpce  *string `json:"signinSourceVpce"`
	ConsoleSourceVpce *string `json:"consoleSourceVpce"`
	VpcSourceIP       *string `json:"vpcSourceIp"`
	SourceIP          *string `json:"sourceIp"`
	RequestedRegion   *string `json:"requestedRegion"`
	ExcludedPrincipal *string `json:"excludedPrincipal"`
	ClientToken       *string `json:"clientToken"`
}

func (in putStatementInput) validate() *signet.Error {
	for _, c := range []struct {
		name string
		v    *string
		ok   func(string) bool
	}{
		{"sourceVpc", in.SourceVpc, vpcPattern.MatchString},
		{"signinSourceVpce", in.SigninSourceVpce, vpcePattern.MatchString},
		{"consoleSourceVpce", in.ConsoleSourceVpce, vpcePattern.MatchString},
		{"requestedRegion", in.RequestedRegion, regionPattern.MatchString},
		{"excludedPrincipal", in.ExcludedPrincipal, func(s string) bool { return len(s) >= 20 && len(s) <= 2048 && principalPattern.MatchString(s) }},
		{"clientToken", in.ClientToken, clientTokenPattern.MatchString},
		{"sourceIp", in.SourceIP, func(s string) bool { return s != "" && len(s) <= maxIPList }},
		{"vpcSourceIp", in.VpcSourceIP, func(s string) bool { return s != "" && len(s) <= maxIPList }},
	} {
		if c.v != nil && !c.ok(*c.v) {
			return invalid(c.name + " does not satisfy its constraint.")
		}
	}
	return nil
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// putStatement is PutResourcePermissionStatement.
func (h *Handler) putStatement(w http.ResponseWriter, r *http.Request, caller sigv4.Caller) {
	var in putStatementInput
	if err := readInput(r, &in); err != nil {
		h.writeControlError(w, r, err)
		return
	}
	if err := in.validate(); err != nil {
		h.writeControlError(w, r, err)
		return
	}
	st, err := h.Policies.PutSigninStatement(r.Context(), authserver.SigninStatementRequest{
		AccountID: caller.Principal.AccountID, ClientToken: str(in.ClientToken),
		Conditions: signet.SigninStatement{
			SourceIP: str(in.SourceIP), ExcludedPrincipal: str(in.ExcludedPrincipal), SourceVPC: str(in.SourceVpc),
			SigninSourceVPCE: str(in.SigninSourceVpce), ConsoleSourceVPCE: str(in.ConsoleSourceVpce),
			VPCSourceIP: str(in.VpcSourceIP), RequestedRegion: str(in.RequestedRegion),
		},
	})
	if err != nil {
		h.writeControlError(w, r, err)
		return
	}
	awsjson.WriteJSON(w, http.StatusOK, map[string]string{"statementId": st.ID})
}

// deleteStatement is DeleteResourcePermissionStatement: 200, empty body.
func (h *Handler) deleteStatement(w http.ResponseWriter, r *http.Request, caller sigv4.Caller) {
	var in struct {
		StatementID *string `json:"statementId"`
		ClientToken *string `json:"clientToken"`
	}
	if err := readInput(r, &in); err != nil {
		h.writeControlError(w, r, err)
		return
	}
	switch {
	case in.StatementID == nil || !statementIDPattern.MatchString(*in.StatementID):
		h.writeControlError(w, r, invalid("statementId is required: 64 characters of [A-Za-z0-9+/]."))
		return
	case in.ClientToken != nil && !clientTokenPattern.MatchString(*in.ClientToken):
		h.writeControlError(w, r, invalid("clientToken does not satisfy its constraint."))
		return
	}
	if err := h.Policies.DeleteSigninStatement(r.Context(), caller.Principal.AccountID, *in.StatementID, str(in.ClientToken)); err != nil {
		h.writeControlError(w, r, err)
		return
	}
	writeEmpty(w)
}

// statementSummary is PermissionStatementSummary.
type statementSummary struct {
	Sid       string                         `json:"sid"`
	Condition map[string]map[string][]string `json:"condition,omitempty"`
}

// listStatements is ListResourcePermissionStatements: the statements
// oldest first, maxResults (1–100, default 100) a page; nextToken names the
// last statement of the page before, so a statement deleted meanwhile
// loses no other.
func (h *Handler) listStatements(w http.ResponseWriter, r *http.Request, caller sigv4.Caller) {
	var in struct {
		MaxResults *int    `json:"maxResults"`
		NextToken  *string `json:"nextToken"`
	}
	if err := readInput(r, &in); err != nil {
		h.writeControlError(w, r, err)
		return
	}
	limit := 100
	if in.MaxResults != nil {
		if *in.MaxResults < 1 || *in.MaxResults > 100 {
			h.writeControlError(w, r, invalid("maxResults must be 1 to 100."))
			return
		}
		limit = *in.MaxResults
	}
	after, ok := parseNextToken(str(in.NextToken))
	if !ok || len(str(in.NextToken)) > 2048 || !nextTokenPattern.MatchString(str(in.NextToken)) {
		h.writeControlError(w, r, invalid("nextToken is not valid."))
		return
	}
	list, err := h.Policies.SigninStatements(r.Context(), caller.Principal.AccountID)
	if err != nil {
		h.writeControlError(w, r, err)
		return
	}
	if after != nil {
		i := slices.IndexFunc(list, func(s signet.SigninStatement) bool { return after.before(s) })
		if i < 0 {
			i = len(list)
		}
		list = list[i:]
	}
	out := struct {
		PermissionStatements []statementSummary `json:"permissionStatements"`
		NextToken            string             `json:"nextToken,omitempty"`
	}{PermissionStatements: []statementSummary{}}
	for i, s := range list {
		if i == limit {
			out.NextToken = nextToken(list[i-1])
			break
		}
		out.PermissionStatements = append(out.PermissionStatements, statementSummary{Sid: s.ID, Condition: conditionBlock(s)})
	}
	awsjson.WriteJSON(w, http.StatusOK, out)
}

// position is where a page ended: the last statement's creation time and
// id, the list's order.
type position struct {
	millis int64
	id     string
}

func (p *position) before(s signet.SigninStatement) bool {
	m := s.CreatedAt.UnixMilli()
	return m > p.millis || (m == p.millis && s.ID > p.id)
}

func nextToken(s signet.SigninStatement) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(s.CreatedAt.UnixMilli(), 10) + "." + s.ID))
}

// parseNextToken reads a nextToken; nil for none, ok false for one this
// server did not make.
func parseNextToken(tok string) (*position, bool) {
	if tok == "" {
		return nil, true
	}
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return nil, false
	}
	ms, id, found := strings.Cut(string(b), ".")
	n, err := strconv.ParseInt(ms, 10, 64)
	if !found || err != nil || !statementIDPattern.MatchString(id) {
		return nil, false
	}
	return &position{n, id}, true
}

// readInput decodes a control-plane body (an empty one is {}).
func readInput(r *http.Request, dst any) error {
	body, err := awsjson.ReadBody(r)
	if err != nil {
		return decodeFailed(err)
	}
	if err := awsjson.Unmarshal(body, dst); err != nil {
		return decodeFailed(err)
	}
	return nil
}
