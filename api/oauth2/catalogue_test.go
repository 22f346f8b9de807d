package oauth2_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/authserver"
	"github.com/signet-auth/signet/dpop"
	"github.com/signet-auth/signet/internal/testenv"
	"github.com/signet-auth/signet/sqlite"
)

// grant runs the code flow for c (through the pages) and returns the
// token reply; header pairs go with the token request (a DPoP proof).
func grant(t *testing.T, e *testenv.Env, c authserver.IssuedClient, header ...string) reply {
	t.Helper()
	verifier := oauth2.GenerateVerifier()
	r := exchange(t, e, c, codeFor(t, e, c, verifier), verifier, header...)
	if r.Status != http.StatusOK {
		t.Fatalf("exchange: %d %s", r.Status, r.Raw)
	}
	return r
}

func TestSD01_IntrospectionCallersAndInactiveTokens(t *testing.T) {
	e := newEnv(t, testenv.Options{})
	a, b := webClient(t, e), webClient(t, e)
	public := client(t, e, signet.ClientPublic, []string{signet.GrantDeviceCode})
	tok := grant(t, e, a).str("access_token")

	// Unauthenticated callers: 401.
	for name, r := range map[string]reply{
		"no credentials": post(t, e, "/oauth2/introspect", url.Values{"token": {tok}}),
		"public client":  post(t, e, "/oauth2/introspect", url.Values{"token": {tok}, "client_id": {public.Client.ID}}),
		"wrong secret":   post(t, e, "/oauth2/introspect", url.Values{"token": {tok}}, "Authorization", basic(a.Client.ID, a.Secret+"x")),
	} {
		t.Run(name, func(t *testing.T) { wantError(t, r, http.StatusUnauthorized, "invalid_client") })
	}

	if r := introspect(t, e, a, tok); r.Body["active"] != true || r.str("client_id") != a.Client.ID || r.str("sub") != e.User.ID {
		t.Fatalf("own token: %s", r.Raw)
	}
	rt := grant(t, e, a)
	if r := post(t, e, "/oauth2/revoke", secretAuth(url.Values{"token": {rt.str("refresh_token")}}, a)); r.Status != http.StatusOK {
		t.Fatalf("revoke: %d %s", r.Status, r.Raw)
	}
	check := func(name string, caller authserver.IssuedClient, token string) {
		t.Run(name, func(t *testing.T) {
			r := introspect(t, e, caller, token)
			if r.Status != http.StatusOK || r.Raw != `{"active":false}` {
				t.Errorf("got %d %s, want exactly {\"active\":false}", r.Status, r.Raw)
			}
		})
	}
	check("another client's token", b, tok)
	check("revoked token", a, rt.str("access_token"))
	check("garbage", a, "sat_garbage")
	check("garbage JWT", a, "eyJhbGciOiJFUzI1NiJ9.e30.c2ln")
	check("another client's refresh token", b, grant(t, e, a).str("refresh_token"))
	e.Clock.Add(2 * time.Hour)
	check("expired token", a, tok)
}

func TestSD02_Revocation(t *testing.T) {
	e := newEnv(t, testenv.Options{})
	a, b := webClient(t, e), webClient(t, e)
	revoke := func(c authserver.IssuedClient, token, hint string) reply {
		f := secretAuth(url.Values{"token": {token}}, c)
		if hint != "" {
			f.Set("token_type_hint", hint)
		}
		return post(t, e, "/oauth2/revoke", f)
	}
	t.Run("unknown token is 200", func(t *testing.T) {
		for _, tok := range []string{"sat_unknown", "srt_" + strings.Repeat("A", 43), "nothing like a token"} {
			if r := revoke(a, tok, ""); r.Status != http.StatusOK {
				t.Errorf("%q: %d %s", tok, r.Status, r.Raw)
			}
		}
	})
	t.Run("a wrong hint still finds the token", func(t *testing.T) {
		g := grant(t, e, a)
		if r := revoke(a, g.str("access_token"), "refresh_token"); r.Status != http.StatusOK {
			t.Fatalf("%d %s", r.Status, r.Raw)
		}
		if active(t, e, a, g.str("access_token")) {
			t.Error("access token still active")
		}
	})
	t.Run("revoking the refresh token kills the grant's access token", func(t *testing.T) {
		g := grant(t, e, a)
		if r := revoke(a, g.str("refresh_token"), "access_token"); r.Status != http.StatusOK {
			t.Fatalf("%d %s", r.Status, r.Raw)
		}
		if active(t, e, a, g.str("access_token")) {
			t.Error("access token of the revoked grant still active")
		}
		wantError(t, refresh(t, e, a, g.str("refresh_token")), http.StatusBadRequest, "invalid_grant")
	})
	t.Run("another client's token is refused and left alone", func(t *testing.T) {
		g := grant(t, e, a)
		for _, tok := range []string{g.str("access_token"), g.str("refresh_token")} {
			if r := revoke(b, tok, ""); r.Status == http.StatusOK {
				t.Errorf("revoked another client's token: %s", r.Raw)
			}
		}
		if !active(t, e, a, g.str("access_token")) {
			t.Error("token revoked by another client")
		}
		if r := refresh(t, e, a, g.str("refresh_token")); r.Status != http.StatusOK {
			t.Errorf("refresh after the refused revocation: %d %s", r.Status, r.Raw)
		}
	})
}

func TestSD03_RevocationStoreFailureIsNever200(t *testing.T) {
	e := newEnv(t, testenv.Options{})
	a := webClient(t, e)
	g := grant(t, e, a)
	if err := e.DB.Close(); err != nil {
		t.Fatal(err)
	}
	r := post(t, e, "/oauth2/revoke", secretAuth(url.Values{"token": {g.str("refresh_token")}}, a))
	if r.Status != http.StatusServiceUnavailable || r.Header.Get("Retry-After") == "" {
		t.Fatalf("revocation with the store down: %d %v %s; want 503 with Retry-After", r.Status, r.Header, r.Raw)
	}
	// The grant is still live in the database: nothing claimed a revocation
	// that did not happen.
	db, err := sqlite.Open(context.Background(), e.DBPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	sess, _, err := db.LookupAccess(context.Background(), e.Hasher.Digest(g.str("access_token")))
	if err != nil || !sess.Live(e.Clock.Now()) {
		t.Fatalf("session after the failed revocation: %+v, %v", sess, err)
	}
}

func TestSD04_MetadataIgnoresForgedHost(t *testing.T) {
	e := newEnv(t, testenv.Options{})
	for _, path := range []string{"/.well-known/oauth-authorization-server", "/.well-known/openid-configuration"} {
		req, _ := http.NewRequest(http.MethodGet, e.URL+path, nil)
		req.Host = "evil.example"
		req.Header.Set("X-Forwarded-Host", "evil.example")
		req.Header.Set("X-Forwarded-Proto", "https")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		decodeJSON(t, resp, &m)
		if m["issuer"] != e.URL {
			t.Fatalf("issuer = %v, want %s", m["issuer"], e.URL)
		}
		for k, v := range m {
			if s, ok := v.(string); ok && strings.HasSuffix(k, "_endpoint") && !strings.HasPrefix(s, e.URL+"/") {
				t.Errorf("%s = %s, not under the issuer", k, s)
			}
		}
		want := map[string][]string{
			"code_challenge_methods_supported":      {"S256"},
			"dpop_signing_alg_values_supported":     {"ES256"},
			"token_endpoint_auth_methods_supported": {"client_secret_basic", "client_secret_post", "none", "private_key_jwt"},
		}
		for k, w := range want {
			if got := strs(m[k]); !slices.Equal(got, w) {
				t.Errorf("%s = %v, want %v", k, got, w)
			}
		}
		grants := strs(m["grant_types_supported"])
		if slices.Contains(grants, "password") || slices.Contains(grants, "implicit") || !slices.Contains(grants, "client_credentials") {
			t.Errorf("grant_types_supported = %v", grants)
		}
	}
}

func strs(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}

func TestAC01_MissingVerifierBurnsCode(t *testing.T) {
	e := newEnv(t, testenv.Options{})
	c := webClient(t, e)
	verifier := oauth2.GenerateVerifier()
	code := codeFor(t, e, c, verifier)
	wantError(t, exchange(t, e, c, code, ""), http.StatusBadRequest, "invalid_grant")
	wantError(t, exchange(t, e, c, code, verifier), http.StatusBadRequest, "invalid_grant")
}

func TestAC02_FailedVerifierBurnsCode(t *testing.T) {
	e := newEnv(t, testenv.Options{})
	c := webClient(t, e)
	verifier := oauth2.GenerateVerifier()
	code := codeFor(t, e, c, verifier)
	wantError(t, exchange(t, e, c, code, oauth2.GenerateVerifier()), http.StatusBadRequest, "invalid_grant")
	wantError(t, exchange(t, e, c, code, verifier), http.StatusBadRequest, "invalid_grant")
}

func TestAC07_CodeReuseRevokesItsTokens(t *testing.T) {
	e := newEnv(t, testenv.Options{})
	c := webClient(t, e)
	verifier := oauth2.GenerateVerifier()
	code := codeFor(t, e, c, verifier)
	first := exchange(t, e, c, code, verifier)
	if first.Status != http.StatusOK {
		t.Fatalf("first: %d %s", first.Status, first.Raw)
	}
	e.Clock.Add(time.Second)
	wantError(t, exchange(t, e, c, code, verifier), http.StatusBadRequest, "invalid_grant")
	if active(t, e, c, first.str("access_token")) {
		t.Error("access token of a reused code still active")
	}
	wantError(t, refresh(t, e, c, first.str("refresh_token")), http.StatusBadRequest, "invalid_grant")
}

func TestAC09_CodeBoundToClientAndRedirectURI(t *testing.T) {
	e := newEnv(t, testenv.Options{})
	a, b := webClient(t, e), webClient(t, e)
	t.Run("another client", func(t *testing.T) {
		verifier := oauth2.GenerateVerifier()
		code := codeFor(t, e, a, verifier)
		wantError(t, exchange(t, e, b, code, verifier), http.StatusBadRequest, "invalid_grant")
		wantError(t, exchange(t, e, a, code, verifier), http.StatusBadRequest, "invalid_grant") // burned
	})
	for _, uri := range []string{"", redirectURI + "/", "http://127.0.0.1:8080/callback", "http://127.0.0.1/%63allback"} {
		t.Run("redirect "+uri, func(t *testing.T) {
			verifier := oauth2.GenerateVerifier()
			code := codeFor(t, e, a, verifier)
			f := secretAuth(url.Values{"grant_type": {"authorization_code"}, "code": {code}, "code_verifier": {verifier}}, a)
			if uri != "" {
				f.Set("redirect_uri", uri)
			}
			wantError(t, post(t, e, "/oauth2/token", f), http.StatusBadRequest, "invalid_grant")
			wantError(t, exchange(t, e, a, code, verifier), http.StatusBadRequest, "invalid_grant")
		})
	}
}

func TestRT01_RotatedOutRefreshTokenRevokesFamily(t *testing.T) {
	e := newEnv(t, testenv.Options{})
	c := webClient(t, e)
	g := grant(t, e, c)
	next := refresh(t, e, c, g.str("refresh_token"))
	if next.Status != http.StatusOK {
		t.Fatalf("refresh: %d %s", next.Status, next.Raw)
	}
	e.Clock.Add(time.Minute) // past the grace window
	wantError(t, refresh(t, e, c, g.str("refresh_token")), http.StatusBadRequest, "invalid_grant")
	if active(t, e, c, next.str("access_token")) {
		t.Error("successor access token survived reuse")
	}
	wantError(t, refresh(t, e, c, next.str("refresh_token")), http.StatusBadRequest, "invalid_grant")
}

func TestRT05_RefreshTokenBoundToClient(t *testing.T) {
	e := newEnv(t, testenv.Options{})
	a, b := webClient(t, e), webClient(t, e)
	g := grant(t, e, a)
	rt := g.str("refresh_token")
	wrong := a
	wrong.Secret += "x"
	wantError(t, refresh(t, e, wrong, rt), http.StatusUnauthorized, "invalid_client")
	wantError(t, refresh(t, e, b, rt), http.StatusBadRequest, "invalid_grant")
	if r := refresh(t, e, a, rt); r.Status != http.StatusOK {
		t.Fatalf("rightful client after the refusals: %d %s", r.Status, r.Raw)
	}
}

func TestCL01_BadClientCredentials(t *testing.T) {
	e := newEnv(t, testenv.Options{})
	c := client(t, e, signet.ClientConfidential, []string{signet.GrantClientCredentials})
	expiring, err := e.Engine.CreateClient(context.Background(), authserver.ClientSpec{Name: "x", Type: signet.ClientConfidential,
		GrantTypes: []string{signet.GrantClientCredentials}, SecretLifetime: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	cc := url.Values{"grant_type": {"client_credentials"}}
	bodies := map[string]string{}
	for name, tc := range map[string]struct {
		id, secret string
		advance    time.Duration
	}{
		"wrong secret":   {c.Client.ID, c.Secret + "x", 0},
		"unknown client": {"no-such-client", c.Secret, 0},
		"expired secret": {expiring.Client.ID, expiring.Secret, 2 * time.Hour},
	} {
		t.Run(name, func(t *testing.T) {
			e.Clock.Add(tc.advance)
			r := post(t, e, "/oauth2/token", cc, "Authorization", basic(tc.id, tc.secret))
			wantError(t, r, http.StatusUnauthorized, "invalid_client")
			if !strings.HasPrefix(r.Header.Get("WWW-Authenticate"), "Basic ") {
				t.Errorf("WWW-Authenticate = %q after Basic", r.Header.Get("WWW-Authenticate"))
			}
			bodies[name] = r.Raw
			post := post(t, e, "/oauth2/token", secretAuth(url.Values{"grant_type": {"client_credentials"}},
				authserver.IssuedClient{Client: signet.Client{ID: tc.id}, Secret: tc.secret}))
			wantError(t, post, http.StatusUnauthorized, "invalid_client")
			if post.Header.Get("WWW-Authenticate") != "" {
				t.Errorf("Basic challenge without Basic: %q", post.Header.Get("WWW-Authenticate"))
			}
		})
	}
	if bodies["wrong secret"] != bodies["unknown client"] {
		t.Errorf("unknown and wrong differ:\n%s\n%s", bodies["unknown client"], bodies["wrong secret"])
	}
}

func TestCL03_OneAuthenticationMethod(t *testing.T) {
	e := newEnv(t, testenv.Options{})
	c := client(t, e, signet.ClientConfidential, []string{signet.GrantClientCredentials})
	cc := func(extra ...string) url.Values {
		f := url.Values{"grant_type": {"client_credentials"}}
		for i := 0; i+1 < len(extra); i += 2 {
			f.Set(extra[i], extra[i+1])
		}
		return f
	}
	auth := basic(c.Client.ID, c.Secret)
	for name, r := range map[string]reply{
		"Basic and client_secret": post(t, e, "/oauth2/token", cc("client_secret", c.Secret), "Authorization", auth),
		"Basic and assertion": post(t, e, "/oauth2/token", cc("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
			"client_assertion", "a.b.c"), "Authorization", auth),
		"secret and assertion": post(t, e, "/oauth2/token", cc("client_id", c.Client.ID, "client_secret", c.Secret,
			"client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer", "client_assertion", "a.b.c")),
		"secret in the query string": call(t, e, http.MethodPost, "/oauth2/token?client_secret="+c.Secret,
			cc("client_id", c.Client.ID).Encode(), "application/x-www-form-urlencoded"),
		"Basic bad base64":            post(t, e, "/oauth2/token", cc(), "Authorization", "Basic %%%"),
		"Basic without colon":         post(t, e, "/oauth2/token", cc(), "Authorization", "Basic Y2xpZW50"),
		"Basic and another client_id": post(t, e, "/oauth2/token", cc("client_id", "other"), "Authorization", auth),
	} {
		t.Run(name, func(t *testing.T) { wantError(t, r, http.StatusBadRequest, "invalid_request") })
	}
	t.Run("Basic credentials are form-urlencoded", func(t *testing.T) {
		odd, err := e.Engine.CreateClient(context.Background(), authserver.ClientSpec{ID: "svc:reports+1%", Name: "odd",
			Type: signet.ClientConfidential, GrantTypes: []string{signet.GrantClientCredentials}})
		if err != nil {
			t.Fatal(err)
		}
		if r := post(t, e, "/oauth2/token", cc(), "Authorization", basic(odd.Client.ID, odd.Secret)); r.Status != http.StatusOK {
			t.Fatalf("%d %s", r.Status, r.Raw)
		}
	})
}

func TestIN03_DuplicateParameters(t *testing.T) {
	e := newEnv(t, testenv.Options{})
	c := client(t, e, signet.ClientConfidential, []string{signet.GrantClientCredentials})
	for _, body := range []string{
		"grant_type=client_credentials&grant_type=client_credentials",
		"grant_type=client_credentials&scope=a&scope=b",
	} {
		r := call(t, e, http.MethodPost, "/oauth2/token", body, "application/x-www-form-urlencoded", "Authorization", basic(c.Client.ID, c.Secret))
		wantError(t, r, http.StatusBadRequest, "invalid_request")
	}
}

func TestIN05_MethodMediaTypeAndQuery(t *testing.T) {
	e := newEnv(t, testenv.Options{})
	c := client(t, e, signet.ClientConfidential, []string{signet.GrantClientCredentials})
	auth := basic(c.Client.ID, c.Secret)
	if r := call(t, e, http.MethodGet, "/oauth2/token", "", ""); r.Status != http.StatusMethodNotAllowed {
		t.Errorf("GET: %d", r.Status)
	}
	for _, ct := range []string{"", "text/plain", "application/json", "multipart/form-data; boundary=x"} {
		wantError(t, call(t, e, http.MethodPost, "/oauth2/token", "grant_type=client_credentials", ct, "Authorization", auth),
			http.StatusBadRequest, "invalid_request")
	}
	ok := call(t, e, http.MethodPost, "/oauth2/token", "grant_type=client_credentials", "application/x-www-form-urlencoded; charset=UTF-8", "Authorization", auth)
	if ok.Status != http.StatusOK {
		t.Errorf("with a charset: %d %s", ok.Status, ok.Raw)
	}
	big := "grant_type=client_credentials&pad=" + strings.Repeat("a", 70<<10)
	// Over the shell's cap: 413 in the OAuth error shape, not the shell's
	// plain text (IN-01).
	wantError(t, call(t, e, http.MethodPost, "/oauth2/token", big, "application/x-www-form-urlencoded", "Authorization", auth),
		http.StatusRequestEntityTooLarge, "invalid_request")
}

// dpopURL is the token endpoint's htu.
func dpopURL(e *testenv.Env, path string) string { return e.URL + path }

// dpopGrant runs the code flow with a DPoP proof of k at the exchange.
func dpopGrant(t *testing.T, e *testenv.Env, c authserver.IssuedClient, k key) reply {
	t.Helper()
	r := grant(t, e, c, "DPoP", k.proof(t, e, "POST", dpopURL(e, "/oauth2/token")))
	if r.str("token_type") != "DPoP" {
		t.Fatalf("token_type = %q", r.str("token_type"))
	}
	return r
}

func TestDP01_BoundRefreshNeedsProof(t *testing.T) {
	e := newEnv(t, testenv.Options{})
	c := webClient(t, e)
	k := newKey(t)
	g := dpopGrant(t, e, c, k)
	if r := introspect(t, e, c, g.str("access_token")); r.str("token_type") != "DPoP" || r.Body["cnf"].(map[string]any)["jkt"] != k.jkt(t) {
		t.Errorf("introspection of a bound token: %s", r.Raw)
	}
	wantError(t, refresh(t, e, c, g.str("refresh_token")), http.StatusBadRequest, "invalid_dpop_proof")
	r := refresh(t, e, c, g.str("refresh_token"), "DPoP", k.proof(t, e, "POST", dpopURL(e, "/oauth2/token")))
	if r.Status != http.StatusOK || r.str("token_type") != "DPoP" {
		t.Fatalf("refresh by the key holder: %d %s", r.Status, r.Raw)
	}

	// At the resource: Bearer is refused, DPoP with ath passes.
	at := r.str("access_token")
	if got := call(t, e, http.MethodGet, "/userinfo", "", "", "Authorization", "Bearer "+at); got.Status != http.StatusUnauthorized {
		t.Errorf("bound token as Bearer: %d", got.Status)
	}
	if got := call(t, e, http.MethodGet, "/userinfo", "", "", "Authorization", "DPoP "+at); got.Status != http.StatusUnauthorized ||
		!strings.Contains(got.Header.Get("WWW-Authenticate"), "DPoP") {
		t.Errorf("bound token without a proof: %d %v", got.Status, got.Header)
	}
	got := call(t, e, http.MethodGet, "/userinfo", "", "", "Authorization", "DPoP "+at,
		"DPoP", k.proof(t, e, "GET", dpopURL(e, "/userinfo"), dpop.WithAccessToken(at)))
	if got.Status != http.StatusOK || got.str("sub") != e.User.ID {
		t.Errorf("userinfo with the proof: %d %s", got.Status, got.Raw)
	}
}

func TestDP02_ProofFromAnotherKey(t *testing.T) {
	e := newEnv(t, testenv.Options{})
	c := webClient(t, e)
	k, thief := newKey(t), newKey(t)
	t.Run("stolen refresh token", func(t *testing.T) {
		g := dpopGrant(t, e, c, k)
		wantError(t, refresh(t, e, c, g.str("refresh_token"), "DPoP", thief.proof(t, e, "POST", dpopURL(e, "/oauth2/token"))),
			http.StatusBadRequest, "invalid_dpop_proof")
		if r := refresh(t, e, c, g.str("refresh_token"), "DPoP", k.proof(t, e, "POST", dpopURL(e, "/oauth2/token"))); r.Status != http.StatusOK {
			t.Fatalf("the key holder after the refusal: %d %s", r.Status, r.Raw)
		}
	})
	t.Run("code bound by dpop_jkt", func(t *testing.T) {
		verifier := oauth2.GenerateVerifier()
		code := codeFor(t, e, c, verifier, "dpop_jkt", k.jkt(t))
		wantError(t, exchange(t, e, c, code, verifier, "DPoP", thief.proof(t, e, "POST", dpopURL(e, "/oauth2/token"))),
			http.StatusBadRequest, "invalid_dpop_proof")
		code = codeFor(t, e, c, verifier, "dpop_jkt", k.jkt(t))
		wantError(t, exchange(t, e, c, code, verifier), http.StatusBadRequest, "invalid_dpop_proof")
		code = codeFor(t, e, c, verifier, "dpop_jkt", k.jkt(t))
		r := exchange(t, e, c, code, verifier, "DPoP", k.proof(t, e, "POST", dpopURL(e, "/oauth2/token")))
		if r.Status != http.StatusOK || r.str("token_type") != "DPoP" {
			t.Fatalf("bound code with its key: %d %s", r.Status, r.Raw)
		}
	})
}

func TestDP07_MethodAndURLOfTheProof(t *testing.T) {
	e := newEnv(t, testenv.Options{})
	c := client(t, e, signet.ClientConfidential, []string{signet.GrantClientCredentials})
	k := newKey(t)
	tokenURL := dpopURL(e, "/oauth2/token")
	host := strings.TrimPrefix(e.URL, "http://")
	send := func(proof string, header ...string) reply {
		return post(t, e, "/oauth2/token", url.Values{"grant_type": {"client_credentials"}},
			append([]string{"Authorization", basic(c.Client.ID, c.Secret), "DPoP", proof}, header...)...)
	}
	for name, proof := range map[string]string{
		"htm GET":         k.proof(t, e, "GET", tokenURL),
		"htu other path":  k.proof(t, e, "POST", dpopURL(e, "/oauth2/introspect")),
		"htu other host":  k.proof(t, e, "POST", "http://evil.example/oauth2/token"),
		"htu https":       k.proof(t, e, "POST", "https://"+host+"/oauth2/token"),
		"htu other port":  k.proof(t, e, "POST", "http://127.0.0.1:1/oauth2/token"),
		"htu forged host": k.proof(t, e, "POST", "http://forged.example/oauth2/token"),
	} {
		t.Run(name, func(t *testing.T) {
			wantError(t, send(proof, "X-Forwarded-Host", "forged.example"), http.StatusBadRequest, "invalid_dpop_proof")
		})
	}
	for name, proof := range map[string]string{
		"htu with query":    k.proof(t, e, "POST", tokenURL+"?x=1"),
		"htu with fragment": k.proof(t, e, "POST", tokenURL+"#f"),
		"upper-case scheme": k.proof(t, e, "POST", "HTTP://"+host+"/oauth2/token"),
	} {
		t.Run(name, func(t *testing.T) {
			if r := send(proof); r.Status != http.StatusOK || r.str("token_type") != "DPoP" {
				t.Errorf("%d %s", r.Status, r.Raw)
			}
		})
	}
}

func TestDP11_ServerNonces(t *testing.T) {
	e := newEnv(t, testenv.Options{DPoPNonces: true})
	c := webClient(t, e)
	k := newKey(t)
	tokenURL := dpopURL(e, "/oauth2/token")
	verifier := oauth2.GenerateVerifier()
	code := codeFor(t, e, c, verifier)

	for name, proof := range map[string]string{
		"no nonce":      k.proof(t, e, "POST", tokenURL),
		"unknown nonce": k.proof(t, e, "POST", tokenURL, dpop.WithNonce("bm90LWEtbm9uY2UtZnJvbS10aGlzLXNlcnZlcg")),
	} {
		t.Run(name, func(t *testing.T) {
			r := exchange(t, e, c, code, verifier, "DPoP", proof)
			wantError(t, r, http.StatusBadRequest, "use_dpop_nonce")
			if n := r.Header.Values("DPoP-Nonce"); len(n) != 1 || n[0] == "" {
				t.Errorf("DPoP-Nonce headers: %q", n)
			}
		})
	}
	// The refusals did not burn the code: the retry with the nonce works.
	r := exchange(t, e, c, code, verifier, "DPoP", k.proof(t, e, "POST", tokenURL))
	nonce := r.Header.Get("DPoP-Nonce")
	r = exchange(t, e, c, code, verifier, "DPoP", k.proof(t, e, "POST", tokenURL, dpop.WithNonce(nonce)))
	if r.Status != http.StatusOK || r.str("token_type") != "DPoP" {
		t.Fatalf("with the nonce: %d %s", r.Status, r.Raw)
	}
	// A stale nonce is refused again.
	e.Clock.Add(time.Hour)
	wantError(t, refresh(t, e, c, r.str("refresh_token"), "DPoP", k.proof(t, e, "POST", tokenURL, dpop.WithNonce(nonce))),
		http.StatusBadRequest, "use_dpop_nonce")
}
