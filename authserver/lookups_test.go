package authserver

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/signet-auth/signet"
)

// countingGrants passes every call through to the real store and counts
// the lookups of presented secrets.
type countingGrants struct {
	signet.GrantStore
	n atomic.Int64
}

func (c *countingGrants) RedeemCode(ctx context.Context, r signet.CodeRedemption) (signet.AuthorizationCode, signet.Session, signet.TokenGeneration, error) {
	c.n.Add(1)
	return c.GrantStore.RedeemCode(ctx, r)
}

func (c *countingGrants) Rotate(ctx context.Context, r signet.Rotation) (signet.RotationResult, error) {
	c.n.Add(1)
	return c.GrantStore.Rotate(ctx, r)
}

func (c *countingGrants) PollDevice(ctx context.Context, p signet.DevicePoll) (signet.DevicePollResult, error) {
	c.n.Add(1)
	return c.GrantStore.PollDevice(ctx, p)
}

func (c *countingGrants) GetDeviceByUserCode(ctx context.Context, d signet.Digest) (signet.DeviceAuthorization, error) {
	c.n.Add(1)
	return c.GrantStore.GetDeviceByUserCode(ctx, d)
}

func (c *countingGrants) LookupAccess(ctx context.Context, d signet.Digest) (signet.Session, signet.TokenGeneration, error) {
	c.n.Add(1)
	return c.GrantStore.LookupAccess(ctx, d)
}

func (c *countingGrants) LookupRefresh(ctx context.Context, d signet.Digest) (signet.Session, signet.TokenGeneration, error) {
	c.n.Add(1)
	return c.GrantStore.LookupRefresh(ctx, d)
}

// Garbage codes, tokens and user codes are refused before any lookup, with
// the answer an unknown one gets.
func TestMalformedSecretsNeverLookedUp(t *testing.T) {
	var counter *countingGrants
	f := newFixture(t, func(c *Config) {
		counter = &countingGrants{GrantStore: c.Grants}
		c.Grants = counter
	})
	sso, dev, u := f.ssoClient(), f.deviceClient(), f.user("alice")
	good := f.login(sso, u)
	n0 := counter.n.Load()
	sameLength := strings.Repeat("A", len(good.RefreshToken)-3)

	for _, code := range []string{"garbage", "sac_" + sameLength[:10], "sdc_" + sameLength[:len(sameLength)-1], good.RefreshToken} {
		_, err := f.srv.Token(f.ctx, f.codeRequest(sso, code))
		wantErr(t, err, signet.CodeInvalidGrant, signet.ReasonCodeExpired)
	}
	for _, rt := range []string{"garbage", "aor" + sameLength[1:], "ASOR" + sameLength[1:], good.AccessToken, "aor" + sameLength[:42] + "!"} {
		_, err := f.srv.Token(f.ctx, f.refreshRequest(sso, rt))
		wantErr(t, err, signet.CodeInvalidGrant, signet.ReasonTokenExpired)
	}
	for _, dc := range []string{"garbage", "sac_" + sameLength[1:]} {
		_, err := f.srv.Token(f.ctx, deviceRequest(dev, dc))
		wantErr(t, err, signet.CodeInvalidGrant, "")
	}
	for _, uc := range []string{"AEIO-UAEI", "BCDF", "<script>"} {
		_, err := f.srv.LookupUserCode(f.ctx, uc)
		wantErr(t, err, signet.CodeNotFound, "")
	}
	for _, tok := range []string{"garbage", good.AccessToken[:10]} {
		_, err := f.srv.LookupToken(f.ctx, TokenLookup{Token: tok})
		wantErr(t, err, signet.CodeInvalidGrant, "")
		if err := f.srv.RevokeToken(f.ctx, "", tok); err != nil {
			t.Fatal(err)
		}
	}
	if n := counter.n.Load() - n0; n != 0 {
		t.Fatalf("%d store lookups for malformed secrets", n)
	}
	f.token(f.refreshRequest(sso, good.RefreshToken))
	if counter.n.Load() == n0 {
		t.Fatal("the counter counts nothing")
	}
}

// SD-01: the one lookup, as Sign-In's WithIAM operations ask it: access
// and refresh tokens, of Sign-In only, of the caller's account only.
// Anything else is refused like a garbage token.
func TestSD01_LookupTokenScope(t *testing.T) {
	f := newFixture(t)
	u := f.user("alice")
	as := signet.Assignment{AccountID: "111111111111", RoleName: "Admin"}
	if err := f.srv.SetAssignments(f.ctx, u.ID, []signet.Assignment{as}); err != nil {
		t.Fatal(err)
	}
	si := f.signInClient()
	r := f.codeRequest(si, f.authorize(si, u, signet.ProtocolSignIn, func(r *AuthorizeRequest) { r.DPoPJKT, r.Assignment = jktA, as }))
	r.DPoPJKT = jktA
	resp := f.token(r)
	sso := f.login(f.ssoClient(), u)
	both := AccessTokens | RefreshTokens
	for _, tc := range []struct {
		name    string
		q       TokenLookup
		refresh bool
	}{
		{"access", TokenLookup{Token: resp.AccessToken, Kinds: both, Protocol: signet.ProtocolSignIn, AccountID: as.AccountID}, false},
		{"refresh", TokenLookup{Token: resp.RefreshToken, Kinds: both, Protocol: signet.ProtocolSignIn, AccountID: as.AccountID}, true},
	} {
		got, err := f.srv.LookupToken(f.ctx, tc.q)
		if err != nil || got.Session.ID != resp.Session.ID || got.Refresh != tc.refresh {
			t.Fatalf("%s: %+v, %v", tc.name, got, err)
		}
	}
	for name, q := range map[string]TokenLookup{
		"refresh token, access only": {Token: resp.RefreshToken, Protocol: signet.ProtocolSignIn},
		"another account":            {Token: resp.AccessToken, Kinds: both, Protocol: signet.ProtocolSignIn, AccountID: "222222222222"},
		"another protocol":           {Token: sso.AccessToken, Kinds: both, Protocol: signet.ProtocolSignIn},
		"garbage":                    {Token: "ASOAgarbage", Kinds: both, Protocol: signet.ProtocolSignIn},
	} {
		_, err := f.srv.LookupToken(f.ctx, q)
		if e := signet.AsError(err); e.Code != signet.CodeInvalidGrant || e.Reason != signet.ReasonTokenExpired {
			t.Errorf("%s: %v", name, err)
		}
	}
	// A rotated-out refresh token is inactive at once.
	next := f.token(TokenRequest{Protocol: signet.ProtocolSignIn, GrantType: signet.GrantRefreshToken,
		Client: PublicClient{ID: signInID}, RefreshToken: resp.RefreshToken, DPoPJKT: jktA})
	if _, err := f.srv.LookupToken(f.ctx, TokenLookup{Token: resp.RefreshToken, Kinds: both}); err == nil {
		t.Error("rotated-out refresh token still active")
	}
	if _, err := f.srv.LookupToken(f.ctx, TokenLookup{Token: next.RefreshToken, Kinds: both}); err != nil {
		t.Errorf("successor: %v", err)
	}
}
