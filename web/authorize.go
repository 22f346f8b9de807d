package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/httpserver"
)

// authzRequest is an authorization request after validation: the client and
// the redirect URI are established, everything else checked. It travels
// sealed in the consent form (flowState).
type authzRequest struct {
	Protocol      signet.Protocol `json:"p"`
	ClientID      string          `json:"c"`
	RedirectURI   string          `json:"r"`
	State         string          `json:"s,omitempty"`
	Scopes        []string        `json:"sc,omitempty"`
	CodeChallenge string          `json:"cc,omitempty"`
	Nonce         string          `json:"n,omitempty"`
	DPoPJKT       string          `json:"j,omitempty"`
}

// flowState carries a request from the page that shows it to the POST that
// decides it: sealed, bound to the browser session and the user the page was
// shown to, and short-lived (catalogue WB-05). Being sealed, it is also the
// per-request secret a forged approval cannot produce.
type flowState struct {
	SessionID string        `json:"sid"`
	UserID    string        `json:"uid"`
	Expires   time.Time     `json:"exp"`
	Authz     *authzRequest `json:"az,omitempty"`
	UserCode  string        `json:"uc,omitempty"` // normalised; device decisions
}

// pageError is a failure shown on an error page: the client or its
// redirect URI is not established, so nothing may be sent to it
// (catalogue WB-03; RFC 6749 §4.1.2.1).
type pageError struct {
	status       int
	title, msg   string
	internalNote string
}

func (e *pageError) Error() string { return e.title + ": " + e.internalNote }

// redirectError is a failure reported to the (validated) redirect URI.
type redirectError struct {
	code string // RFC 6749 §4.1.2.1 / OIDC Core §3.1.2.6 error code
}

func (e *redirectError) Error() string { return e.code }

// Fixed error descriptions: caller input is never copied into
// error_description (catalogue WB-07).
func describe(code string) string {
	switch code {
	case "invalid_request":
		return "The authorization request is missing a parameter or has an invalid one."
	case "unsupported_response_type":
		return "Only response_type=code is supported."
	case "invalid_scope":
		return "The requested scope is not allowed for this client."
	case "unauthorized_client":
		return "This client may not use the authorization code grant."
	case "access_denied":
		return "The user denied the request."
	case "login_required":
		return "The user is not signed in."
	case "consent_required":
		return "The user must approve the request."
	case "temporarily_unavailable":
		return "The service is temporarily unavailable."
	}
	return "The request could not be completed."
}

func errUnknownClient() *pageError {
	return &pageError{status: http.StatusBadRequest, title: "Unknown application",
		msg:          "The application that sent you here is not registered with this server. Nothing was shared with it.",
		internalNote: "unknown client"}
}

func errBadRedirect() *pageError {
	return &pageError{status: http.StatusBadRequest, title: "Invalid redirect address",
		msg:          "The application asked to send you to an address it has not registered. Nothing was shared with it.",
		internalNote: "redirect_uri not allowed"}
}

// Bounds on what we echo or store.
const (
	maxState = 1024
	maxNonce = 512
	maxScope = 128
)

// parseAuthorize validates an authorization request for protocol p. The
// order matters (catalogue WB-03): first the client and redirect URI, whose
// failures are a *pageError; only then the rest, whose failures are a
// *redirectError to be sent to the established redirect URI. The returned
// request is usable (for State and RedirectURI) with a *redirectError.
func (h *Handler) parseAuthorize(ctx context.Context, p signet.Protocol, q url.Values) (*authzRequest, signet.Client, error) {
	// RFC 6749 §3.1: parameters must not be repeated.
	if len(q["client_id"]) != 1 || len(q["redirect_uri"]) != 1 {
		if len(q["client_id"]) != 1 {
			return nil, signet.Client{}, errUnknownClient()
		}
		return nil, signet.Client{}, errBadRedirect()
	}
	clientID, redirectURI := q.Get("client_id"), q.Get("redirect_uri")
	c, err := h.lookupClient(ctx, p, clientID)
	if err != nil {
		return nil, c, err
	}
	if !h.redirectAllowed(p, c, redirectURI) {
		return nil, c, errBadRedirect()
	}
	req := &authzRequest{Protocol: p, ClientID: c.ID, RedirectURI: redirectURI}
	if s := q["state"]; len(s) == 1 && len(s[0]) <= maxState {
		req.State = s[0]
	} else if len(s) > 0 {
		return req, c, &redirectError{"invalid_request"}
	}
	for _, v := range q {
		if len(v) > 1 {
			return req, c, &redirectError{"invalid_request"}
		}
	}

	switch rt := q.Get("response_type"); rt {
	case "code":
	case "":
		return req, c, &redirectError{"invalid_request"}
	default:
		return req, c, &redirectError{"unsupported_response_type"}
	}
	if p != signet.ProtocolSignIn && len(c.GrantTypes) > 0 && !c.AllowsGrant(signet.GrantAuthorizationCode) {
		return req, c, &redirectError{"unauthorized_client"}
	}

	// PKCE is mandatory and S256 only (catalogue AC-04, AC-05; RFC 7636
	// §4.3, RFC 9700 §2.1.1): a missing method is not "plain".
	method := q.Get("code_challenge_method")
	if p == signet.ProtocolSignIn && method == "SHA-256" {
		method = "S256" // what aws login sends (signin.md §6.1)
	}
	if method != "S256" || !isChallenge(q.Get("code_challenge")) {
		return req, c, &redirectError{"invalid_request"}
	}
	req.CodeChallenge = q.Get("code_challenge")

	scopes, code := h.requestScopes(p, c, q)
	if code != "" {
		return req, c, &redirectError{code}
	}
	req.Scopes = scopes

	if p == signet.ProtocolOAuth2 {
		req.Nonce = q.Get("nonce")
		req.DPoPJKT = q.Get("dpop_jkt")
		if len(req.Nonce) > maxNonce || (req.DPoPJKT != "" && !isChallenge(req.DPoPJKT)) {
			return req, c, &redirectError{"invalid_request"}
		}
	}
	return req, c, nil
}

// lookupClient resolves client_id for protocol p. Sign-In accepts only its
// two built-in clients; the others only stored clients that have not
// expired.
func (h *Handler) lookupClient(ctx context.Context, p signet.Protocol, id string) (signet.Client, error) {
	if p == signet.ProtocolSignIn {
		c, ok := signInClient(id)
		if !ok {
			return c, errUnknownClient()
		}
		return c, nil
	}
	if id == "" || len(id) > 512 {
		return signet.Client{}, errUnknownClient()
	}
	c, err := h.backend.Client(ctx, id)
	switch {
	case signet.ErrorCodeOf(err) == signet.CodeNotFound:
		return c, errUnknownClient()
	case err != nil:
		return c, err
	case !c.ExpiresAt.IsZero() && !h.clock.Now().Before(c.ExpiresAt):
		return c, errUnknownClient()
	}
	return c, nil
}

func (h *Handler) redirectAllowed(p signet.Protocol, c signet.Client, uri string) bool {
	if uri == "" || len(uri) > 2048 {
		return false
	}
	if p == signet.ProtocolSignIn {
		return h.signInRedirectAllowed(c.ID, uri)
	}
	return h.backend.MatchRedirectURI(c, uri)
}

// requestScopes returns the scopes asked for, or an error code. The AWS CLI
// sends "scopes" (plural) to /authorize (sso-oidc.md §7); "scope" is the
// RFC 6749 name. None asked for means the client's registered scopes.
func (h *Handler) requestScopes(p signet.Protocol, c signet.Client, q url.Values) ([]string, string) {
	raw := q.Get("scope")
	if p == signet.ProtocolSSOOIDC && q.Has("scopes") {
		raw = q.Get("scopes")
	}
	scopes := strings.Fields(raw)
	for _, s := range scopes {
		if !signet.ScopeToken(s, maxScope) {
			return nil, "invalid_scope"
		}
	}
	slices.Sort(scopes)
	scopes = slices.Compact(scopes)
	if p == signet.ProtocolSignIn {
		// aws login asks for openid, and that is all Sign-In grants.
		if len(scopes) == 0 {
			return []string{"openid"}, ""
		}
		if !slices.Equal(scopes, []string{"openid"}) {
			return nil, "invalid_scope"
		}
		return scopes, ""
	}
	if len(scopes) == 0 {
		return slices.Clone(c.Scopes), ""
	}
	if len(c.Scopes) > 0 {
		for _, s := range scopes {
			if !slices.Contains(c.Scopes, s) {
				return nil, "invalid_scope"
			}
		}
	}
	return scopes, ""
}

// isChallenge reports whether s is 43 characters of unpadded base64url: the
// encoding of a SHA-256 hash (a PKCE S256 challenge, RFC 7636 §4.2; an RFC
// 7638 thumbprint for dpop_jkt).
func isChallenge(s string) bool {
	if len(s) != 43 {
		return false
	}
	for i := 0; i < len(s); i++ {
		b := s[i]
		if !(b >= 'A' && b <= 'Z' || b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || b == '-' || b == '_') {
			return false
		}
	}
	// 43 characters carry 258 bits; the last one must leave the 2 spare
	// bits zero for the string to be canonical.
	return strings.IndexByte("AEIMQUYcgkosw048", s[42]) >= 0
}

// authorize serves GET /authorize, /oauth2/authorize and /v1/authorize.
func (h *Handler) authorize(p signet.Protocol) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		req, c, err := h.parseAuthorize(r.Context(), p, q)
		var pe *pageError
		var re *redirectError
		switch {
		case errors.As(err, &pe):
			h.log.InfoContext(r.Context(), "web: authorization request refused", "protocol", p, "reason", pe.internalNote)
			h.errorPage(w, r, pe.status, pe.title, pe.msg)
			return
		case errors.As(err, &re):
			if p == signet.ProtocolSignIn && !h.signedIn(r) {
				// Sign-In redirects only after the user authenticates
				// (signin.md §6.2): before that, a malformed request gets a
				// page, so an anonymous link cannot bounce a browser to a
				// local listener with a state of its choosing (WB-11).
				h.log.InfoContext(r.Context(), "web: authorization request refused", "protocol", p, "reason", re.code)
				h.errorPage(w, r, http.StatusBadRequest, "Invalid sign-in request", describe(re.code))
				return
			}
			h.redirectError(w, r, req, re.code)
			return
		case err != nil:
			h.internalError(w, r, err)
			return
		}
		if h.opts.DevAutoApprove {
			h.autoApprove(w, r, req, c)
			return
		}
		s, err := h.ensureSession(w, r)
		if err != nil {
			h.internalError(w, r, err)
			return
		}
		// OIDC Core §3.1.2.1 prompt. "none" cannot succeed, since every
		// request is shown to the user.
		prompt := strings.Fields(q.Get("prompt"))
		if p == signet.ProtocolOAuth2 && slices.Contains(prompt, "none") {
			code := "consent_required"
			if !s.signedIn() {
				code = "login_required"
			}
			h.redirectError(w, r, req, code)
			return
		}
		fresh, err := h.needsFreshLogin(q, s, prompt)
		if err != nil {
			h.redirectError(w, r, req, "invalid_request")
			return
		}
		if fresh {
			// The login page comes back here without prompt and max_age,
			// and with a mark of the sign-in that was not good enough: a
			// request that comes back under that same sign-in (the person
			// went back instead of signing in) asks again.
			q.Del("prompt")
			q.Del("max_age")
			q.Del(reauthParam)
			if s.signedIn() {
				q.Set(reauthParam, reauthMark(s))
			}
			seeOther(w, "/login?force=1&return="+url.QueryEscape(r.URL.Path+"?"+q.Encode()))
			return
		}
		if !s.signedIn() {
			seeOther(w, "/login?return="+url.QueryEscape(r.URL.Path+"?"+r.URL.RawQuery))
			return
		}
		h.consentPage(w, r, s, req, c)
	}
}

// signedIn reports whether r comes from a signed-in browser session; a
// session that cannot be read counts as not signed in.
func (h *Handler) signedIn(r *http.Request) bool {
	s, err := h.session(r)
	return err == nil && s.signedIn()
}

type assignmentView struct {
	Value, AccountID, RoleName string
	Checked                    bool
}

type consentView struct {
	common
	ClientName  string
	Unverified  bool
	UserName    string
	Scopes      []string
	Assignments []assignmentView
	RedirectTo  string
	FormCSRF    string
	Flow        string
}

func assignmentValue(a signet.Assignment) string { return a.AccountID + "/" + a.RoleName }

// consentPage shows the request and the Approve and Deny buttons, with the
// request sealed in the form (flowState).
func (h *Handler) consentPage(w http.ResponseWriter, r *http.Request, s *browserSession, req *authzRequest, c signet.Client) {
	v := consentView{
		common:     h.common("Approve sign-in", s),
		ClientName: c.Name,
		Unverified: c.Dynamic,
		UserName:   s.user.Name,
		Scopes:     req.Scopes,
		RedirectTo: redirectDisplay(req.RedirectURI),
		FormCSRF:   csrfToken(s),
	}
	if req.Protocol == signet.ProtocolSignIn {
		if len(s.user.Assignments) == 0 {
			h.noAWSAccess(w, r)
			return
		}
		for i, a := range s.user.Assignments {
			v.Assignments = append(v.Assignments, assignmentView{Value: assignmentValue(a), AccountID: a.AccountID, RoleName: a.RoleName, Checked: i == 0})
		}
	}
	flow, err := h.seal(flowState{SessionID: s.ID, UserID: s.UserID, Expires: h.clock.Now().Add(flowLifetime), Authz: req}, adFlow)
	if err != nil {
		h.internalError(w, r, err)
		return
	}
	v.Flow = flow
	h.render(w, r, http.StatusOK, "consent", v)
}

func (h *Handler) noAWSAccess(w http.ResponseWriter, r *http.Request) {
	h.errorPage(w, r, http.StatusForbidden, "No AWS access",
		"Your user has no AWS account and role assigned, so there is nothing to sign in to. Ask an administrator to assign you one.")
}

// redirectDisplay is the scheme, host and path a redirect goes to, for the
// consent page to show.
func redirectDisplay(uri string) string {
	u, err := url.Parse(uri)
	if err != nil {
		return ""
	}
	return u.Scheme + "://" + u.Host + u.Path
}

// openFlow opens the flow state of a decision POST and checks it belongs to
// this browser session and its signed-in user and is still fresh
// (catalogue WB-05).
func (h *Handler) openFlow(r *http.Request, s *browserSession) (flowState, bool) {
	var f flowState
	if !s.signedIn() || !h.open(r.PostForm.Get("flow"), adFlow, &f) {
		return f, false
	}
	ok := f.SessionID == s.ID && f.UserID == s.UserID && h.clock.Now().Before(f.Expires)
	return f, ok
}

func (h *Handler) staleFlow(w http.ResponseWriter, r *http.Request) {
	h.errorPage(w, r, http.StatusForbidden, "Request expired",
		"This approval is no longer valid: it expired, or it was started in another browser or by another user. Start again from your application.")
}

// consentDecision serves POST /consent.
func (h *Handler) consentDecision(w http.ResponseWriter, r *http.Request, s *browserSession) {
	f, ok := h.openFlow(r, s)
	if !ok || f.Authz == nil {
		h.staleFlow(w, r)
		return
	}
	req := f.Authz
	switch r.PostForm.Get("decision") {
	case "deny":
		h.log.InfoContext(r.Context(), "web: user denied authorization", "client", req.ClientID, "user", s.UserID)
		h.redirectError(w, r, req, "access_denied")
		return
	case "approve":
	default:
		h.errorPage(w, r, http.StatusBadRequest, "Choose Approve or Deny", "The form was sent without a decision. Go back and choose Approve or Deny.")
		return
	}
	var a signet.Assignment
	if req.Protocol == signet.ProtocolSignIn {
		i := slices.IndexFunc(s.user.Assignments, func(a signet.Assignment) bool {
			return assignmentValue(a) == r.PostForm.Get("assignment")
		})
		if i < 0 {
			h.errorPage(w, r, http.StatusBadRequest, "Choose an account and role",
				"Choose one of the AWS accounts and roles on the list. Go back and try again.")
			return
		}
		a = s.user.Assignments[i]
	}
	// The engine checks the session's factors once more (catalogue MF-03).
	if err := h.approvalAllowed(r.Context(), s.UserID, s.record.AMR); err != nil {
		h.refuseUnverified(w, r, err)
		return
	}
	h.issue(w, r, req, s.user, a, s.AuthTime, s.record.AMR)
}

// issue has the engine store a code and sends it to the client.
func (h *Handler) issue(w http.ResponseWriter, r *http.Request, req *authzRequest, u signet.User, a signet.Assignment, authTime time.Time, amr []string) {
	code, err := h.backend.IssueCode(r.Context(), CodeRequest{
		ClientID:            req.ClientID,
		UserID:              u.ID,
		Protocol:            req.Protocol,
		RedirectURI:         req.RedirectURI,
		Scopes:              req.Scopes,
		CodeChallenge:       req.CodeChallenge,
		CodeChallengeMethod: "S256",
		Nonce:               req.Nonce,
		DPoPJKT:             req.DPoPJKT,
		Assignment:          a,
		AuthTime:            authTime,
		ClientIP:            httpserver.ClientIP(r),
		AMR:                 amr,
	})
	if err != nil {
		e := signet.AsError(err)
		if e.Reason == signet.ReasonNetworkDenied {
			// The account's Sign-In policy: a page, never a redirect that
			// would hand the client a reason to retry (signin.md §6.2).
			h.log.InfoContext(r.Context(), "web: sign-in refused by the account's policy", "client", req.ClientID, "user", u.ID, "err", err)
			h.errorPage(w, r, http.StatusForbidden, "Sign-in not allowed from this network",
				"The AWS account's sign-in policy does not allow signing in from the network you are on. Connect from an allowed network, or ask the account's administrator.")
			return
		}
		if errors.Is(err, signet.ErrUnavailable) {
			// The store is down or gave up: the client may try again
			// (RFC 6749 §4.1.2.1), as the pages' 503 says (catalogue CC-06).
			h.log.ErrorContext(r.Context(), "web: issuing code", "client", req.ClientID, "err", err)
			h.redirectError(w, r, req, string(signet.CodeUnavailable))
			return
		}
		switch e.Code {
		case signet.CodeInvalidRequest, signet.CodeInvalidScope, signet.CodeUnauthorizedClient, signet.CodeAccessDenied, signet.CodeUnavailable:
			h.log.InfoContext(r.Context(), "web: code refused", "client", req.ClientID, "err", err)
			h.redirectError(w, r, req, string(e.Code))
		default:
			h.log.ErrorContext(r.Context(), "web: issuing code", "client", req.ClientID, "err", err)
			h.redirectError(w, r, req, "server_error")
		}
		return
	}
	v := url.Values{"code": {code}}
	if req.State != "" {
		v.Set("state", req.State)
	}
	if req.Protocol == signet.ProtocolOAuth2 {
		v.Set("iss", h.opts.Issuer) // RFC 9207
	}
	h.sendBack(w, r, req.RedirectURI, v)
}

// redirectError sends an error to the client's validated redirect URI
// with the state and the issuer (RFC 6749 §4.1.2.1, RFC 9207).
func (h *Handler) redirectError(w http.ResponseWriter, r *http.Request, req *authzRequest, code string) {
	v := url.Values{"error": {code}, "error_description": {describe(code)}, "iss": {h.opts.Issuer}}
	if req.State != "" {
		v.Set("state", req.State)
	}
	h.sendBack(w, r, req.RedirectURI, v)
}

// sendBack redirects (303) to uri with v added to its query. uri is always
// one that parseAuthorize established.
func (h *Handler) sendBack(w http.ResponseWriter, r *http.Request, uri string, v url.Values) {
	u, err := url.Parse(uri)
	if err != nil {
		h.internalError(w, r, err)
		return
	}
	if u.RawQuery != "" {
		u.RawQuery += "&" + v.Encode()
	} else {
		u.RawQuery = v.Encode()
	}
	u.Fragment, u.RawFragment = "", ""
	seeOther(w, u.String())
}
