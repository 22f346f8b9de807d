package authserver

import (
	"context"
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/signet-auth/signet"
)

// A Sign-In refresh the policy cannot be read for is refused with a 5xx
// and rotates nothing: it never goes through unchecked. Other protocols do
// not read the policy.
func TestSigninPolicyUnreadableFailsClosed(t *testing.T) {
	var down bool
	f := newFixture(t, func(c *Config) {
		c.SigninPolicies = downPolicies{&down}
	})
	u := f.user("alice")
	si := f.signInClient()
	tok := f.login(si, u)
	down = true
	_, err := f.srv.Token(f.ctx, f.refreshRequest(si, tok.RefreshToken))
	wantErr(t, err, signet.CodeInternal, "")
	_, err = f.srv.IssueCode(f.ctx, AuthorizeRequest{ClientID: si.Client.ID, UserID: u.ID, Protocol: signet.ProtocolSignIn,
		RedirectURI: "http://127.0.0.1:53219/oauth/callback", CodeChallenge: challengeOf(verifier), CodeChallengeMethod: "S256",
		ClientIP: netip.MustParseAddr("127.0.0.1")})
	wantErr(t, err, signet.CodeInternal, "")
	sso := f.ssoClient()
	f.login(sso, u) // SSO OIDC reads no Sign-In policy
	down = false
	f.token(f.refreshRequest(si, tok.RefreshToken)) // the token was left as it was
}

// downPolicies is a policy store with no policy whose reads fail while
// *down.
type downPolicies struct{ down *bool }

var _ signet.SigninPolicyStore = downPolicies{}

func (p downPolicies) SigninPolicies(context.Context) ([]signet.SigninPolicy, error) {
	if *p.down {
		return nil, errors.New("test: the database went away")
	}
	return nil, nil
}
func (downPolicies) PutSigninStatement(context.Context, signet.SigninStatement, int) (signet.SigninStatement, error) {
	return signet.SigninStatement{}, errors.New("unused")
}
func (downPolicies) ListSigninStatements(context.Context, string) ([]signet.SigninStatement, error) {
	return nil, nil
}
func (downPolicies) DeleteSigninStatement(context.Context, string, string, string, time.Time) error {
	return errors.New("unused")
}
func (downPolicies) SetConsoleAuthorization(context.Context, string, bool, time.Time) error {
	return errors.New("unused")
}
func (downPolicies) ConsoleAuthorization(context.Context, string) (bool, error) { return false, nil }
