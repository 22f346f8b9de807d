package ssooidc_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/signet-auth/signet/authserver"
	"github.com/signet-auth/signet/internal/testenv"
	"github.com/signet-auth/signet/ratelimit"
	"github.com/signet-auth/signet/ratelimit/ratelimittest"
)

// limited starts a server whose limiter applies only the limits set.
func limited(t *testing.T, set func(*ratelimit.Policy)) *testenv.Env {
	t.Helper()
	var p ratelimit.Policy
	set(&p)
	return testenv.New(t, testenv.Options{RateLimits: &p})
}

// fromAddr sends an unsigned operation as if from addr (loopback is the
// test server's trusted proxy).
func fromAddr(t testing.TB, e *testenv.Env, addr, path string, v any) wire {
	t.Helper()
	return call(t, e, http.MethodPost, path, jsonBody(t, v), "X-Forwarded-For", addr)
}

// RL-02: floods of StartDeviceAuthorization and CreateToken get the
// model's throttle, 400 SlowDownException, never a 429.
func TestRL02_FloodsGetSlowDown(t *testing.T) {
	e := limited(t, func(p *ratelimit.Policy) { p.Client = ratelimit.Limit{N: 2, Per: time.Minute} })
	c := register(t, e)
	d := startDevice(t, e, c)
	startDevice(t, e, c)
	start := map[string]any{"clientId": c.ID, "clientSecret": c.Secret, "startUrl": "https://d-1234567890.awsapps.com/start"}
	wantError(t, post(t, e, "/device_authorization", start), 400, "SlowDownException", "slow_down")

	for range 2 {
		wantError(t, pollDevice(t, e, c, d), 400, "AuthorizationPendingException", "authorization_pending")
		e.Clock.Add(5 * time.Second)
	}
	// A poll at the interval, which the engine would take: the client's
	// bucket (2 per minute) is empty.
	wantError(t, pollDevice(t, e, c, d), 400, "SlowDownException", "slow_down")
	// The throttle changed nothing: after the refill the flow goes on.
	e.Clock.Add(time.Minute)
	wantError(t, pollDevice(t, e, c, d), 400, "AuthorizationPendingException", "authorization_pending")
}

// RL-03: RegisterClient floods from one address get 429 with Retry-After
// (the type is the modeled SlowDownException); another address is not
// affected.
func TestRL03_RegisterClientThrottled(t *testing.T) {
	e := limited(t, func(p *ratelimit.Policy) { p.Register = ratelimit.Limit{N: 3, Per: time.Minute} })
	reg := map[string]any{"clientName": "botocore-client-test", "clientType": "public"}
	for range 3 {
		ok(t, fromAddr(t, e, "203.0.113.9", "/client/register", reg))
	}
	w := fromAddr(t, e, "203.0.113.9", "/client/register", reg)
	wantError(t, w, http.StatusTooManyRequests, "SlowDownException", "slow_down")
	if s, err := strconv.Atoi(w.Header.Get("Retry-After")); err != nil || s < 1 {
		t.Errorf("Retry-After = %q", w.Header.Get("Retry-After"))
	}
	ok(t, fromAddr(t, e, "198.51.100.4", "/client/register", reg))
}

// CL-04: wrong client secrets from one address lock that address out of
// the client; the real client, calling from its own address, goes on.
func TestCL04_ClientSecretGuessing(t *testing.T) {
	e := limited(t, func(p *ratelimit.Policy) { p.ClientAuth = ratelimit.Limit{N: 3, Per: 15 * time.Minute} })
	c := register(t, e)
	d := startDevice(t, e, c)
	poll := func(secret string) map[string]any {
		return map[string]any{"clientId": c.ID, "clientSecret": secret,
			"grantType": "urn:ietf:params:oauth:grant-type:device_code", "deviceCode": d.DeviceCode}
	}
	for i := range 3 {
		w := fromAddr(t, e, "203.0.113.66", "/token", poll("guess-"+strconv.Itoa(i)))
		wantError(t, w, 401, "InvalidClientException", "invalid_client")
	}
	wantError(t, fromAddr(t, e, "203.0.113.66", "/token", poll(c.Secret)), 400, "SlowDownException", "slow_down")
	start := map[string]any{"clientId": c.ID, "clientSecret": c.Secret, "startUrl": "https://d-1234567890.awsapps.com/start"}
	wantError(t, fromAddr(t, e, "203.0.113.66", "/device_authorization", start), 400, "SlowDownException", "slow_down")
	wantError(t, fromAddr(t, e, "198.51.100.20", "/token", poll(c.Secret)), 400, "AuthorizationPendingException", "authorization_pending")
}

// RL-06: a client keeping the advertised cadence under the default policy
// is never throttled: it polls every interval for most of the device
// code's life, gets its tokens, and refreshes near each expiry.
func TestRL06_AdvertisedCadenceNeverThrottled(t *testing.T) {
	p := ratelimit.DefaultPolicy()
	e := testenv.New(t, testenv.Options{RateLimits: &p})
	c := register(t, e)
	d := startDevice(t, e, c)
	life := authserver.DefaultLifetimes()
	for range int((life.DeviceAuthorization - time.Minute) / life.DevicePollInterval) {
		e.Clock.Add(life.DevicePollInterval)
		wantError(t, pollDevice(t, e, c, d), 400, "AuthorizationPendingException", "authorization_pending")
	}
	if p := e.Browser(t).DecideDevice(d.UserCode, true); !strings.Contains(p.Body, "Device approved") {
		t.Fatalf("approval page: %d %s", p.Status, p.Body)
	}
	e.Clock.Add(life.DevicePollInterval)
	rt := ok(t, pollDevice(t, e, c, d)).str("refreshToken")
	for range 3 {
		e.Clock.Add(life.AccessToken - time.Minute)
		rt = ok(t, refresh(t, e, c, rt)).str("refreshToken")
	}
}

// RL-06: with the limiter's store down, client authentication fails
// closed (InternalServerException, which SDKs retry, with Retry-After) and
// RegisterClient, which cannot be brute-forced, stays open.
func TestRL06_StoreDown(t *testing.T) {
	p := ratelimit.DefaultPolicy()
	e := testenv.New(t, testenv.Options{RateLimits: &p, RateLimitStore: ratelimittest.DownStore{}})
	c := register(t, e)
	start := map[string]any{"clientId": c.ID, "clientSecret": c.Secret, "startUrl": "https://d-1234567890.awsapps.com/start"}
	w := post(t, e, "/device_authorization", start)
	wantError(t, w, 500, "InternalServerException", "server_error")
	if w.Header.Get("Retry-After") == "" {
		t.Error("no Retry-After")
	}
	register(t, e)
}
