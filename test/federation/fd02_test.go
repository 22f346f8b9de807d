package federation

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
)

// TestFD02_StateBinding: the upstream leg carries PKCE S256, a state and a
// nonce; a callback with a state another browser started, a state already
// used, no state or an unknown one (an unsolicited, provider-initiated
// response), a state of another provider, or an iss naming another issuer
// (RFC 9207) is refused with nothing provisioned (RFC 9700 §4.7, §2.1.1).
func TestFD02_StateBinding(t *testing.T) {
	e := newEnv(t)
	h := startHostile(t, "signet-fd02", "hostile-client-secret-0123456789abcdef")
	e.addIdP(t, "hostile", h.URL, h.ClientID, h.Secret)
	e.addIdP(t, "other", h.URL, h.ClientID, h.Secret)
	h.setIDToken(func(nonce string) string { return sign(t, h.claims(nonce, e.Clock.Now()), jose.ES256, h.key, "k1") })
	toCallback := func(u string) bool {
		return strings.HasPrefix(u, e.URL+"/login/federated/") && strings.Contains(u, "/callback")
	}
	// start begins a login in b and returns the callback URL the provider
	// sent back, not yet followed.
	start := func(b *browser, idp string) string {
		t.Helper()
		return b.follow(e.URL+"/login/federated/"+idp, toCallback).URL
	}
	// refused follows cb in b and wants the generic refusal, nothing
	// provisioned, and reason in the log.
	refused := func(t *testing.T, b *browser, cb, reason string) {
		t.Helper()
		users := userCount(t, e)
		before := len(e.log.String())
		p := b.follow(cb, nil)
		if logged := e.log.String()[before:]; !strings.Contains(logged, reason) {
			t.Errorf("log lacks %q:\n%s", reason, logged)
		}
		if p.Status != http.StatusBadRequest || !strings.Contains(p.Body, "could not be completed") {
			t.Fatalf("callback answered %d:\n%s", p.Status, p.Body)
		}
		if userCount(t, e) != users {
			t.Fatal("a refused callback provisioned a user")
		}
	}

	t.Run("FD-02/PKCES256AndNonceSent", func(t *testing.T) {
		b := newBrowser(t)
		p := b.follow(start(b, "hostile"), nil)
		if p.Status != http.StatusOK {
			t.Fatalf("login: %d\n%s", p.Status, p.Body)
		}
		auth, tok := h.lastAuth(), h.lastTokenRequest()
		sum := sha256.Sum256([]byte(tok.Get("code_verifier")))
		switch {
		case auth.Get("code_challenge_method") != "S256" || len(auth.Get("code_challenge")) != 43:
			t.Errorf("authorization request without PKCE S256: %v", auth)
		case base64.RawURLEncoding.EncodeToString(sum[:]) != auth.Get("code_challenge"):
			t.Errorf("token request's verifier does not match the challenge")
		case len(auth.Get("state")) < 43 || len(auth.Get("nonce")) < 43:
			t.Errorf("state %q and nonce %q: want 256 bits each", auth.Get("state"), auth.Get("nonce"))
		case strings.Contains(auth.Encode(), tok.Get("code_verifier")):
			t.Errorf("the verifier travelled in the authorization request")
		}
	})
	t.Run("FD-02/StateFromAnotherBrowser", func(t *testing.T) {
		victim, attacker := newBrowser(t), newBrowser(t)
		// The attacker starts a login of its own and hands its callback
		// to the victim's browser (login CSRF): the victim has a session
		// of its own, and the state is not bound to it.
		attacker.get(e.URL + "/login")
		cb := start(attacker, "hostile")
		victim.get(e.URL + "/login")
		refused(t, victim, cb, "state started by another browser")
	})
	t.Run("FD-02/ReplayedCallback", func(t *testing.T) {
		b := newBrowser(t)
		cb := start(b, "hostile")
		if p := b.follow(cb, nil); p.Status != http.StatusOK {
			t.Fatalf("first callback: %d\n%s", p.Status, p.Body)
		}
		refused(t, b, cb, "unknown, used or expired state")
	})
	t.Run("FD-02/UnsolicitedResponse", func(t *testing.T) {
		b := newBrowser(t)
		b.get(e.URL + "/login")
		refused(t, b, e.callback("hostile")+"?code=code-1", "without a well-formed state")
		refused(t, b, e.callback("hostile")+"?"+url.Values{"code": {"code-1"}, "state": {strings.Repeat("A", 43)}}.Encode(),
			"unknown, used or expired state")
	})
	t.Run("FD-02/StateOfAnotherProvider", func(t *testing.T) {
		b := newBrowser(t)
		cb := start(b, "hostile")
		refused(t, b, strings.Replace(cb, "/login/federated/hostile/", "/login/federated/other/", 1), "answered at other")
	})
	t.Run("FD-02/IssuerMixUp", func(t *testing.T) {
		b := newBrowser(t)
		refused(t, b, start(b, "hostile")+"&iss="+url.QueryEscape("https://idp.attacker.example"), "from issuer")
	})
	t.Run("FD-02/NoCookie", func(t *testing.T) {
		b := newBrowser(t)
		cb := start(b, "hostile")
		refused(t, newBrowser(t), cb, "without a browser session")
	})
}
