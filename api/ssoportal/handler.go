package ssoportal

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/authserver"
	"github.com/signet-auth/signet/awscreds"
	"github.com/signet-auth/signet/sigv4"
)

// Engine is what the portal needs from the engine; *authserver.Server
// implements it.
type Engine interface {
	LookupToken(ctx context.Context, q authserver.TokenLookup) (authserver.TokenInfo, error)
	RevokeSession(ctx context.Context, id string) error
}

var _ Engine = (*authserver.Server)(nil)

// UserGetter reads a user; signet.UserStore implements it.
type UserGetter interface {
	GetUser(ctx context.Context, id string) (signet.User, error)
}

// CredentialMinter hands out role credentials, local (*awscreds.Authority)
// or from a real IAM role (the wiring's per-assignment source), and forgets
// a session's cached liveness. Its errors are *signet.Error values.
type CredentialMinter interface {
	RoleCredentials(ctx context.Context, r awscreds.RoleRequest) (awscreds.Credentials, error)
	ForgetSession(sessionID string)
}

var _ CredentialMinter = (*awscreds.Authority)(nil)

// Account is what ListAccounts shows of an AWS account besides its id.
type Account struct {
	Name  string // empty: the account id
	Email string // empty: omitted
}

// DefaultRoleCredentialLifetime is how long role credentials last when
// Handler.RoleCredentialLifetime is zero; AWS's default role session is an
// hour too.
const DefaultRoleCredentialLifetime = time.Hour

// Handler serves the portal. Engine, Users, Credentials, Clock and Rand are
// required; Mount panics without them.
type Handler struct {
	Engine      Engine
	Users       UserGetter
	Credentials CredentialMinter
	Clock       signet.Clock
	Rand        io.Reader    // request ids
	Log         *slog.Logger // nil: discard

	// RoleCredentialLifetime bounds role credentials (they never outlive
	// the session either); 0: DefaultRoleCredentialLifetime. It must not
	// exceed the credential authority's maximum (12 hours by default).
	RoleCredentialLifetime time.Duration
	// Accounts names accounts for ListAccounts; optional.
	Accounts map[string]Account
	// Audit records each credential handed out; nil records none. When a
	// record cannot be written the credentials are withheld (catalogue
	// AU-02).
	Audit Auditor
}

// Auditor records security events; *audit.Recorder implements it.
type Auditor interface {
	Record(ctx context.Context, r signet.AuditRecord) error
}

// The scope a session needs for the portal when it has scopes at all (the
// CLI registers with it; legacy device-flow registrations have none).
const scopeAccountAccess = "sso:account:access"

// tokenHeader carries the SSO OIDC access token (the model's accessToken
// member, location header).
const tokenHeader = "x-amz-sso_bearer_token"

// maxTokenLen bounds the header before any lookup (catalogue IN-05).
const maxTokenLen = authserver.MaxTokenLen

const requestIDHeader = "x-amzn-RequestId"

// caller is an authenticated portal request: the session its token belongs
// to and the session's user.
type caller struct {
	session signet.Session
	user    signet.User
}

// authenticate checks the bearer token. Every failure is the same
// UnauthorizedException: unknown, expired, rotated-out and revoked tokens,
// tokens of another protocol, and users disabled or with changed
// credentials look alike.
func (h *Handler) authenticate(ctx context.Context, r *http.Request) (caller, *apiError) {
	vs := r.Header.Values(tokenHeader)
	if len(vs) != 1 || vs[0] == "" || len(vs[0]) > maxTokenLen {
		return caller{}, unauthorized(errors.New("missing, repeated or over-long token header"))
	}
	t, err := h.Engine.LookupToken(ctx, authserver.TokenLookup{Token: vs[0], Protocol: signet.ProtocolSSOOIDC})
	sess := t.Session
	if err != nil {
		if c := signet.ErrorCodeOf(err); c == signet.CodeInternal || c == signet.CodeUnavailable {
			return caller{}, internal(err)
		}
		return caller{}, unauthorized(err)
	}
	switch {
	case sess.UserID == "":
		return caller{}, unauthorized(errors.New("session without a user"))
	case len(sess.Scopes) > 0 && !slices.Contains(sess.Scopes, scopeAccountAccess):
		return caller{}, unauthorized(errors.New("session lacks " + scopeAccountAccess))
	}
	u, err := h.Users.GetUser(ctx, sess.UserID)
	switch {
	case errors.Is(err, signet.ErrNotFound):
		return caller{}, unauthorized(err)
	case err != nil:
		return caller{}, internal(err)
	case u.Disabled:
		return caller{}, unauthorized(errors.New("user disabled"))
	case u.CredentialsChangedAt.After(sess.AuthTime):
		return caller{}, unauthorized(errors.New("user credentials changed after the session began"))
	}
	return caller{session: sess, user: u}, nil
}

// assignments returns what the caller may act as: the user's assignments,
// narrowed to the session's own assignment where it has one.
func (c caller) assignments() []signet.Assignment {
	if c.session.Assignment != (signet.Assignment{}) {
		if slices.Contains(c.user.Assignments, c.session.Assignment) {
			return []signet.Assignment{c.session.Assignment}
		}
		return nil
	}
	return c.user.Assignments
}

// query parses the query string strictly: a parameter given twice is
// refused rather than "last one wins" (catalogue IN-03), and only the
// names the operation knows are read.
func query(r *http.Request) (url.Values, *apiError) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, invalidRequest("The query string is malformed.")
	}
	for _, v := range q {
		if len(v) > 1 {
			return nil, invalidRequest("A query parameter is given more than once.")
		}
	}
	return q, nil
}

// frame gives every response its request id first.
func (h *Handler) frame(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set(requestIDHeader, sigv4.RequestID(r, h.Rand))
		next.ServeHTTP(w, r)
	})
}
