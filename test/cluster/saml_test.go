package cluster

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"html"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/crewjam/saml/samlidp"
)

var samlHiddenRe = regexp.MustCompile(`name="(SAMLRequest|SAMLResponse|RelayState)" value="([^"]*)"`)

// hiddenSAML reads the SAML fields of an HTML form.
func hiddenSAML(body string) url.Values {
	v := url.Values{}
	for _, m := range samlHiddenRe.FindAllStringSubmatch(body, -1) {
		v.Set(m[1], html.UnescapeString(m[2]))
	}
	return v
}

// startSAMLIdP starts crewjam/saml's samlidp on loopback.
func startSAMLIdP(t *testing.T) string {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(9), Subject: pkix.Name{CommonName: "samlidp"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour)}
	der, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	cert, _ := x509.ParseCertificate(der)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := fmt.Sprintf("http://localhost:%d", ln.Addr().(*net.TCPAddr).Port)
	u, _ := url.Parse(base)
	idp, err := samlidp.New(samlidp.Options{URL: *u, Key: key, Certificate: cert, Store: &samlidp.MemoryStore{}})
	if err != nil {
		t.Fatal(err)
	}
	srv := &httptest.Server{Listener: ln, Config: &http.Server{Handler: idp}}
	srv.Start()
	t.Cleanup(srv.Close)
	return base
}

func httpDo(t *testing.T, method, u, body string) string {
	t.Helper()
	req, _ := http.NewRequest(method, u, strings.NewReader(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		t.Fatalf("%s %s: %d %s", method, u, resp.StatusCode, b)
	}
	return string(b)
}

// TestSAMLLoginAcrossNodes: a SAML login (crewjam/saml's samlidp, added
// with `signet admin idp add-saml --metadata-url`) starts on one node and
// its response is posted to another node's ACS: the pending login and the
// AuthnRequest it answers are checked from PostgreSQL. The same response
// posted again to a third node is refused. Without an attribute mapping
// the username is the NameID.
func TestSAMLLoginAcrossNodes(t *testing.T) {
	c := startCluster(t)
	idpURL := startSAMLIdP(t)
	out := admin(t, c.env, "idp", "add-saml", "corp", "--metadata-url", idpURL+"/metadata",
		"--name-id-format", "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress", "--database-url", c.dbURL)
	if !strings.Contains(out, "acs_url <issuer>/login/federated/corp/saml/acs") {
		t.Fatalf("add-saml said:\n%s", out)
	}
	httpDo(t, http.MethodPut, idpURL+"/services/signet", httpDo(t, http.MethodGet, c.issuer+"/login/federated/corp/saml/metadata", ""))
	httpDo(t, http.MethodPut, idpURL+"/users/erin", `{"name":"erin","password":"pw-erin","email":"erin@corp.example","groups":["aws-dev"]}`)

	starter, answerer, third := c.nodes[1], c.nodes[0], c.nodes[2]
	b := newBrowser(t)
	p := b.do(http.MethodGet, starter.base+"/login/federated/corp?return="+url.QueryEscape("/device"), nil)
	if p.status != http.StatusFound || !strings.HasPrefix(p.location, idpURL+"/sso?") {
		t.Fatalf("begin on %s: %d %q\n%s", starter.name, p.status, p.location, p.body)
	}
	p = b.do(http.MethodGet, p.location, nil)
	form := hiddenSAML(p.body)
	if form.Get("SAMLRequest") == "" {
		t.Fatalf("not the IdP's login form (%d):\n%s", p.status, p.body)
	}
	form.Set("user", "erin")
	form.Set("password", "pw-erin")
	p = b.do(http.MethodPost, idpURL+"/sso", form)
	resp := hiddenSAML(p.body)
	if resp.Get("SAMLResponse") == "" || !strings.Contains(p.body, c.issuer+"/login/federated/corp/saml/acs") {
		t.Fatalf("the IdP did not answer with a post to %s's ACS (%d):\n%s", answerer.name, p.status, p.body)
	}
	acs := answerer.base + "/login/federated/corp/saml/acs"
	p = b.do(http.MethodPost, acs, resp)
	if p.status != http.StatusSeeOther || p.location != "/device" {
		t.Fatalf("ACS on %s: %d %q\n%s\n%s", answerer.name, p.status, p.location, p.body, tail(answerer.logs(), 20))
	}
	if page := b.do(http.MethodGet, third.base+"/login", nil); !strings.Contains(page.body, "Signed in as <strong>erin@corp.example</strong>") {
		t.Fatalf("%s does not see the sign-in:\n%s", third.name, page.body)
	}
	if p := b.do(http.MethodPost, third.base+"/login/federated/corp/saml/acs", resp); p.status != http.StatusBadRequest {
		t.Fatalf("the response replayed on %s: %d, want 400", third.name, p.status)
	}
}
