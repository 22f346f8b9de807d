package authserver

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/secret"
)

func (f *fixture) startDevice(c IssuedClient) DeviceStart {
	f.t.Helper()
	d, err := f.srv.StartDevice(f.ctx, signet.ProtocolSSOOIDC, c.Client.ID, nil)
	if err != nil {
		f.t.Fatal(err)
	}
	return d
}

func deviceRequest(c IssuedClient, deviceCode string) TokenRequest {
	return TokenRequest{Protocol: signet.ProtocolSSOOIDC, GrantType: signet.GrantDeviceCode,
		Client: ClientSecret{ID: c.Client.ID, Secret: c.Secret}, DeviceCode: deviceCode}
}

func TestDeviceFlow(t *testing.T) {
	f := newFixture(t)
	c, u := f.deviceClient(), f.user("alice")
	if !c.Client.AllowsGrant(signet.GrantDeviceCode) || !c.Client.AllowsGrant(signet.GrantRefreshToken) || c.Client.AllowsGrant(signet.GrantAuthorizationCode) {
		t.Fatalf("device registration grants: %v", c.Client.GrantTypes)
	}
	d := f.startDevice(c)
	if !secret.WellFormed(d.DeviceCode, secret.PrefixDeviceCode) || d.Interval != 5*time.Second || d.ExpiresIn != 600*time.Second {
		t.Fatalf("start: %+v", d)
	}
	if len(d.UserCode) != secret.UserCodeLength+1 || d.UserCode[secret.UserCodeLength/2] != '-' {
		t.Fatalf("user code %q", d.UserCode)
	}
	view, err := f.srv.LookupUserCode(f.ctx, d.UserCode)
	if err != nil || view.Client.ID != c.Client.ID || view.Device.Status != signet.DevicePending {
		t.Fatalf("lookup: %+v, %v", view, err)
	}
	if _, err := f.srv.ApproveDevice(f.ctx, d.UserCode, u.ID); err != nil {
		t.Fatal(err)
	}
	resp := f.token(deviceRequest(c, d.DeviceCode))
	if resp.UserID != u.ID || !secret.WellFormed(resp.AccessToken, secret.PrefixSSOAccess) {
		t.Fatalf("device tokens: %+v", resp)
	}
	f.token(f.refreshRequest(c, resp.RefreshToken))
}

// DV-01: polling before the user acts is authorization_pending.
func TestDV01_Pending(t *testing.T) {
	f := newFixture(t)
	c := f.deviceClient()
	d := f.startDevice(c)
	_, err := f.srv.Token(f.ctx, deviceRequest(c, d.DeviceCode))
	wantErr(t, err, signet.CodeAuthorizationPending, "")
}

// DV-02: polling sooner than the interval is slow_down; the interval grows
// by 5 s and is enforced from the store.
func TestDV02_SlowDown(t *testing.T) {
	f := newFixture(t)
	c := f.deviceClient()
	d := f.startDevice(c)
	r := deviceRequest(c, d.DeviceCode)
	_, err := f.srv.Token(f.ctx, r)
	wantErr(t, err, signet.CodeAuthorizationPending, "")
	// One early poll is let through (AB-03); the next one that comes too
	// soon is slow_down.
	_, err = f.srv.Token(f.ctx, r)
	wantErr(t, err, signet.CodeAuthorizationPending, "")
	f.clock.Add(5*time.Second - time.Millisecond)
	_, err = f.srv.Token(f.ctx, r)
	if e := wantErr(t, err, signet.CodeSlowDown, ""); e.RetryAfter != 10*time.Second {
		t.Fatalf("RetryAfter %v, want 10s", e.RetryAfter)
	}
	f.clock.Add(5 * time.Second) // enough for the old interval, not the new one
	_, err = f.srv.Token(f.ctx, r)
	if e := wantErr(t, err, signet.CodeSlowDown, ""); e.RetryAfter != 15*time.Second {
		t.Fatalf("RetryAfter %v, want 15s", e.RetryAfter)
	}
	f.clock.Add(15 * time.Second)
	_, err = f.srv.Token(f.ctx, r)
	wantErr(t, err, signet.CodeAuthorizationPending, "")
}

// DV-03: after expiry, polls are expired_token and the page cannot approve.
func TestDV03_Expired(t *testing.T) {
	f := newFixture(t)
	c, u := f.deviceClient(), f.user("alice")
	d := f.startDevice(c)
	f.clock.Add(600*time.Second - time.Millisecond)
	if _, err := f.srv.LookupUserCode(f.ctx, d.UserCode); err != nil {
		t.Fatalf("just inside: %v", err)
	}
	f.clock.Add(time.Millisecond)
	_, err := f.srv.Token(f.ctx, deviceRequest(c, d.DeviceCode))
	wantErr(t, err, signet.CodeExpiredToken, "")
	_, err = f.srv.LookupUserCode(f.ctx, d.UserCode)
	wantErr(t, err, signet.CodeExpiredToken, "")
	_, err = f.srv.ApproveDevice(f.ctx, d.UserCode, u.ID)
	wantErr(t, err, signet.CodeExpiredToken, "")
	_, err = f.srv.Token(f.ctx, deviceRequest(c, d.DeviceCode))
	wantErr(t, err, signet.CodeExpiredToken, "")
}

// DV-04: a decision is final.
func TestDV04_TerminalStatesFinal(t *testing.T) {
	f := newFixture(t)
	c, u := f.deviceClient(), f.user("alice")
	d := f.startDevice(c)
	if _, err := f.srv.DenyDevice(f.ctx, d.UserCode); err != nil {
		t.Fatal(err)
	}
	_, err := f.srv.ApproveDevice(f.ctx, d.UserCode, u.ID)
	wantErr(t, err, signet.CodeConflict, "")
	_, err = f.srv.Token(f.ctx, deviceRequest(c, d.DeviceCode))
	wantErr(t, err, signet.CodeAccessDenied, "")

	d2 := f.startDevice(c)
	if _, err := f.srv.ApproveDevice(f.ctx, d2.UserCode, u.ID); err != nil {
		t.Fatal(err)
	}
	_, err = f.srv.DenyDevice(f.ctx, d2.UserCode)
	wantErr(t, err, signet.CodeConflict, "")
	_, err = f.srv.ApproveDevice(f.ctx, d2.UserCode, u.ID)
	wantErr(t, err, signet.CodeConflict, "")
	f.token(deviceRequest(c, d2.DeviceCode))
}

// DV-05: one token set per device code; later, parallel and guessed polls
// are invalid_grant.
func TestDV05_SingleRedemption(t *testing.T) {
	f := newFixture(t)
	c, u := f.deviceClient(), f.user("alice")
	d := f.startDevice(c)
	if _, err := f.srv.ApproveDevice(f.ctx, d.UserCode, u.ID); err != nil {
		t.Fatal(err)
	}
	const n = 8
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		wins int
	)
	for range n {
		wg.Go(func() {
			_, err := f.srv.Token(f.ctx, deviceRequest(c, d.DeviceCode))
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				wins++
				return
			}
			if code := signet.ErrorCodeOf(err); code != signet.CodeInvalidGrant && code != signet.CodeSlowDown {
				t.Errorf("losing poll: %v", err)
			}
		})
	}
	wg.Wait()
	if wins != 1 {
		t.Fatalf("%d polls got tokens, want 1", wins)
	}
	f.clock.Add(time.Minute)
	_, err := f.srv.Token(f.ctx, deviceRequest(c, d.DeviceCode))
	wantErr(t, err, signet.CodeInvalidGrant, "")
	guess, _, _ := f.srv.minter.New(secret.PrefixDeviceCode)
	for _, dc := range []string{guess, "sdc_short", d.DeviceCode[:len(d.DeviceCode)-1] + "A"} {
		_, err = f.srv.Token(f.ctx, deviceRequest(c, dc))
		wantErr(t, err, signet.CodeInvalidGrant, "")
	}
	sessions, err := f.srv.ListSessions(f.ctx, signet.SessionFilter{ClientID: c.Client.ID})
	if err != nil || len(sessions) != 1 {
		t.Fatalf("%d sessions, %v", len(sessions), err)
	}
}

// DV-06: another client's device code is invalid_grant and changes nothing.
func TestDV06_DeviceCodeBoundToClient(t *testing.T) {
	f := newFixture(t)
	a, b, u := f.deviceClient(), f.deviceClient(), f.user("alice")
	d := f.startDevice(a)
	if _, err := f.srv.ApproveDevice(f.ctx, d.UserCode, u.ID); err != nil {
		t.Fatal(err)
	}
	_, err := f.srv.Token(f.ctx, deviceRequest(b, d.DeviceCode))
	wantErr(t, err, signet.CodeInvalidGrant, "")
	bad := deviceRequest(a, d.DeviceCode)
	bad.Client = ClientSecret{ID: a.Client.ID, Secret: b.Secret}
	_, err = f.srv.Token(f.ctx, bad)
	wantErr(t, err, signet.CodeInvalidClient, "")
	f.token(deviceRequest(a, d.DeviceCode))
}

// DV-07 (engine side): user codes are 8 characters of a 20-letter alphabet
// and live at most 30 minutes; malformed codes are refused without a
// lookup.
func TestDV07_UserCodeSpace(t *testing.T) {
	if err := lifetimesErr(t, Lifetimes{DeviceAuthorization: 31 * time.Minute}); err == nil || !strings.Contains(err.Error(), "DeviceAuthorization") {
		t.Fatalf("a 31-minute device lifetime: %v", err)
	}
	f := newFixture(t)
	c := f.deviceClient()
	seen := map[string]bool{}
	for range 50 {
		d := f.startDevice(c)
		code := strings.ReplaceAll(d.UserCode, "-", "")
		if len(code) != secret.UserCodeLength || strings.Trim(code, secret.UserCodeAlphabet) != "" || seen[code] {
			t.Fatalf("user code %q", d.UserCode)
		}
		seen[code] = true
	}
	for _, typed := range []string{"", "AAAA-AAAA", "BCDF-GHJ", "BCDF-GHJKL", strings.Repeat("B", 100)} {
		_, err := f.srv.LookupUserCode(f.ctx, typed)
		wantErr(t, err, signet.CodeNotFound, "")
	}
}

// DV-08: lower case, missing or extra dashes and spaces still match.
func TestDV08_UserCodeNormalised(t *testing.T) {
	f := newFixture(t)
	c := f.deviceClient()
	d := f.startDevice(c)
	plain := strings.ReplaceAll(d.UserCode, "-", "")
	for _, typed := range []string{d.UserCode, strings.ToLower(d.UserCode), plain, " " + plain[:2] + " - " + plain[2:] + " ", strings.ToLower(plain[:4]) + "--" + plain[4:]} {
		view, err := f.srv.LookupUserCode(f.ctx, typed)
		if err != nil || view.Client.ID != c.Client.ID {
			t.Fatalf("LookupUserCode(%q): %v", typed, err)
		}
	}
}

func TestDeviceScopes(t *testing.T) {
	f := newFixture(t)
	reg, err := f.srv.RegisterClient(f.ctx, Registration{ClientName: "scoped", ClientType: "public", Scopes: []string{"a", "b"}})
	if err != nil {
		t.Fatal(err)
	}
	u := f.user("alice")
	if _, err := f.srv.StartDevice(f.ctx, signet.ProtocolSSOOIDC, reg.Client.ID, []string{"c"}); signet.ErrorCodeOf(err) != signet.CodeInvalidScope {
		t.Fatalf("scope beyond the client: %v", err)
	}
	d, err := f.srv.StartDevice(f.ctx, signet.ProtocolSSOOIDC, reg.Client.ID, []string{"a"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.srv.ApproveDevice(f.ctx, d.UserCode, u.ID); err != nil {
		t.Fatal(err)
	}
	r := deviceRequest(reg, d.DeviceCode)
	r.Scopes = []string{"b"}
	_, err = f.srv.Token(f.ctx, r)
	wantErr(t, err, signet.CodeInvalidScope, "")
	f.clock.Add(5 * time.Second)
	if got := f.token(deviceRequest(reg, d.DeviceCode)); len(got.Scopes) != 1 || got.Scopes[0] != "a" {
		t.Fatalf("scopes %v", got.Scopes)
	}
	admin, err := f.srv.CreateClient(f.ctx, ClientSpec{Name: "app", Type: signet.ClientConfidential,
		GrantTypes: []string{signet.GrantAuthorizationCode}, RedirectURIs: []string{"https://app.example.com/cb"}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.srv.StartDevice(f.ctx, signet.ProtocolSSOOIDC, admin.Client.ID, nil)
	wantErr(t, err, signet.CodeUnauthorizedClient, "")
	if _, err := f.srv.StartDevice(f.ctx, signet.ProtocolSignIn, reg.Client.ID, nil); err == nil {
		t.Fatal("device flow started for Sign-In")
	}
}

// aws sso login --use-device-code reuses the registration of an earlier
// PKCE login (grant types authorization_code and refresh_token only); AWS
// accepts the device flow for it, so signet must too.
func TestDeviceFlowForPKCERegistration(t *testing.T) {
	f := newFixture(t)
	pkce := f.ssoClient()
	if pkce.Client.AllowsGrant(signet.GrantDeviceCode) || !pkce.Client.Dynamic {
		t.Fatalf("fixture client %+v", pkce.Client)
	}
	u := f.user("alice")
	d, err := f.srv.StartDevice(f.ctx, signet.ProtocolSSOOIDC, pkce.Client.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.srv.ApproveDevice(f.ctx, d.UserCode, u.ID); err != nil {
		t.Fatal(err)
	}
	if got := f.token(deviceRequest(pkce, d.DeviceCode)); got.AccessToken == "" {
		t.Fatal("no access token")
	}
	// Only the device flow is lent; the standard surface keeps the rule.
	if _, err := f.srv.StartDevice(f.ctx, signet.ProtocolOAuth2, pkce.Client.ID, nil); signet.ErrorCodeOf(err) != signet.CodeUnauthorizedClient {
		t.Fatalf("oauth2 device flow for a PKCE registration: %v", err)
	}
}
