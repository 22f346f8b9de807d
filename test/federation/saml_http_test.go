package federation

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/signet-auth/signet"
)

// addSAMLIdP registers the samlidp at idpURL as provider corp, and signet
// at the IdP.
func (e *env) addSAMLIdP(t *testing.T, idpURL string) {
	t.Helper()
	now := e.Clock.Now()
	if err := e.Stores.Federation.SetIdP(context.Background(), signet.IdentityProvider{Name: "corp", Kind: signet.IdPSAML,
		DisplayName: "Corp SSO", Issuer: idpURL + "/metadata",
		SAML: signet.SAMLSettings{Metadata: string(get(t, idpURL+"/metadata")),
			NameIDFormat: "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"},
		CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	put(t, idpURL+"/services/signet", string(get(t, e.URL+"/login/federated/corp/saml/metadata")))
}

// The ACS over HTTP: a post without the session cookie gets signet's
// repost page (no sign-in); a forged response, one posted again from
// another browser, or one too large gets the generic refusal page,
// creates no user, and says why in the log only. The metadata route
// serves SAML providers only.
func TestSAMLACSRefusals(t *testing.T) {
	e := newEnv(t)
	idpURL := startSAMLIdP(t)
	e.addSAMLIdP(t, idpURL)
	e.addIdP(t, "okta", "https://op.example.test", "c", "s")
	users := userCount(t, e)
	acs := e.URL + "/login/federated/corp/saml/acs"

	// A real login begun by browser a, answered by the IdP.
	a := newBrowser(t)
	p := a.follow(e.URL+"/login/federated/corp", func(u string) bool { return strings.HasPrefix(u, idpURL) })
	if !strings.HasPrefix(p.URL, idpURL+"/sso?") {
		t.Fatalf("not sent to the IdP: %s", p.URL)
	}
	relay, _ := url.Parse(p.URL)
	forged := base64.StdEncoding.EncodeToString([]byte(`<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"/>`))
	form := url.Values{"SAMLResponse": {forged}, "RelayState": {relay.Query().Get("RelayState")}}

	// Posted from the IdP's site: no cookie, signet's page posts it again.
	stranger := newBrowser(t)
	r := stranger.do(http.MethodPost, acs, form)
	if r.Status != http.StatusOK || !strings.Contains(r.Body, `id="saml-continue"`) || !strings.Contains(r.Body, "/static/samlpost.js") {
		t.Fatalf("first post: %d\n%s", r.Status, r.Body)
	}
	// The repost from another browser (no session), then from the
	// starting one with a forged response: both refused.
	form.Set("continue", "1")
	for name, b := range map[string]*browser{"another browser": stranger, "forged response": a} {
		r := b.do(http.MethodPost, acs, form)
		if r.Status != http.StatusBadRequest || !strings.Contains(r.Body, "could not be completed") {
			t.Errorf("%s: %d\n%s", name, r.Status, r.Body)
		}
	}
	if !strings.Contains(e.log.String(), "upstream login refused") {
		t.Errorf("refusals not logged:\n%s", e.log.String())
	}
	big := url.Values{"SAMLResponse": {strings.Repeat("A", 400<<10)}, "continue": {"1"}}
	if r := a.do(http.MethodPost, acs, big); r.Status != http.StatusRequestEntityTooLarge && r.Status != http.StatusBadRequest {
		t.Errorf("oversized post: %d", r.Status)
	}
	if n := userCount(t, e); n != users {
		t.Errorf("%d users after refusals, want %d", n, users)
	}
	for _, u := range []string{e.URL + "/login/federated/okta/saml/metadata", e.URL + "/login/federated/none/saml/metadata"} {
		if r := a.get(u); r.Status != http.StatusBadRequest {
			t.Errorf("GET %s: %d", u, r.Status)
		}
	}
	// The login page offers both providers.
	if lp := a.get(e.URL + "/login?force=1"); !strings.Contains(lp.Body, `id="idp-corp"`) || !strings.Contains(lp.Body, `id="idp-okta"`) {
		t.Errorf("login page buttons:\n%s", lp.Body)
	}
}
