package authserver

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/secret"
)

func TestRegisterClient(t *testing.T) {
	f := newFixture(t)
	c := f.ssoClient()
	if !secret.WellFormed(c.Secret, secret.PrefixClientSecret) {
		t.Fatalf("secret %q", c.Secret)
	}
	stored, err := f.stores.Clients.GetClient(f.ctx, c.Client.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !stored.Dynamic || stored.Type != signet.ClientPublic || stored.SecretDigest != f.srv.hasher.Digest(c.Secret) {
		t.Fatalf("stored client %+v", stored)
	}
	want := f.clock.Now().Add(90 * 24 * time.Hour)
	if !stored.SecretExpiresAt.Equal(want) || !stored.ExpiresAt.Equal(want) {
		t.Fatalf("expiry %v / %v, want %v", stored.SecretExpiresAt, stored.ExpiresAt, want)
	}
	if _, err := f.authenticate(c.Client.ID, c.Secret, false); err != nil {
		t.Fatal(err)
	}
}

// CL-01: wrong secret, unknown id and an expired secret all fail alike.
func TestCL01_ClientAuthenticationFailures(t *testing.T) {
	f := newFixture(t)
	c := f.ssoClient()
	pub := f.signInClient()
	cases := []struct {
		name, id, secret string
		public           bool
	}{
		{"wrong secret", c.Client.ID, c.Secret[:len(c.Secret)-1] + "x", false},
		{"empty secret", c.Client.ID, "", false},
		{"public flag with a client that has a secret", c.Client.ID, "", true},
		{"unknown id", "no-such-client", c.Secret, false},
		{"empty id", "", c.Secret, false},
		{"public client without the flag", pub.Client.ID, "", false},
		{"public client with a made-up secret", pub.Client.ID, c.Secret, true},
	}
	for _, tc := range cases {
		_, err := f.authenticate(tc.id, tc.secret, tc.public)
		wantErr(t, err, signet.CodeInvalidClient, "")
	}
	if _, err := f.authenticate(pub.Client.ID, "", true); err != nil {
		t.Fatalf("public client by id: %v", err)
	}
	// The secret is valid strictly before SecretExpiresAt.
	f.clock.Add(90*24*time.Hour - time.Millisecond)
	if _, err := f.authenticate(c.Client.ID, c.Secret, false); err != nil {
		t.Fatalf("just inside: %v", err)
	}
	f.clock.Add(time.Millisecond)
	_, err := f.authenticate(c.Client.ID, c.Secret, false)
	wantErr(t, err, signet.CodeInvalidClient, "")
}

// A confidential client's secret expires on its own (no registration end).
func TestCL01_ConfidentialSecretExpiry(t *testing.T) {
	f := newFixture(t)
	c, err := f.srv.CreateClient(f.ctx, ClientSpec{Name: "backend", Type: signet.ClientConfidential,
		GrantTypes: []string{signet.GrantRefreshToken}, SecretLifetime: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Add(time.Hour - time.Millisecond)
	if _, err := f.authenticate(c.Client.ID, c.Secret, false); err != nil {
		t.Fatalf("just inside: %v", err)
	}
	f.clock.Add(time.Millisecond)
	_, err = f.authenticate(c.Client.ID, c.Secret, false)
	wantErr(t, err, signet.CodeInvalidClient, "")
}

// CL-02: an unknown id and a wrong secret give the same error body.
func TestCL02_SameAnswerUnknownOrWrong(t *testing.T) {
	f := newFixture(t)
	c := f.ssoClient()
	_, errWrong := f.authenticate(c.Client.ID, c.Secret+"x", false)
	_, errUnknown := f.authenticate("unknown", c.Secret, false)
	f.clock.Add(91 * 24 * time.Hour)
	_, errExpired := f.authenticate(c.Client.ID, c.Secret, false)
	w := wantErr(t, errWrong, signet.CodeInvalidClient, "")
	for _, err := range []error{errUnknown, errExpired} {
		e := wantErr(t, err, signet.CodeInvalidClient, "")
		if e.Message != w.Message || e.Reason != w.Reason {
			t.Fatalf("%+v differs from %+v", e, w)
		}
	}
}

// CL-05: bad registrations are refused with the modelled error and store
// nothing.
func TestCL05_RegistrationValidation(t *testing.T) {
	good := Registration{ClientName: "cli", ClientType: "public",
		GrantTypes: []string{signet.GrantAuthorizationCode, signet.GrantRefreshToken}, RedirectURIs: []string{loopbackCB}}
	many := func(n int, f func(int) string) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = f(i)
		}
		return out
	}
	f := newFixture(t)
	for _, tc := range []struct {
		name   string
		mutate func(*Registration)
		code   signet.ErrorCode
	}{
		{"confidential", func(r *Registration) { r.ClientType = "confidential" }, signet.CodeInvalidClientMetadata},
		{"no type", func(r *Registration) { r.ClientType = "" }, signet.CodeInvalidRequest},
		{"no name", func(r *Registration) { r.ClientName = "" }, signet.CodeInvalidRequest},
		{"long name", func(r *Registration) { r.ClientName = strings.Repeat("n", 257) }, signet.CodeInvalidClientMetadata},
		{"control in name", func(r *Registration) { r.ClientName = "a\x00b" }, signet.CodeInvalidClientMetadata},
		{"newline in name", func(r *Registration) { r.ClientName = "a\nb" }, signet.CodeInvalidClientMetadata},
		{"C1 control in name", func(r *Registration) { r.ClientName = "a\u0085b" }, signet.CodeInvalidClientMetadata},
		{"wildcard", func(r *Registration) { r.RedirectURIs = []string{"https://*.example.com/cb"} }, signet.CodeInvalidRedirectURI},
		{"fragment", func(r *Registration) { r.RedirectURIs = []string{"https://app.example.com/cb#x"} }, signet.CodeInvalidRedirectURI},
		{"javascript", func(r *Registration) { r.RedirectURIs = []string{"javascript:alert(1)"} }, signet.CodeInvalidRedirectURI},
		{"data", func(r *Registration) { r.RedirectURIs = []string{"data:text/html,hi"} }, signet.CodeInvalidRedirectURI},
		{"file", func(r *Registration) { r.RedirectURIs = []string{"file:///etc/passwd"} }, signet.CodeInvalidRedirectURI},
		{"http non-loopback", func(r *Registration) { r.RedirectURIs = []string{"http://app.example.com/cb"} }, signet.CodeInvalidRedirectURI},
		{"http loopback look-alike", func(r *Registration) { r.RedirectURIs = []string{"http://127.0.0.1.nip.io/cb"} }, signet.CodeInvalidRedirectURI},
		{"http localhost subdomain", func(r *Registration) { r.RedirectURIs = []string{"http://localhost.evil.com/cb"} }, signet.CodeInvalidRedirectURI},
		{"userinfo", func(r *Registration) { r.RedirectURIs = []string{"https://good@evil.example/cb"} }, signet.CodeInvalidRedirectURI},
		{"relative", func(r *Registration) { r.RedirectURIs = []string{"/cb"} }, signet.CodeInvalidRedirectURI},
		{"scheme-relative", func(r *Registration) { r.RedirectURIs = []string{"//evil.example/cb"} }, signet.CodeInvalidRedirectURI},
		{"custom scheme", func(r *Registration) { r.RedirectURIs = []string{"com.example.app:/cb"} }, signet.CodeInvalidRedirectURI},
		{"bad port", func(r *Registration) { r.RedirectURIs = []string{"https://app.example.com:99999/cb"} }, signet.CodeInvalidRedirectURI},
		{"code grant without redirect", func(r *Registration) { r.RedirectURIs = nil }, signet.CodeInvalidRedirectURI},
		{"21 redirects", func(r *Registration) {
			r.RedirectURIs = many(21, func(i int) string { return "https://app.example.com/cb" + string(rune('a'+i)) })
		}, signet.CodeInvalidRequest},
		{"password grant", func(r *Registration) { r.GrantTypes = []string{"password"} }, signet.CodeUnsupportedGrantType},
		{"implicit grant", func(r *Registration) { r.GrantTypes = []string{"implicit"} }, signet.CodeUnsupportedGrantType},
		{"client_credentials", func(r *Registration) { r.GrantTypes = []string{signet.GrantClientCredentials} }, signet.CodeUnsupportedGrantType},
		{"51 scopes", func(r *Registration) { r.Scopes = many(51, func(i int) string { return "s" + string(rune('A'+i)) }) }, signet.CodeInvalidRequest},
		{"bad scope", func(r *Registration) { r.Scopes = []string{"a b"} }, signet.CodeInvalidScope},
		{"empty scope", func(r *Registration) { r.Scopes = []string{""} }, signet.CodeInvalidScope},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := good
			tc.mutate(&r)
			_, err := f.srv.RegisterClient(f.ctx, r)
			wantErr(t, err, tc.code, "")
			if all, err := f.stores.Clients.ListClients(f.ctx); err != nil || len(all) != 0 {
				t.Fatalf("%d clients stored, %v", len(all), err)
			}
		})
	}
	for _, uri := range []string{"https://app.example.com/cb", "https://app.example.com:8443/cb?x=1", "http://127.0.0.1/cb",
		"http://[::1]:8080/cb", "http://localhost/cb"} {
		r := good
		r.RedirectURIs = []string{uri}
		if _, err := f.srv.RegisterClient(f.ctx, r); err != nil {
			t.Errorf("%s: %v", uri, err)
		}
	}
}

// CL-07: a grant the client did not register is unauthorized_client; one
// the service (or the protocol) does not offer is unsupported_grant_type.
func TestCL07_GrantAdmission(t *testing.T) {
	f := newFixture(t)
	sso, dev, si := f.ssoClient(), f.deviceClient(), f.signInClient()
	admin, err := f.srv.CreateClient(f.ctx, ClientSpec{Name: "app", Type: signet.ClientConfidential,
		GrantTypes: []string{signet.GrantAuthorizationCode, signet.GrantRefreshToken}, RedirectURIs: []string{"https://app.example.com/cb"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		r    TokenRequest
		code signet.ErrorCode
	}{
		{"device grant not registered", deviceRequest(admin, "sdc_x"), signet.CodeUnauthorizedClient},
		{"code grant not registered", TokenRequest{Protocol: signet.ProtocolSSOOIDC, GrantType: signet.GrantAuthorizationCode,
			Client: ClientSecret{ID: dev.Client.ID, Secret: dev.Secret}, Code: "sac_x"}, signet.CodeUnauthorizedClient},
		{"password", TokenRequest{Protocol: signet.ProtocolSSOOIDC, GrantType: "password",
			Client: ClientSecret{ID: sso.Client.ID, Secret: sso.Secret}}, signet.CodeUnsupportedGrantType},
		{"client_credentials", TokenRequest{Protocol: signet.ProtocolOAuth2, GrantType: signet.GrantClientCredentials,
			Client: ClientSecret{ID: sso.Client.ID, Secret: sso.Secret}}, signet.CodeUnsupportedGrantType},
		{"device flow on Sign-In", TokenRequest{Protocol: signet.ProtocolSignIn, GrantType: signet.GrantDeviceCode,
			Client: PublicClient{ID: si.Client.ID}, DeviceCode: "sdc_x"}, signet.CodeUnsupportedGrantType},
		{"no grant type", TokenRequest{Protocol: signet.ProtocolSSOOIDC, Client: ClientSecret{ID: sso.Client.ID, Secret: sso.Secret}}, signet.CodeInvalidRequest},
		{"bad client before grant admission", TokenRequest{Protocol: signet.ProtocolSSOOIDC, GrantType: "password",
			Client: ClientSecret{ID: sso.Client.ID, Secret: "wrong"}}, signet.CodeInvalidClient},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.srv.Token(f.ctx, tc.r)
			wantErr(t, err, tc.code, "")
		})
	}
}

func TestCreateClient(t *testing.T) {
	f := newFixture(t)
	conf, err := f.srv.CreateClient(f.ctx, ClientSpec{Name: "backend", Type: signet.ClientConfidential,
		GrantTypes: []string{signet.GrantRefreshToken, signet.GrantRefreshToken}, SecretLifetime: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if conf.Secret == "" || conf.Client.Dynamic || !conf.Client.SecretExpiresAt.Equal(f.clock.Now().Add(time.Hour)) ||
		!slices.Equal(conf.Client.GrantTypes, []string{signet.GrantRefreshToken}) {
		t.Fatalf("confidential client %+v", conf)
	}
	pub := f.signInClient()
	if pub.Secret != "" || !pub.Client.SecretDigest.IsZero() {
		t.Fatal("public admin client got a secret")
	}
	if _, err := f.srv.CreateClient(f.ctx, ClientSpec{ID: signInID, Name: "again", Type: signet.ClientPublic,
		GrantTypes: []string{signet.GrantRefreshToken}}); signet.ErrorCodeOf(err) != signet.CodeConflict {
		t.Fatalf("duplicate id: %v", err)
	}
	for _, spec := range []ClientSpec{
		{Name: "x", Type: "other", GrantTypes: []string{signet.GrantRefreshToken}},
		{Name: "x", Type: signet.ClientPublic},
		{ID: "has space", Name: "x", Type: signet.ClientPublic, GrantTypes: []string{signet.GrantRefreshToken}},
		{Name: "x", Type: signet.ClientConfidential, GrantTypes: []string{signet.GrantRefreshToken}, SecretLifetime: -1},
	} {
		if _, err := f.srv.CreateClient(f.ctx, spec); err == nil {
			t.Errorf("CreateClient(%+v) accepted", spec)
		}
	}
}

// WB-01: everything but the loopback port rule is an exact string match.
func TestWB01_ExactRedirectMatch(t *testing.T) {
	const reg = "https://app.example.com/cb"
	if !RedirectURIMatches(reg, reg) {
		t.Fatal("identical URI refused")
	}
	for _, req := range []string{
		"https://app.example.com/CB", "https://app.example.com/cb/", "https://app.example.com/cb?x=1",
		"https://app.example.com/cb#f", "https://app.example.com/cb/%2e%2e%2f", "https://app.example.com/cb/..;/",
		"https://app.example.com/cb/../cb", "https://good@app.example.com/cb", "https://app.example.com@evil.example/cb",
		"https://app.example.com:443/cb", "http://app.example.com/cb", "HTTPS://app.example.com/cb",
		"https://APP.example.com/cb", "https://app.example.com:8443/cb", "https://app.example.com/c%62", "",
	} {
		if RedirectURIMatches(reg, req) {
			t.Errorf("%q matched %q", req, reg)
		}
	}
	if MatchRedirectURI([]string{"https://a.example/x", reg}, "https://app.example.com/cb2") {
		t.Fatal("prefix matched")
	}
}

// WB-02: for a loopback registration without a port, only the port may
// vary.
func TestWB02_LoopbackPort(t *testing.T) {
	for _, tc := range []struct {
		reg, req string
		ok       bool
	}{
		{"http://127.0.0.1/cb", "http://127.0.0.1:53682/cb", true},
		{"http://127.0.0.1/cb", "http://127.0.0.1/cb", true},
		{"http://127.0.0.1/cb", "http://127.0.0.1:1/cb", true},
		{"http://127.0.0.1/cb", "http://127.0.0.1:65535/cb", true},
		{"http://[::1]/cb", "http://[::1]:8080/cb", true},
		{"http://localhost/cb", "http://localhost:8080/cb", true},
		{"http://127.0.0.1", "http://127.0.0.1:8080", true},
		{"http://127.0.0.1/cb?a=1", "http://127.0.0.1:8080/cb?a=1", true},
		{"http://127.0.0.1/cb", "http://127.0.0.1:53682/cb?x=1", false},
		{"http://127.0.0.1/cb", "http://127.0.0.1:53682/other", false},
		{"http://127.0.0.1/cb", "http://127.0.0.1:53682/cb/", false},
		{"http://127.0.0.1/cb", "http://127.0.0.1:53682/cb#f", false},
		{"http://127.0.0.1/cb", "http://localhost.evil.com:53682/cb", false},
		{"http://127.0.0.1/cb", "http://127.0.0.1.nip.io:53682/cb", false},
		{"http://127.0.0.1/cb", "http://[::1]:53682/cb", false},
		{"http://127.0.0.1/cb", "http://localhost:53682/cb", false},
		{"http://localhost/cb", "http://127.0.0.1:53682/cb", false},
		{"http://127.0.0.1/cb", "https://127.0.0.1:53682/cb", false},
		{"http://127.0.0.1/cb", "http://127.0.0.1:0/cb", false},
		{"http://127.0.0.1/cb", "http://127.0.0.1:65536/cb", false},
		{"http://127.0.0.1/cb", "http://127.0.0.1:053682/cb", false},
		{"http://127.0.0.1/cb", "http://127.0.0.1:/cb", false},
		{"http://127.0.0.1/cb", "http://127.0.0.1:80@evil.example/cb", false},
		{"http://127.0.0.1/cb", "http://user@127.0.0.1:80/cb", false},
		{"http://127.0.0.1:8080/cb", "http://127.0.0.1:8081/cb", false},
		{"http://127.0.0.1:8080/cb", "http://127.0.0.1/cb", false},
		{"http://127.0.0.1.evil/cb", "http://127.0.0.1.evil:80/cb", false},
		{"https://app.example.com/cb", "https://app.example.com:443/cb", false},
	} {
		if got := RedirectURIMatches(tc.reg, tc.req); got != tc.ok {
			t.Errorf("RedirectURIMatches(%q, %q) = %v, want %v", tc.reg, tc.req, got, tc.ok)
		}
	}
}

// FuzzRedirectURIMatches: a match is either the identical string or the
// registered loopback URI with a port inserted; validation never panics.
func FuzzRedirectURIMatches(f *testing.F) {
	f.Add("http://127.0.0.1/cb", "http://127.0.0.1:8080/cb")
	f.Add("https://app.example.com/cb", "https://app.example.com/cb")
	f.Add("http://[::1]", "http://[::1]:1")
	f.Fuzz(func(t *testing.T, reg, req string) {
		_ = ValidateRedirectURI(reg)
		if !RedirectURIMatches(reg, req) || reg == req {
			return
		}
		if !strings.HasPrefix(reg, "http://") || len(req) <= len(reg) {
			t.Fatalf("%q matched %q", req, reg)
		}
		// Removing ":<port>" from req must give reg.
		host := reg[len("http://"):]
		if i := strings.IndexAny(host, "/?"); i >= 0 {
			host = host[:i]
		}
		tail, _ := strings.CutPrefix(req, "http://"+host+":")
		i := strings.IndexFunc(tail, func(r rune) bool { return r < '0' || r > '9' })
		if i < 0 {
			i = len(tail)
		}
		if "http://"+host+tail[i:] != reg || !isLoopbackHost(host) {
			t.Fatalf("%q matched %q", req, reg)
		}
	})
}

// SE-02: 10^5 minted secrets of every kind the engine issues are unique,
// carry their prefix and 256 bits.
func TestSE02_MintedSecrets(t *testing.T) {
	f := newFixture(t)
	prefixes := []string{secret.PrefixCode, secret.PrefixDeviceCode, secret.PrefixClientSecret,
		secret.PrefixSSOAccess, secret.PrefixSSORefresh, secret.PrefixSignInAccess, secret.PrefixSignInRefresh,
		secret.PrefixOAuthAccess, secret.PrefixOAuthRefresh}
	seen := make(map[string]struct{}, 100_000)
	for i := range 100_000 {
		p := prefixes[i%len(prefixes)]
		s, d, err := f.srv.minter.New(p)
		if err != nil {
			t.Fatal(err)
		}
		if !secret.WellFormed(s, p) || len(s) != len(p)+43 || d.IsZero() {
			t.Fatalf("secret %q", s)
		}
		if _, dup := seen[s[len(p):]]; dup {
			t.Fatalf("duplicate secret after %d", i)
		}
		seen[s[len(p):]] = struct{}{}
	}
	// What the engine hands out has the same shape.
	c, u := f.ssoClient(), f.user("alice")
	resp := f.login(c, u)
	for tok, p := range map[string]string{c.Secret: secret.PrefixClientSecret, resp.AccessToken: secret.PrefixSSOAccess, resp.RefreshToken: secret.PrefixSSORefresh} {
		if !secret.WellFormed(tok, p) {
			t.Fatalf("%q is not a %s secret", tok, p)
		}
	}
}

// CreateTokenWithIAM's rules (AWSPrincipal): a verified principal of the
// configured account acts for a client an administrator created; a
// principal of another account is access_denied whatever client it names,
// so it learns nothing about which exist; a self-registered or unknown
// client is invalid_client. With no account configured nobody may act.
func TestTokenAWSPrincipal(t *testing.T) {
	const account, other = "111111111111", "222222222222"
	f := newFixture(t, func(c *Config) { c.IAMAccountID = account })
	u := f.user("alice")
	app, err := f.srv.CreateClient(f.ctx, ClientSpec{Name: "app", Type: signet.ClientConfidential,
		GrantTypes:   []string{signet.GrantAuthorizationCode, signet.GrantRefreshToken},
		RedirectURIs: []string{loopbackCB}, Scopes: []string{"openid"}})
	if err != nil {
		t.Fatal(err)
	}
	first := f.login(app, u)
	signed := func(id, acct, rt string) TokenRequest {
		r := f.refreshRequest(app, rt)
		r.Client = AWSPrincipal{ID: id, AccountID: acct}
		return r
	}
	next := f.token(signed(app.Client.ID, account, first.RefreshToken))

	dynamic := f.ssoClient()
	for _, tc := range []struct {
		name string
		r    TokenRequest
		code signet.ErrorCode
	}{
		{"other account", signed(app.Client.ID, other, next.RefreshToken), signet.CodeAccessDenied},
		{"other account, unknown client", signed("no-such-app", other, next.RefreshToken), signet.CodeAccessDenied},
		{"other account, malformed request", signed("no-such-app", other, ""), signet.CodeAccessDenied},
		{"self-registered client", signed(dynamic.Client.ID, account, next.RefreshToken), signet.CodeInvalidClient},
		{"unknown client, malformed request", signed("no-such-app", account, ""), signet.CodeInvalidClient},
	} {
		_, err := f.srv.Token(f.ctx, tc.r)
		wantErr(t, err, tc.code, "")
	}
	off := newFixture(t)
	_, err = off.srv.Token(off.ctx, TokenRequest{Protocol: signet.ProtocolSSOOIDC, GrantType: signet.GrantRefreshToken,
		Client: AWSPrincipal{ID: app.Client.ID, AccountID: ""}, RefreshToken: next.RefreshToken})
	wantErr(t, err, signet.CodeAccessDenied, "")
	// The refused calls changed nothing: the token still rotates.
	f.token(signed(app.Client.ID, account, next.RefreshToken))
}
