package oauth2_test

import (
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/internal/testenv"
	"github.com/signet-auth/signet/ratelimit"
	"github.com/signet-auth/signet/ratelimit/ratelimittest"
)

// limited starts a server whose limiter applies only the limits set.
func limited(t *testing.T, set func(*ratelimit.Policy), o testenv.Options) *testenv.Env {
	t.Helper()
	var p ratelimit.Policy
	set(&p)
	o.RateLimits = &p
	return newEnv(t, o)
}

// wantThrottled checks the throttle answer: 429, RFC 6749-shaped JSON,
// Retry-After in whole seconds, no-store.
func wantThrottled(t *testing.T, r reply) {
	t.Helper()
	wantError(t, r, http.StatusTooManyRequests, "too_many_requests")
	if s, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || s < 1 {
		t.Errorf("Retry-After = %q, want whole seconds ≥ 1", r.Header.Get("Retry-After"))
	}
}

// SD-01: introspection is limited per calling client, so an authenticated
// caller cannot scan tokens; another caller keeps its own budget.
func TestSD01_IntrospectionLimitedPerCaller(t *testing.T) {
	e := limited(t, func(p *ratelimit.Policy) { p.Introspect = ratelimit.Limit{N: 3, Per: time.Minute} }, testenv.Options{})
	scanner, other := webClient(t, e), webClient(t, e)
	for i := range 3 {
		if r := introspect(t, e, scanner, "sat_guess"+strconv.Itoa(i)); r.Status != http.StatusOK {
			t.Fatalf("introspection %d: %d %s", i, r.Status, r.Raw)
		}
	}
	wantThrottled(t, introspect(t, e, scanner, "sat_guess4"))
	if r := introspect(t, e, other, "sat_guess"); r.Status != http.StatusOK {
		t.Errorf("another caller: %d %s", r.Status, r.Raw)
	}
	e.Clock.Add(time.Minute)
	if r := introspect(t, e, scanner, "sat_guess5"); r.Status != http.StatusOK {
		t.Errorf("after the refill: %d %s", r.Status, r.Raw)
	}
}

// RL-02 at the standard surface: floods of the token and device endpoints
// get 429 with Retry-After, per client and address.
func TestRL02_TokenAndDeviceFloods(t *testing.T) {
	e := limited(t, func(p *ratelimit.Policy) { p.Client = ratelimit.Limit{N: 2, Per: time.Minute} }, testenv.Options{})
	dev := client(t, e, signet.ClientPublic, []string{signet.GrantDeviceCode})
	start := url.Values{"client_id": {dev.Client.ID}}
	for range 2 {
		if r := post(t, e, "/oauth2/device_authorization", start); r.Status != http.StatusOK {
			t.Fatalf("device authorization: %d %s", r.Status, r.Raw)
		}
	}
	wantThrottled(t, post(t, e, "/oauth2/device_authorization", start))
	poll := url.Values{"client_id": {dev.Client.ID}, "grant_type": {signet.GrantDeviceCode}, "device_code": {"sdc_x"}}
	for range 2 {
		if r := post(t, e, "/oauth2/token", poll); r.Status != http.StatusBadRequest {
			t.Fatalf("poll: %d %s", r.Status, r.Raw)
		}
	}
	wantThrottled(t, post(t, e, "/oauth2/token", poll))
	if r := post(t, e, "/oauth2/token", poll, "X-Forwarded-For", "198.51.100.1"); r.Status != http.StatusBadRequest {
		t.Errorf("the same client from another address: %d %s", r.Status, r.Raw)
	}
}

// RL-03 at the standard surface: RFC 7591 registrations per address get
// 429 with Retry-After.
func TestRL03_DynamicRegistrationThrottled(t *testing.T) {
	e := limited(t, func(p *ratelimit.Policy) { p.Register = ratelimit.Limit{N: 2, Per: time.Minute} },
		testenv.Options{DynamicRegistration: true})
	body := `{"client_name":"app","redirect_uris":["http://127.0.0.1/cb"],"grant_types":["authorization_code"]}`
	for i := range 2 {
		if r := call(t, e, "POST", "/oauth2/register", body, "application/json"); r.Status != http.StatusCreated {
			t.Fatalf("registration %d: %d %s", i, r.Status, r.Raw)
		}
	}
	wantThrottled(t, call(t, e, "POST", "/oauth2/register", body, "application/json"))
	if r := call(t, e, "POST", "/oauth2/register", body, "application/json", "X-Forwarded-For", "203.0.113.5"); r.Status != http.StatusCreated {
		t.Errorf("another address: %d %s", r.Status, r.Raw)
	}
}

// CL-04 at the standard surface: wrong client secrets from one address
// lock that address out of the client (even with the right secret), not
// the real client calling from elsewhere, at every endpoint that takes a
// secret.
func TestCL04_ClientSecretGuessing(t *testing.T) {
	e := limited(t, func(p *ratelimit.Policy) { p.ClientAuth = ratelimit.Limit{N: 3, Per: 15 * time.Minute} }, testenv.Options{})
	app := client(t, e, signet.ClientConfidential, []string{signet.GrantClientCredentials}, "read")
	cc := url.Values{"grant_type": {signet.GrantClientCredentials}}
	attacker, real := []string{"X-Forwarded-For", "203.0.113.66"}, []string{"X-Forwarded-For", "198.51.100.20"}
	for i := range 3 {
		r := post(t, e, "/oauth2/token", cc, append([]string{"Authorization", basic(app.Client.ID, "scs_guess"+strconv.Itoa(i))}, attacker...)...)
		wantError(t, r, http.StatusUnauthorized, "invalid_client")
	}
	right := append([]string{"Authorization", basic(app.Client.ID, app.Secret)}, attacker...)
	wantThrottled(t, post(t, e, "/oauth2/token", cc, right...))
	wantThrottled(t, post(t, e, "/oauth2/introspect", url.Values{"token": {"x"}}, right...))
	wantThrottled(t, post(t, e, "/oauth2/revoke", url.Values{"token": {"x"}}, right...))
	if r := post(t, e, "/oauth2/token", cc, append([]string{"Authorization", basic(app.Client.ID, app.Secret)}, real...)...); r.Status != http.StatusOK {
		t.Errorf("the real client from its own address: %d %s", r.Status, r.Raw)
	}
	e.Clock.Add(15 * time.Minute)
	if r := post(t, e, "/oauth2/token", cc, right...); r.Status != http.StatusOK {
		t.Errorf("after the window: %d %s", r.Status, r.Raw)
	}
}

// RL-06 at the standard surface: the limiter's store is down. Client
// authentication is refused (503 with Retry-After: fail closed); the
// per-node throttles go on without it.
func TestRL06_StoreDownFailsClosedOnClientAuthentication(t *testing.T) {
	p := ratelimit.DefaultPolicy()
	e := newEnv(t, testenv.Options{RateLimits: &p, RateLimitStore: ratelimittest.DownStore{}})
	app := client(t, e, signet.ClientConfidential, []string{signet.GrantClientCredentials}, "read")
	r := post(t, e, "/oauth2/token", url.Values{"grant_type": {signet.GrantClientCredentials}}, "Authorization", basic(app.Client.ID, app.Secret))
	wantError(t, r, http.StatusServiceUnavailable, "temporarily_unavailable")
	if r.Header.Get("Retry-After") == "" {
		t.Error("no Retry-After")
	}
	// A public client authenticates by id alone: nothing to guess.
	dev := client(t, e, signet.ClientPublic, []string{signet.GrantDeviceCode})
	if r := post(t, e, "/oauth2/device_authorization", url.Values{"client_id": {dev.Client.ID}}); r.Status != http.StatusOK {
		t.Errorf("public device authorization with the store down: %d %s", r.Status, r.Raw)
	}
}
