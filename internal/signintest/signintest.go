package signintest

import (
	"crypto/sha256"
	"encoding/base64"
	"log/slog"
	"net/http"
	"net/url"
	"testing"

	"github.com/signet-auth/signet/api/signin"
	"github.com/signet-auth/signet/authserver"
	"github.com/signet-auth/signet/iamrole"
	"github.com/signet-auth/signet/internal/testenv"
)

// The user every environment has.
const (
	UserName     = testenv.UserName
	UserPassword = testenv.UserPassword
	AccountID    = testenv.AccountID
	RoleName     = "Admin"
	// PrincipalARN is what alice signs in as: her first assignment.
	PrincipalARN = testenv.PrincipalARN
)

// Options vary an environment.
type Options struct {
	Lifetimes authserver.Lifetimes
	// DPoPNonces turns server nonces on (off by default, as in the server).
	DPoPNonces bool
	Limiter    signin.Limiter
	Log        *slog.Logger
	// IAM: testenv.Options.IAM.
	IAM *iamrole.Config
}

// Env is one running server and its parts.
type Env struct {
	*testenv.Env
}

// New starts an environment and stops it when the test ends.
func New(t testing.TB, o Options) *Env {
	t.Helper()
	return &Env{testenv.New(t, testenv.Options{
		Lifetimes: o.Lifetimes, DPoPNonces: o.DPoPNonces, SignInLimiter: o.Limiter, Log: o.Log,
		DevAutoApprove: true, IAM: o.IAM,
	})}
}

// Challenge is the PKCE S256 challenge of verifier (RFC 7636 §4.2).
func Challenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// AuthorizeURL is the URL aws login opens (signin.md §6.1), with the
// CLI's SHA-256 method name.
func (e *Env) AuthorizeURL(clientID, redirectURI, verifier, state string) string {
	q := url.Values{
		"response_type": {"code"}, "client_id": {clientID}, "state": {state},
		"code_challenge_method": {"SHA-256"}, "scope": {"openid"},
		"redirect_uri": {redirectURI}, "code_challenge": {Challenge(verifier)},
	}
	return e.URL + "/v1/authorize?" + q.Encode()
}

// Code runs the browser step (approved by the pages' dev auto-approve) and
// returns the authorization code from the redirect.
func (e *Env) Code(t testing.TB, clientID, redirectURI, verifier string) string {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(e.AuthorizeURL(clientID, redirectURI, verifier, "state-1"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || loc.Query().Get("code") == "" {
		t.Fatalf("authorize: %s, Location %q", resp.Status, resp.Header.Get("Location"))
	}
	return loc.Query().Get("code")
}
