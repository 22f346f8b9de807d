package ssooidc_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/signet-auth/signet/authserver"
	"github.com/signet-auth/signet/internal/testenv"
)

// Catalogue rows of docs/spec/security.md, SSO column, at the
// wire.

func TestAC01_MissingVerifier(t *testing.T) {
	e := testenv.New(t, testenv.Options{})
	c := registerPKCE(t, e)
	p := newPKCE(t)
	code := authorize(t, e, c, loopback, p)
	w := redeem(t, e, c, code, loopback, "")
	wantError(t, w, 400, "InvalidGrantException", "invalid_grant")
	if w.str("accessToken") != "" {
		t.Fatal("tokens issued")
	}
}

func TestAC02_FailedVerifierBurnsCode(t *testing.T) {
	e := testenv.New(t, testenv.Options{})
	c := registerPKCE(t, e)
	p := newPKCE(t)
	code := authorize(t, e, c, loopback, p)
	wantError(t, redeem(t, e, c, code, loopback, newPKCE(t).Verifier), 400, "InvalidGrantException", "invalid_grant")
	wantError(t, redeem(t, e, c, code, loopback, p.Verifier), 400, "InvalidGrantException", "invalid_grant")
}

func TestAC03_MalformedVerifierRefusedBeforeComparison(t *testing.T) {
	e := testenv.New(t, testenv.Options{})
	c := registerPKCE(t, e)
	p := newPKCE(t)
	code := authorize(t, e, c, loopback, p)
	for _, v := range []string{
		strings.Repeat("a", 42), strings.Repeat("a", 129),
		strings.Repeat("a", 42) + " ", strings.Repeat("a", 42) + "+", strings.Repeat("a", 42) + "/",
		strings.Repeat("a", 42) + "=", strings.Repeat("a", 42) + "é",
	} {
		wantError(t, redeem(t, e, c, code, loopback, v), 400, "InvalidRequestException", "invalid_request")
	}
	// Refused before any comparison: the code was not burned.
	ok(t, redeem(t, e, c, code, loopback, p.Verifier))
}

func TestAC07_CodeReuseRevokesTokens(t *testing.T) {
	e := testenv.New(t, testenv.Options{})
	c := registerPKCE(t, e)
	p := newPKCE(t)
	code := authorize(t, e, c, loopback, p)
	first := ok(t, redeem(t, e, c, code, loopback, p.Verifier))
	ok(t, portal(t, e, first.str("accessToken")))
	for _, after := range []time.Duration{time.Second, 29 * time.Second} {
		e.Clock.Add(after)
		wantError(t, redeem(t, e, c, code, loopback, p.Verifier), 400, "InvalidGrantException", "invalid_grant")
	}
	if w := portal(t, e, first.str("accessToken")); w.Status != http.StatusUnauthorized {
		t.Fatalf("access token of a reused code still works: %d", w.Status)
	}
	wantError(t, refresh(t, e, c, first.str("refreshToken")), 400, "InvalidGrantException", "invalid_grant")
}

func TestAC09_CodeBoundToClientAndRedirect(t *testing.T) {
	e := testenv.New(t, testenv.Options{})
	a, b := registerPKCE(t, e), registerPKCE(t, e)
	t.Run("other client", func(t *testing.T) {
		p := newPKCE(t)
		code := authorize(t, e, a, loopback, p)
		wantError(t, redeem(t, e, b, code, loopback, p.Verifier), 400, "InvalidGrantException", "invalid_grant")
		// Burned.
		wantError(t, redeem(t, e, a, code, loopback, p.Verifier), 400, "InvalidGrantException", "invalid_grant")
	})
	for _, uri := range []string{"", "http://127.0.0.1:53220/oauth/callback", "http://127.0.0.1:53219/oauth/callback/", "http://127.0.0.1:53219/oauth%2Fcallback"} {
		t.Run("redirect "+uri, func(t *testing.T) {
			p := newPKCE(t)
			code := authorize(t, e, a, loopback, p)
			wantError(t, redeem(t, e, a, code, uri, p.Verifier), 400, "InvalidGrantException", "invalid_grant")
			wantError(t, redeem(t, e, a, code, loopback, p.Verifier), 400, "InvalidGrantException", "invalid_grant")
		})
	}
}

func TestDV01_PollBeforeApproval(t *testing.T) {
	e := testenv.New(t, testenv.Options{})
	c := register(t, e)
	wantError(t, pollDevice(t, e, c, startDevice(t, e, c)), 400, "AuthorizationPendingException", "authorization_pending")
}

func TestDV02_SlowDownGrowsStoredInterval(t *testing.T) {
	e := testenv.New(t, testenv.Options{})
	c := register(t, e)
	d := startDevice(t, e, c)
	wantError(t, pollDevice(t, e, c, d), 400, "AuthorizationPendingException", "authorization_pending")
	// One early poll is let through (AB-03: the AWS CLI's double poll).
	wantError(t, pollDevice(t, e, c, d), 400, "AuthorizationPendingException", "authorization_pending")
	wantError(t, pollDevice(t, e, c, d), 400, "SlowDownException", "slow_down")
	// The interval is now 10 s, stored with the authorization: a poll 6 s
	// later (enough under the old 5 s) is still too soon.
	e.Clock.Add(6 * time.Second)
	wantError(t, pollDevice(t, e, c, d), 400, "SlowDownException", "slow_down")
	e.Clock.Add(devicePollWait)
	wantError(t, pollDevice(t, e, c, d), 400, "AuthorizationPendingException", "authorization_pending")
}

func TestDV03_ExpiredDeviceCode(t *testing.T) {
	e := testenv.New(t, testenv.Options{})
	c := register(t, e)
	d := startDevice(t, e, c)
	e.Clock.Add(authserver.DefaultLifetimes().DeviceAuthorization)
	wantError(t, pollDevice(t, e, c, d), 400, "ExpiredTokenException", "expired_token")
	if p := e.Browser(t).DecideDevice(d.UserCode, true); !strings.Contains(p.Body, "Code expired") {
		t.Fatalf("page for an expired code: %d %s", p.Status, p.Body)
	}
	wantError(t, pollDevice(t, e, c, d), 400, "ExpiredTokenException", "expired_token")
}

func TestDV04_DenialIsFinal(t *testing.T) {
	e := testenv.New(t, testenv.Options{})
	c := register(t, e)
	d := startDevice(t, e, c)
	b := e.Browser(t)
	if p := b.DecideDevice(d.UserCode, false); !strings.Contains(p.Body, "denied") {
		t.Fatalf("deny page: %s", p.Body)
	}
	b.DecideDevice(d.UserCode, true)
	wantError(t, pollDevice(t, e, c, d), 400, "AccessDeniedException", "access_denied")
}

func TestDV05_DeviceCodeSingleUse(t *testing.T) {
	e := testenv.New(t, testenv.Options{})
	c := register(t, e)
	d := startDevice(t, e, c)
	e.Browser(t).DecideDevice(d.UserCode, true)
	const n = 8
	var wg sync.WaitGroup
	results := make([]wire, n)
	for i := range n {
		wg.Go(func() { results[i] = pollDevice(t, e, c, d) })
	}
	wg.Wait()
	wins := 0
	for _, w := range results {
		if w.Status == http.StatusOK {
			wins++
			continue
		}
		wantError(t, w, 400, "InvalidGrantException", "invalid_grant")
	}
	if wins != 1 {
		t.Fatalf("%d polls got tokens, want exactly 1", wins)
	}
	wantError(t, pollDevice(t, e, c, d), 400, "InvalidGrantException", "invalid_grant")
	guessed := device{DeviceCode: "sdc_" + strings.Repeat("A", 43)}
	wantError(t, pollDevice(t, e, c, guessed), 400, "InvalidGrantException", "invalid_grant")
}

func TestDV06_DeviceCodeBoundToClient(t *testing.T) {
	e := testenv.New(t, testenv.Options{})
	a, b := register(t, e), register(t, e)
	d := startDevice(t, e, a)
	e.Browser(t).DecideDevice(d.UserCode, true)
	wantError(t, pollDevice(t, e, b, d), 400, "InvalidGrantException", "invalid_grant")
	wantError(t, pollDevice(t, e, client{a.ID, b.Secret}, d), 401, "InvalidClientException", "invalid_client")
	ok(t, pollDevice(t, e, a, d))
}

func TestRT01_ReuseAfterGraceRevokesFamily(t *testing.T) {
	e := testenv.New(t, testenv.Options{})
	c := register(t, e)
	t0 := tokens(t, e, c)
	t1 := ok(t, refresh(t, e, c, t0.str("refreshToken")))
	e.Clock.Add(authserver.DefaultLifetimes().RefreshGrace + time.Second)
	wantError(t, refresh(t, e, c, t0.str("refreshToken")), 400, "InvalidGrantException", "invalid_grant")
	wantError(t, refresh(t, e, c, t1.str("refreshToken")), 400, "InvalidGrantException", "invalid_grant")
	if w := portal(t, e, t1.str("accessToken")); w.Status != http.StatusUnauthorized {
		t.Fatalf("successor access token still works after reuse: %d", w.Status)
	}
}

func TestRT02_RetryWithinGrace(t *testing.T) {
	e := testenv.New(t, testenv.Options{})
	c := register(t, e)
	t0 := tokens(t, e, c)
	t1 := ok(t, refresh(t, e, c, t0.str("refreshToken")))
	e.Clock.Add(time.Second)
	again := ok(t, refresh(t, e, c, t0.str("refreshToken")))
	if again.str("refreshToken") != t1.str("refreshToken") || again.str("accessToken") != t1.str("accessToken") {
		t.Fatal("a retry within the grace window forked the family")
	}
	if w := portal(t, e, t0.str("accessToken")); w.Status != http.StatusUnauthorized {
		t.Fatalf("previous access token still works: %d", w.Status)
	}
	ok(t, portal(t, e, t1.str("accessToken")))
	ok(t, refresh(t, e, c, t1.str("refreshToken")))
}

func TestRT04_RefreshPastSessionEnd(t *testing.T) {
	e := testenv.New(t, testenv.Options{Lifetimes: authserver.Lifetimes{Session: 10 * time.Minute}})
	c := register(t, e)
	t0 := tokens(t, e, c)
	e.Clock.Add(9 * time.Minute)
	t1 := ok(t, refresh(t, e, c, t0.str("refreshToken")))
	e.Clock.Add(time.Minute)
	wantError(t, refresh(t, e, c, t1.str("refreshToken")), 400, "InvalidGrantException", "invalid_grant")
	// Also with a grace window open: the predecessor, presented again at
	// once, gets nothing either.
	wantError(t, refresh(t, e, c, t0.str("refreshToken")), 400, "InvalidGrantException", "invalid_grant")
}

func TestRT05_RefreshTokenBoundToClient(t *testing.T) {
	e := testenv.New(t, testenv.Options{})
	a, b := register(t, e), register(t, e)
	t0 := tokens(t, e, a)
	wantError(t, refresh(t, e, b, t0.str("refreshToken")), 400, "InvalidGrantException", "invalid_grant")
	wantError(t, refresh(t, e, client{a.ID, b.Secret}, t0.str("refreshToken")), 401, "InvalidClientException", "invalid_client")
	ok(t, refresh(t, e, a, t0.str("refreshToken")))
}

func TestCL01_ClientAuthenticationFailuresLookAlike(t *testing.T) {
	e := testenv.New(t, testenv.Options{Lifetimes: authserver.Lifetimes{ClientSecret: time.Hour}})
	c := register(t, e)
	expired := register(t, e)
	e.Clock.Add(time.Hour)
	var bodies []string
	for _, cc := range []client{{c.ID, "scs_" + strings.Repeat("x", 43)}, {"no-such-client", c.Secret}, expired} {
		w := post(t, e, "/device_authorization", map[string]any{"clientId": cc.ID, "clientSecret": cc.Secret, "startUrl": "x"})
		wantError(t, w, 401, "InvalidClientException", "invalid_client")
		bodies = append(bodies, string(w.Raw))
	}
	if bodies[0] != bodies[1] || bodies[1] != bodies[2] {
		t.Fatalf("bodies differ: %q", bodies)
	}
}

func TestCL03_OneAuthenticationMethod(t *testing.T) {
	e := testenv.New(t, testenv.Options{})
	c := register(t, e)
	body := jsonBody(t, map[string]any{"clientId": c.ID, "clientSecret": c.Secret, "startUrl": "x"})
	for name, tc := range map[string]struct{ path, auth string }{
		"basic and body":        {"/device_authorization", "Basic " + "Y2xpZW50OnNlY3JldA=="},
		"basic bad base64":      {"/device_authorization", "Basic !!!"},
		"basic no colon":        {"/device_authorization", "Basic Y2xpZW50"},
		"bearer":                {"/device_authorization", "Bearer x"},
		"secret in query":       {"/device_authorization?clientSecret=" + c.Secret, ""},
		"secret in token query": {"/token?client_secret=" + c.Secret, ""},
	} {
		t.Run(name, func(t *testing.T) {
			w := call(t, e, http.MethodPost, tc.path, body, "Authorization", tc.auth)
			wantError(t, w, 400, "InvalidRequestException", "invalid_request")
			if strings.Contains(string(w.Raw), c.Secret) {
				t.Fatal("secret echoed")
			}
		})
	}
}

func TestCL05_RegisterClientValidation(t *testing.T) {
	e := testenv.New(t, testenv.Options{})
	base := func() map[string]any { return map[string]any{"clientName": "cli", "clientType": "public"} }
	with := func(k string, v any) map[string]any { m := base(); m[k] = v; return m }
	code := func(uris ...string) map[string]any {
		m := base()
		m["grantTypes"] = []string{"authorization_code", "refresh_token"}
		m["redirectUris"] = uris
		return m
	}
	for name, tc := range map[string]struct {
		body  map[string]any
		shape string
	}{
		"confidential":      {with("clientType", "confidential"), "InvalidClientMetadataException"},
		"no type":           {with("clientType", ""), "InvalidRequestException"},
		"no name":           {with("clientName", ""), "InvalidRequestException"},
		"long name":         {with("clientName", strings.Repeat("n", 257)), "InvalidRequestException"},
		"control char name": {with("clientName", "a\u0007b"), "InvalidClientMetadataException"},
		"wildcard":          {code("https://*.example.com/cb"), "InvalidRedirectUriException"},
		"fragment":          {code("https://app.example.com/cb#x"), "InvalidRedirectUriException"},
		"javascript":        {code("javascript:alert(1)"), "InvalidRedirectUriException"},
		"data":              {code("data:text/html,x"), "InvalidRedirectUriException"},
		"file":              {code("file:///etc/passwd"), "InvalidRedirectUriException"},
		"http not loopback": {code("http://app.example.com/cb"), "InvalidRedirectUriException"},
		"userinfo":          {code("https://good@evil.example/cb"), "InvalidRedirectUriException"},
		"relative":          {code("/cb"), "InvalidRedirectUriException"},
		"code without uri":  {code(), "InvalidRedirectUriException"},
		"password grant":    {with("grantTypes", []string{"password"}), "UnsupportedGrantTypeException"},
		"implicit grant":    {with("grantTypes", []string{"implicit"}), "UnsupportedGrantTypeException"},
		"unknown grant":     {with("grantTypes", []string{"urn:x"}), "UnsupportedGrantTypeException"},
		"bad scope":         {with("scopes", []string{"a b"}), "InvalidScopeException"},
		"too many uris":     {code(make([]string, 21)...), "InvalidRequestException"},
		"IN-02 10^5 uris":   {code(make([]string, 100000)...), "InvalidRequestException"},
		"IN-02 10^5 scopes": {with("scopes", make([]string, 100000)), "InvalidRequestException"},
	} {
		t.Run(name, func(t *testing.T) {
			before, _ := e.Stores.Clients.ListClients(context.Background())
			if body := jsonBody(t, tc.body); overShellCap(body) {
				wantTooLarge(t, e, "/client/register", body)
			} else if w := post(t, e, "/client/register", tc.body); w.Status != 400 || w.Header.Get("X-Amzn-ErrorType") != tc.shape {
				t.Fatalf("got %d %s: %s", w.Status, w.Header.Get("X-Amzn-ErrorType"), w.Raw)
			}
			after, _ := e.Stores.Clients.ListClients(context.Background())
			if len(after) != len(before) {
				t.Fatal("a refused registration was stored")
			}
		})
	}
}

func TestCL07_GrantTypeAdmission(t *testing.T) {
	e := testenv.New(t, testenv.Options{})
	c := register(t, e) // device_code + refresh_token
	tok := func(grant string) wire {
		return post(t, e, "/token", map[string]any{"clientId": c.ID, "clientSecret": c.Secret, "grantType": grant, "code": "sac_x"})
	}
	wantError(t, tok("authorization_code"), 400, "UnauthorizedClientException", "unauthorized_client")
	wantError(t, tok("password"), 400, "UnsupportedGrantTypeException", "unsupported_grant_type")
	wantError(t, tok("client_credentials"), 400, "UnsupportedGrantTypeException", "unsupported_grant_type")
}

func TestIN03_DuplicatesRefused(t *testing.T) {
	e := testenv.New(t, testenv.Options{})
	c := register(t, e)
	for name, body := range map[string]string{
		"duplicate member": `{"clientId":"` + c.ID + `","clientId":"x","clientSecret":"` + c.Secret + `","startUrl":"x"}`,
		"both spellings":   `{"clientId":"` + c.ID + `","client_id":"` + c.ID + `","clientSecret":"` + c.Secret + `","startUrl":"x"}`,
	} {
		t.Run(name, func(t *testing.T) {
			wantError(t, call(t, e, http.MethodPost, "/device_authorization", body), 400, "InvalidRequestException", "invalid_request")
		})
	}
	grant := `{"clientId":"` + c.ID + `","clientSecret":"` + c.Secret + `","grantType":"refresh_token","grant_type":"password","refreshToken":"aor_x"}`
	wantError(t, call(t, e, http.MethodPost, "/token", grant), 400, "InvalidRequestException", "invalid_request")
}

func TestIN04_UnknownMembersIgnored(t *testing.T) {
	e := testenv.New(t, testenv.Options{})
	w := ok(t, call(t, e, http.MethodPost, "/client/register", `{"clientName":"cli","clientType":"public","debug":true,"extra":{"x":[1]}}`))
	if strings.Contains(string(w.Raw), "debug") {
		t.Fatal("unknown member echoed")
	}
	c := client{w.str("clientId"), w.str("clientSecret")}
	ok(t, call(t, e, http.MethodPost, "/device_authorization", jsonBody(t, map[string]any{"clientId": c.ID, "clientSecret": c.Secret, "startUrl": "x", "foo": "bar"})))
}

// TestIN05_TransportAndFieldBounds also proves the bounds come before any
// store access: on a server whose database is closed, bad input still gets
// InvalidRequestException, not InternalServerException.
func TestIN05_TransportAndFieldBounds(t *testing.T) {
	e := testenv.New(t, testenv.Options{})
	c := register(t, e)
	tok := func(extra map[string]any) string {
		m := map[string]any{"clientId": c.ID, "clientSecret": c.Secret, "grantType": "refresh_token"}
		for k, v := range extra {
			m[k] = v
		}
		return jsonBody(t, m)
	}
	if w := call(t, e, http.MethodGet, "/token", ""); w.Status != http.StatusMethodNotAllowed || w.Header.Get("Allow") != "POST" {
		t.Fatalf("GET /token: %d %v", w.Status, w.Header)
	}
	if w := call(t, e, http.MethodPut, "/client/register", "{}"); w.Status != http.StatusMethodNotAllowed {
		t.Fatalf("PUT /client/register: %d", w.Status)
	}
	if err := e.DB.Close(); err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		body string
		hdr  []string
		path string
	}{
		"text/plain":               {body: tok(nil), hdr: []string{"Content-Type", "text/plain"}},
		"form":                     {body: "clientId=x", hdr: []string{"Content-Type", "application/x-www-form-urlencoded"}},
		"multipart":                {body: tok(nil), hdr: []string{"Content-Type", "multipart/form-data; boundary=x"}},
		"long code":                {body: tok(map[string]any{"grantType": "authorization_code", "code": strings.Repeat("c", 2049)})},
		"long refresh":             {body: tok(map[string]any{"refreshToken": strings.Repeat("r", 4097)})},
		"long verifier":            {body: tok(map[string]any{"codeVerifier": strings.Repeat("v", 257)})},
		"invalid UTF-8":            {body: `{"clientId":"a` + "\xff" + `","clientSecret":"b","grantType":"refresh_token","refreshToken":"x"}`},
		"NUL":                      {body: tok(map[string]any{"refreshToken": "aor\u0000x"})},
		"too large":                {body: `{"clientId":"` + strings.Repeat("a", 65<<10) + `"}`},
		"too deep":                 {body: `{"x":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}`},
		"IN-02 nested 10 000 deep": {body: `{"x":` + strings.Repeat("[", 10000) + strings.Repeat("]", 10000) + `}`},
		"IN-02 1 MB string":        {body: tok(map[string]any{"refreshToken": strings.Repeat("r", 1<<20)})},
		"IN-02 10^5 scopes":        {body: tok(map[string]any{"refreshToken": "aor_x", "scope": make([]string, 100000)})},
		"query secret":             {body: tok(nil), path: "/token?refreshToken=aor_x"},
		"many scopes":              {body: tok(map[string]any{"refreshToken": "aor_x", "scope": make([]string, 51)})},
		"not an object":            {body: `["x"]`},
	} {
		t.Run(name, func(t *testing.T) {
			path := tc.path
			if path == "" {
				path = "/token"
			}
			if overShellCap(tc.body) {
				wantTooLarge(t, e, path, tc.body)
				return
			}
			wantError(t, call(t, e, http.MethodPost, path, tc.body, tc.hdr...), 400, "InvalidRequestException", "invalid_request")
		})
	}
	// And the closed database really fails what does reach it: a database
	// gone mid-run is a 500, never a 200 without a durable write.
	t.Run("CC-06 database down is a 500", func(t *testing.T) {
		wantError(t, refresh(t, e, c, "aor"+strings.Repeat("A", 43)), 500, "InternalServerException", "server_error")
	})
}
