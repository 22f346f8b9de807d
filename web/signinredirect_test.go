package web

import (
	"net/http"
	"strings"
	"testing"
)

// TestWB11_SignInRedirectOnlyToRegisteredCallback: the same-device Sign-In
// client is registered with http://127.0.0.1/oauth/callback. Only the port
// may vary; any other path, or a query, gets an error page. And before the
// user has signed in, no Sign-In request is redirected anywhere, not even
// an invalid one to the right callback.
func TestWB11_SignInRedirectOnlyToRegisteredCallback(t *testing.T) {
	hs := newHarness(t)
	anon := hs.agent("192.0.2.77")
	alice := hs.signedIn()
	badURIs := []string{
		"http://127.0.0.1:8080/admin/delete",
		"http://127.0.0.1:53219/oauth/callback/",
		"http://127.0.0.1:53219/oauth/callbackx",
		"http://127.0.0.1:53219/OAUTH/CALLBACK",
		"http://127.0.0.1:53219/oauth/%63allback",
		"http://127.0.0.1:53219/",
		"http://127.0.0.1:53219/oauth/callback?next=/admin",
		"http://127.0.0.1:53219/x/../oauth/callback",
	}
	for _, uri := range badURIs {
		for _, who := range []struct {
			name string
			a    *agent
		}{{"anonymous", anon}, {"signed in", alice}} {
			t.Run(who.name+" "+uri, func(t *testing.T) {
				// Valid in every other respect, and invalid (no PKCE): neither
				// may reach the listener.
				for _, q := range []string{
					authorizeQuery(SignInSameDevice, uri, "code_challenge_method", "SHA-256", "state", "attacker"),
					authorizeQuery(SignInSameDevice, uri, "code_challenge", "\x00", "state", "attacker"),
				} {
					w := who.a.get("/v1/authorize?" + q)
					refusedOnPage(t, hs, w, 0)
				}
			})
		}
	}

	good := "http://127.0.0.1:53219/oauth/callback"
	t.Run("anonymous, invalid request to the registered callback", func(t *testing.T) {
		for _, q := range []string{
			authorizeQuery(SignInSameDevice, good, "code_challenge", "\x00", "state", "attacker"),
			authorizeQuery(SignInSameDevice, good, "response_type", "token", "state", "attacker"),
			authorizeQuery(SignInSameDevice, good, "scope", "admin", "state", "attacker"),
		} {
			w := anon.get("/v1/authorize?" + q)
			refusedOnPage(t, hs, w, 0)
			if strings.Contains(w.Body.String(), "attacker") {
				t.Errorf("the page echoes the state")
			}
		}
	})
	t.Run("anonymous, valid request goes to login", func(t *testing.T) {
		w := anon.get("/v1/authorize?" + authorizeQuery(SignInSameDevice, good, "code_challenge_method", "SHA-256"))
		if loc := location(t, w); w.Code != http.StatusSeeOther || loc.Path != "/login" {
			t.Errorf("status %d, Location %v; want 303 to /login", w.Code, loc)
		}
	})
	t.Run("signed in, any port of the callback", func(t *testing.T) {
		for _, uri := range []string{good, "http://127.0.0.1/oauth/callback", "http://127.0.0.1:1/oauth/callback"} {
			f := alice.consent("/v1/authorize?" + authorizeQuery(SignInSameDevice, uri, "code_challenge_method", "SHA-256"))
			f.Set("decision", "approve")
			f.Set("assignment", "111111111111/Developer")
			loc := location(t, alice.post("/consent", f))
			if loc.Scheme+"://"+loc.Host+loc.Path != uri || loc.Query().Get("code") == "" {
				t.Errorf("approved %s: redirect %v", uri, loc)
			}
		}
	})
}
