package authserver

import (
	"strings"
	"testing"
	"time"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/secret"
)

func TestAuthorizationCodeFlow(t *testing.T) {
	f := newFixture(t)
	c, u := f.ssoClient(), f.user("alice")
	resp := f.login(c, u)
	if !secret.WellFormed(resp.AccessToken, secret.PrefixSSOAccess) || !secret.WellFormed(resp.RefreshToken, secret.PrefixSSORefresh) {
		t.Fatalf("token prefixes: %q %q", resp.AccessToken, resp.RefreshToken)
	}
	if resp.ExpiresIn != time.Hour || resp.ExpiresInSeconds() != 3600 {
		t.Fatalf("ExpiresIn %v", resp.ExpiresIn)
	}
	if resp.UserID != u.ID || resp.ClientID != c.Client.ID || resp.Nonce != "n-0S6_WzA2Mj" || !resp.AuthTime.Equal(f.clock.Now()) {
		t.Fatalf("ID token material: %+v", resp)
	}
	if resp.Session.Protocol != signet.ProtocolSSOOIDC || resp.Tokens.Generation != 0 || resp.Seed == "" {
		t.Fatalf("session %+v tokens %+v", resp.Session, resp.Tokens)
	}
	if !f.active(resp.AccessToken) {
		t.Fatal("fresh access token inactive")
	}
	if f.obs.count(signet.ProtocolSSOOIDC, signet.GrantAuthorizationCode) != 1 {
		t.Fatal("observer not told")
	}
}

// AC-01: no verifier for a code issued with a challenge → invalid_grant.
func TestAC01_MissingVerifierRejected(t *testing.T) {
	f := newFixture(t)
	c, u := f.ssoClient(), f.user("alice")
	r := f.codeRequest(c, f.authorize(c, u, signet.ProtocolSSOOIDC))
	r.CodeVerifier = ""
	_, err := f.srv.Token(f.ctx, r)
	wantErr(t, err, signet.CodeInvalidGrant, signet.ReasonPKCEMismatch)
}

// AC-02: a wrong verifier burns the code; the right one afterwards fails too.
func TestAC02_FailedVerifierBurnsCode(t *testing.T) {
	f := newFixture(t)
	c, u := f.ssoClient(), f.user("alice")
	r := f.codeRequest(c, f.authorize(c, u, signet.ProtocolSSOOIDC))
	wrong := r
	wrong.CodeVerifier = strings.Repeat("a", 64)
	_, err := f.srv.Token(f.ctx, wrong)
	wantErr(t, err, signet.CodeInvalidGrant, signet.ReasonPKCEMismatch)
	_, err = f.srv.Token(f.ctx, r)
	wantErr(t, err, signet.CodeInvalidGrant, signet.ReasonCodeExpired)
}

// AC-03: a malformed verifier is invalid_request before any lookup, so the
// code is not burned by it.
func TestAC03_MalformedVerifier(t *testing.T) {
	f := newFixture(t)
	c, u := f.ssoClient(), f.user("alice")
	r := f.codeRequest(c, f.authorize(c, u, signet.ProtocolSSOOIDC))
	for _, v := range []string{
		strings.Repeat("a", 42), strings.Repeat("a", 129),
		strings.Repeat("a", 42) + " ", strings.Repeat("a", 42) + "+", strings.Repeat("a", 42) + "/",
		strings.Repeat("a", 42) + "=", strings.Repeat("a", 42) + "é",
	} {
		bad := r
		bad.CodeVerifier = v
		_, err := f.srv.Token(f.ctx, bad)
		wantErr(t, err, signet.CodeInvalidRequest, "")
	}
	f.token(r) // the code survived every malformed attempt
}

// AC-04: no code without PKCE.
func TestAC04_ChallengeRequired(t *testing.T) {
	f := newFixture(t)
	c, u := f.ssoClient(), f.user("alice")
	_, err := f.srv.IssueCode(f.ctx, AuthorizeRequest{
		ClientID: c.Client.ID, UserID: u.ID, Protocol: signet.ProtocolSSOOIDC, RedirectURI: loopbackCB,
	})
	wantErr(t, err, signet.CodeInvalidRequest, "")
}

// AC-05: plain, missing or unknown methods, and challenges that are not 43
// characters of base64url, are refused.
func TestAC05_OnlyS256(t *testing.T) {
	f := newFixture(t)
	c, u := f.ssoClient(), f.user("alice")
	good := challengeOf(verifier)
	for _, tc := range []struct{ method, challenge string }{
		{"plain", good}, {"", good}, {"SHA-256", good}, {"s256", good},
		{"S256", good[:42]}, {"S256", good + "A"}, {"S256", good[:42] + "="}, {"S256", good[:42] + "+"},
		{"S256", ""}, {"S256", verifier},
	} {
		_, err := f.srv.IssueCode(f.ctx, AuthorizeRequest{
			ClientID: c.Client.ID, UserID: u.ID, Protocol: signet.ProtocolSSOOIDC, RedirectURI: loopbackCB,
			CodeChallenge: tc.challenge, CodeChallengeMethod: tc.method,
		})
		wantErr(t, err, signet.CodeInvalidRequest, "")
	}
}

// AC-06: a stored code without a challenge never redeems, verifier or not.
func TestAC06_StoredCodeWithoutChallengeNeverRedeems(t *testing.T) {
	f := newFixture(t)
	c, u := f.ssoClient(), f.user("alice")
	for _, tc := range []struct{ method, challenge string }{
		{"", ""}, {"plain", ""}, {"S256", ""},
		// A migrated row with the right challenge but no S256 method.
		{"", challengeOf(verifier)}, {"plain", challengeOf(verifier)},
	} {
		code, digest, err := f.srv.minter.New(secret.PrefixCode)
		if err != nil {
			t.Fatal(err)
		}
		now := f.clock.Now()
		err = f.stores.Grants.CreateCode(f.ctx, signet.AuthorizationCode{
			Digest: digest, ClientID: c.Client.ID, UserID: u.ID, Protocol: signet.ProtocolSSOOIDC,
			RedirectURI: "http://127.0.0.1:53219/oauth/callback", CodeChallengeMethod: tc.method, CodeChallenge: tc.challenge,
			AuthTime: now, CreatedAt: now, ExpiresAt: now.Add(time.Minute),
		})
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.srv.Token(f.ctx, f.codeRequest(c, code))
		wantErr(t, err, signet.CodeInvalidGrant, signet.ReasonPKCEMismatch)
	}
}

// AC-07: a second redemption fails and revokes what the first one issued.
func TestAC07_CodeReuseRevokesTokens(t *testing.T) {
	f := newFixture(t)
	c, u := f.ssoClient(), f.user("alice")
	r := f.codeRequest(c, f.authorize(c, u, signet.ProtocolSSOOIDC))
	first := f.token(r)
	f.clock.Add(time.Second)
	_, err := f.srv.Token(f.ctx, r)
	wantErr(t, err, signet.CodeInvalidGrant, signet.ReasonCodeExpired)
	if f.active(first.AccessToken) {
		t.Fatal("access token of a reused code still active")
	}
	_, err = f.srv.Token(f.ctx, f.refreshRequest(c, first.RefreshToken))
	wantErr(t, err, signet.CodeInvalidGrant, signet.ReasonTokenExpired)
}

// AC-08: a code is redeemable strictly before CreatedAt + lifetime; at the
// boundary and after it has expired.
func TestAC08_CodeExpiryBoundary(t *testing.T) {
	for _, tc := range []struct {
		after time.Duration
		ok    bool
	}{
		{59*time.Second + 999*time.Millisecond, true},
		{60 * time.Second, false},
		{61 * time.Second, false},
	} {
		f := newFixture(t)
		c, u := f.ssoClient(), f.user("alice")
		r := f.codeRequest(c, f.authorize(c, u, signet.ProtocolSSOOIDC))
		f.clock.Add(tc.after)
		_, err := f.srv.Token(f.ctx, r)
		if tc.ok {
			if err != nil {
				t.Fatalf("at +%v: %v", tc.after, err)
			}
			continue
		}
		wantErr(t, err, signet.CodeInvalidGrant, signet.ReasonCodeExpired)
	}
	if err := lifetimesErr(t, Lifetimes{AuthorizationCode: 11 * time.Minute}); err == nil || !strings.Contains(err.Error(), "AuthorizationCode") {
		t.Fatal("a code lifetime over 10 minutes was accepted")
	}
}

// AC-09: another client, or another redirect URI, fails and burns the code.
func TestAC09_CodeBoundToClientAndRedirect(t *testing.T) {
	f := newFixture(t)
	a, b, u := f.ssoClient(), f.ssoClient(), f.user("alice")

	r := f.codeRequest(a, f.authorize(a, u, signet.ProtocolSSOOIDC))
	stolen := r
	stolen.Client = ClientSecret{ID: b.Client.ID, Secret: b.Secret}
	_, err := f.srv.Token(f.ctx, stolen)
	wantErr(t, err, signet.CodeInvalidGrant, signet.ReasonClientMismatch)
	_, err = f.srv.Token(f.ctx, r)
	wantErr(t, err, signet.CodeInvalidGrant, signet.ReasonCodeExpired) // burned

	for _, uri := range []string{
		"", "http://127.0.0.1:53218/oauth/callback", "http://127.0.0.1:53219/oauth/callback/",
		"http://127.0.0.1:53219/oauth/Callback", "http://127.0.0.1:53219/oauth%2Fcallback",
		"http://localhost:53219/oauth/callback", loopbackCB,
	} {
		r := f.codeRequest(a, f.authorize(a, u, signet.ProtocolSSOOIDC))
		bad := r
		bad.RedirectURI = uri
		_, err := f.srv.Token(f.ctx, bad)
		wantErr(t, err, signet.CodeInvalidGrant, signet.ReasonRedirectMismatch)
		_, err = f.srv.Token(f.ctx, r)
		wantErr(t, err, signet.CodeInvalidGrant, signet.ReasonCodeExpired)
	}
}

// AC-10: random, truncated and bit-flipped codes get the same answer as an
// unknown, expired or used one.
func TestAC10_NoOracleForCodes(t *testing.T) {
	f := newFixture(t)
	c, u := f.ssoClient(), f.user("alice")
	used := f.codeRequest(c, f.authorize(c, u, signet.ProtocolSSOOIDC))
	f.token(used)
	expiredReq := f.codeRequest(c, f.authorize(c, u, signet.ProtocolSSOOIDC))
	live := f.authorize(c, u, signet.ProtocolSSOOIDC)
	f.clock.Add(2 * time.Minute)

	random, _, _ := f.srv.minter.New(secret.PrefixCode)
	flipped := []byte(live)
	flipped[10] ^= 1
	var want *signet.Error
	for i, code := range []string{used.Code, expiredReq.Code, random, live[:len(live)-1], string(flipped), "sac_", "garbage", secret.PrefixSSORefresh + live[4:]} {
		_, err := f.srv.Token(f.ctx, f.codeRequest(c, code))
		e := wantErr(t, err, signet.CodeInvalidGrant, signet.ReasonCodeExpired)
		if i == 0 {
			want = e
		} else if e.Message != want.Message {
			t.Fatalf("code %d: message %q differs from %q", i, e.Message, want.Message)
		}
	}
	if len(live)-len(secret.PrefixCode) < 22 { // 128 bits of base64url
		t.Fatal("codes carry fewer than 128 bits")
	}
}

// A code bound by dpop_jkt redeems only with a proof from that key (DP-02);
// the session is bound to the key proved at redemption.
func TestCodeDPoPBinding(t *testing.T) {
	f := newFixture(t)
	c, u := f.signInClient(), f.user("alice")
	bind := func(r *AuthorizeRequest) { r.DPoPJKT = jktA }
	for _, jkt := range []string{"", jktB} {
		r := f.codeRequest(c, f.authorize(c, u, signet.ProtocolSignIn, bind))
		r.DPoPJKT = jkt
		_, err := f.srv.Token(f.ctx, r)
		wantErr(t, err, signet.CodeInvalidDPoPProof, signet.ReasonDPoPKeyMismatch)
	}
	r := f.codeRequest(c, f.authorize(c, u, signet.ProtocolSignIn, bind))
	r.DPoPJKT = jktA
	if resp := f.token(r); resp.Session.DPoPJKT != jktA {
		t.Fatalf("session not bound: %q", resp.Session.DPoPJKT)
	}
	r = f.codeRequest(c, f.authorize(c, u, signet.ProtocolSignIn))
	r.DPoPJKT = jktB
	if resp := f.token(r); resp.Session.DPoPJKT != jktB {
		t.Fatalf("session not bound to the redemption proof: %q", resp.Session.DPoPJKT)
	}
}

func TestIssueCodeChecks(t *testing.T) {
	f := newFixture(t)
	c, u, dev := f.ssoClient(), f.user("alice"), f.deviceClient()
	disabled := f.user("mallory")
	if err := f.srv.SetDisabled(f.ctx, disabled.ID, true); err != nil {
		t.Fatal(err)
	}
	assigned := signet.Assignment{AccountID: "123456789012", RoleName: "Admin"}
	if err := f.srv.SetAssignments(f.ctx, u.ID, []signet.Assignment{assigned}); err != nil {
		t.Fatal(err)
	}
	base := AuthorizeRequest{
		ClientID: c.Client.ID, UserID: u.ID, Protocol: signet.ProtocolSSOOIDC, RedirectURI: loopbackCB,
		CodeChallenge: challengeOf(verifier), CodeChallengeMethod: "S256", Assignment: assigned,
	}
	for _, tc := range []struct {
		name   string
		mutate func(*AuthorizeRequest)
		code   signet.ErrorCode
	}{
		{"unknown client", func(r *AuthorizeRequest) { r.ClientID = "nope" }, signet.CodeInvalidClient},
		{"client without the grant", func(r *AuthorizeRequest) { r.ClientID = dev.Client.ID }, signet.CodeUnauthorizedClient},
		{"unregistered redirect", func(r *AuthorizeRequest) { r.RedirectURI = "https://evil.example/cb" }, signet.CodeInvalidRequest},
		{"scope beyond the client", func(r *AuthorizeRequest) { r.Scopes = []string{"admin"} }, signet.CodeInvalidScope},
		{"unknown user", func(r *AuthorizeRequest) { r.UserID = "nobody" }, signet.CodeAccessDenied},
		{"disabled user", func(r *AuthorizeRequest) { r.UserID = disabled.ID }, signet.CodeAccessDenied},
		{"unassigned role", func(r *AuthorizeRequest) { r.Assignment.RoleName = "Other" }, signet.CodeAccessDenied},
		{"bad dpop_jkt", func(r *AuthorizeRequest) { r.DPoPJKT = "short" }, signet.CodeInvalidRequest},
		{"long nonce", func(r *AuthorizeRequest) { r.Nonce = strings.Repeat("n", MaxNonceLen+1) }, signet.CodeInvalidRequest},
		{"unknown protocol", func(r *AuthorizeRequest) { r.Protocol = "saml" }, signet.CodeInvalidRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := base
			tc.mutate(&r)
			_, err := f.srv.IssueCode(f.ctx, r)
			wantErr(t, err, tc.code, "")
		})
	}
	if _, err := f.srv.IssueCode(f.ctx, base); err != nil {
		t.Fatal(err)
	}
}
