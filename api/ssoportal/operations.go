package ssoportal

import (
	"encoding/base64"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/api/awsjson"
	"github.com/signet-auth/signet/awscreds"
)

// roleCredentials is the model's RoleCredentials; expiration is epoch
// milliseconds (credential-caches.md §3.4).
type roleCredentials struct {
	AccessKeyID     string `json:"accessKeyId"`
	SecretAccessKey string `json:"secretAccessKey"`
	SessionToken    string `json:"sessionToken"`
	Expiration      int64  `json:"expiration"`
}

type getRoleCredentialsOutput struct {
	RoleCredentials roleCredentials `json:"roleCredentials"`
}

// getRoleCredentials serves GetRoleCredentials: temporary credentials for
// one of the caller's assignments.
func (h *Handler) getRoleCredentials(w http.ResponseWriter, r *http.Request) {
	fail := func(e *apiError) { h.writeError(w, r, opGetRoleCredentials, e) }
	q, e := query(r)
	if e != nil {
		fail(e)
		return
	}
	a := signet.Assignment{AccountID: q.Get("account_id"), RoleName: q.Get("role_name")}
	if e := checkAccountID(a.AccountID); e != nil {
		fail(e)
		return
	}
	if !validRoleName(a.RoleName) {
		fail(invalidRequest("role_name must be 1 to 64 characters of letters, digits and +=,.@_-."))
		return
	}
	ctx := r.Context()
	c, e := h.authenticate(ctx, r)
	if e != nil {
		fail(e)
		return
	}
	if !slices.Contains(c.assignments(), a) {
		// Unassigned and nonexistent look alike.
		fail(notFound("No access to that account and role."))
		return
	}
	now := h.Clock.Now()
	life := h.RoleCredentialLifetime
	if life <= 0 {
		life = DefaultRoleCredentialLifetime
	}
	expiry := now.Add(life)
	if c.session.ExpiresAt.Before(expiry) {
		expiry = c.session.ExpiresAt
	}
	if !expiry.Truncate(time.Second).After(now) {
		// Less than a second of session left: nothing worth minting.
		fail(unauthorized(errors.New("session ends within a second")))
		return
	}
	creds, err := h.Credentials.RoleCredentials(ctx, awscreds.RoleRequest{
		Assignment: a, UserID: c.user.ID, UserName: c.user.Name, SessionID: c.session.ID, Expiry: expiry,
	})
	if err != nil {
		fail(credentialError(err))
		return
	}
	if h.Audit != nil {
		detail := "session=" + c.session.ID + " access_key=" + creds.AccessKeyID
		if creds.Principal.ARN != "" {
			// The assumed role STS answered for a bound role: the
			// record names the real AWS principal the keys act as.
			detail += " arn=" + creds.Principal.ARN
		}
		if err := h.Audit.Record(ctx, signet.AuditRecord{Event: signet.AuditCredentialsIssued,
			Actor: "user:" + c.user.Name, UserID: c.user.ID, ClientID: c.session.ClientID,
			AccountID: a.AccountID, RoleName: a.RoleName, Surface: "portal", Detail: detail}); err != nil {
			fail(internal(err))
			return
		}
	}
	awsjson.WriteJSON(w, http.StatusOK, getRoleCredentialsOutput{roleCredentials{
		AccessKeyID:     creds.AccessKeyID,
		SecretAccessKey: creds.SecretAccessKey,
		SessionToken:    creds.SessionToken,
		Expiration:      creds.Expiration.UnixMilli(),
	}})
}

type accountInfo struct {
	AccountID    string `json:"accountId"`
	AccountName  string `json:"accountName"`
	EmailAddress string `json:"emailAddress,omitempty"`
}

type listAccountsOutput struct {
	AccountList []accountInfo `json:"accountList"`
	NextToken   string        `json:"nextToken,omitempty"`
}

// listAccounts serves ListAccounts: the accounts the caller has a role in,
// ordered by id.
func (h *Handler) listAccounts(w http.ResponseWriter, r *http.Request) {
	fail := func(e *apiError) { h.writeError(w, r, opListAccounts, e) }
	q, e := query(r)
	if e != nil {
		fail(e)
		return
	}
	pg, e := parsePage(q.Get("next_token"), q.Get("max_result"), q.Has("max_result"))
	if e != nil {
		fail(e)
		return
	}
	c, e := h.authenticate(r.Context(), r)
	if e != nil {
		fail(e)
		return
	}
	var ids []string
	for _, a := range c.assignments() {
		ids = append(ids, a.AccountID)
	}
	slices.Sort(ids)
	page, next := pg.slice(slices.Compact(ids))
	out := listAccountsOutput{AccountList: []accountInfo{}, NextToken: next}
	for _, id := range page {
		acct := h.Accounts[id]
		name := acct.Name
		if name == "" {
			name = id
		}
		out.AccountList = append(out.AccountList, accountInfo{AccountID: id, AccountName: name, EmailAddress: acct.Email})
	}
	awsjson.WriteJSON(w, http.StatusOK, out)
}

type roleInfo struct {
	RoleName  string `json:"roleName"`
	AccountID string `json:"accountId"`
}

type listAccountRolesOutput struct {
	RoleList  []roleInfo `json:"roleList"`
	NextToken string     `json:"nextToken,omitempty"`
}

// listAccountRoles serves ListAccountRoles: the caller's roles in one
// account, ordered by name; none for an account the caller has no role in.
func (h *Handler) listAccountRoles(w http.ResponseWriter, r *http.Request) {
	fail := func(e *apiError) { h.writeError(w, r, opListAccountRoles, e) }
	q, e := query(r)
	if e != nil {
		fail(e)
		return
	}
	account := q.Get("account_id")
	if e := checkAccountID(account); e != nil {
		fail(e)
		return
	}
	pg, e := parsePage(q.Get("next_token"), q.Get("max_result"), q.Has("max_result"))
	if e != nil {
		fail(e)
		return
	}
	c, e := h.authenticate(r.Context(), r)
	if e != nil {
		fail(e)
		return
	}
	var roles []string
	for _, a := range c.assignments() {
		if a.AccountID == account {
			roles = append(roles, a.RoleName)
		}
	}
	slices.Sort(roles)
	page, next := pg.slice(slices.Compact(roles))
	out := listAccountRolesOutput{RoleList: []roleInfo{}, NextToken: next}
	for _, role := range page {
		out.RoleList = append(out.RoleList, roleInfo{RoleName: role, AccountID: account})
	}
	awsjson.WriteJSON(w, http.StatusOK, out)
}

// logout serves Logout: the session the token belongs to is revoked, so
// its tokens and every role credential minted for it stop working.
func (h *Handler) logout(w http.ResponseWriter, r *http.Request) {
	fail := func(e *apiError) { h.writeError(w, r, opLogout, e) }
	ctx := r.Context()
	c, e := h.authenticate(ctx, r)
	if e != nil {
		fail(e)
		return
	}
	if err := h.Engine.RevokeSession(ctx, c.session.ID); err != nil {
		fail(internal(err))
		return
	}
	// This node's cached liveness goes at once; other nodes' within the
	// authority's cache TTL.
	h.Credentials.ForgetSession(c.session.ID)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
}

// Pagination. The model bounds max_result to 1–100.
const (
	defaultMaxResults = 100
	maxMaxResults     = 100
	maxNextTokenLen   = 256
)

// page is a validated pagination request: start after the item named by
// after ("" for the first page), at most max items.
type page struct {
	after string
	max   int
}

// parsePage validates next_token and max_result. The next token is opaque
// to clients: base64url of the last item of the previous page; lists are
// sorted, so the next page starts after it even if the list changed.
func parsePage(token, maxResult string, hasMax bool) (page, *apiError) {
	p := page{max: defaultMaxResults}
	if hasMax {
		n, err := strconv.Atoi(maxResult)
		if err != nil || n < 1 || n > maxMaxResults {
			return p, invalidRequest("max_result must be between 1 and 100.")
		}
		p.max = n
	}
	if token != "" {
		b, err := base64.RawURLEncoding.DecodeString(token)
		if len(token) > maxNextTokenLen || err != nil || !strings.HasPrefix(string(b), "p1:") || len(b) == 3 {
			return p, invalidRequest("next_token is not valid.")
		}
		p.after = string(b[3:])
	}
	return p, nil
}

// slice returns the page of sorted items and the token of the next page
// ("" if this is the last).
func (p page) slice(items []string) ([]string, string) {
	start := 0
	if p.after != "" {
		start, _ = slices.BinarySearch(items, p.after)
		if start < len(items) && items[start] == p.after {
			start++
		}
	}
	end := min(start+p.max, len(items))
	if end >= len(items) {
		return items[start:], ""
	}
	return items[start:end], base64.RawURLEncoding.EncodeToString([]byte("p1:" + items[end-1]))
}

func checkAccountID(s string) *apiError {
	if len(s) != 12 || strings.Trim(s, "0123456789") != "" {
		return invalidRequest("account_id must be 12 digits.")
	}
	return nil
}

// validRoleName: IAM's role name rule, 1–64 of [\w+=,.@-]
// (https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html).
func validRoleName(s string) bool {
	if len(s) < 1 || len(s) > 64 {
		return false
	}
	for i := range len(s) {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("+=,.@_-", c) >= 0) {
			return false
		}
	}
	return true
}
