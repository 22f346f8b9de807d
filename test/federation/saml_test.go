package federation

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sso"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
	"github.com/chromedp/chromedp"
	"github.com/crewjam/saml/samlidp"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/internal/testenv"
	"github.com/signet-auth/signet/internal/testsupport"
)

// startSAMLIdP starts crewjam/saml's own IdP (samlidp) on loopback, under
// the host name "localhost" so that, to the browser, it is another site
// than signet on 127.0.0.1. It returns its base URL.
func startSAMLIdP(t *testing.T) string {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "samlidp"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
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

func put(t *testing.T, u, body string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPut, u, strings.NewReader(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		t.Fatalf("PUT %s: %d %s", u, resp.StatusCode, b)
	}
}

func get(t *testing.T, u string) []byte {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", u, resp.StatusCode, b)
	}
	return b
}

// TestSAMLLoginInChromium: in a real headless Chromium, aws sso login's
// authorization-code flow goes from signet's login page to crewjam/saml's
// own IdP login form, back through signet's ACS (posted from another
// site, so without the session cookie, and posted again from signet's own
// page), through consent, and the code reaches the aws-sdk-go-v2 ssooidc
// client; GetRoleCredentials then works for the assignment a group rule
// gave. The device flow likewise. The metadata is exchanged as an administrator would: signet's SP
// metadata uploaded to the IdP, the IdP's metadata stored with the
// provider.
func TestSAMLLoginInChromium(t *testing.T) {
	testsupport.NeedChromium(t)
	e := newEnv(t)
	ctx := context.Background()
	idpURL := startSAMLIdP(t)
	now := e.Clock.Now()
	if err := e.Stores.Federation.SetIdP(ctx, signet.IdentityProvider{Name: "corp", Kind: signet.IdPSAML,
		DisplayName: "Corp SSO", Issuer: idpURL + "/metadata",
		Claims: signet.ClaimMapping{Username: "uid", Email: "mail", DisplayName: "cn", Groups: "eduPersonAffiliation"},
		SAML: signet.SAMLSettings{Metadata: string(get(t, idpURL+"/metadata")),
			NameIDFormat: "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"},
		CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	spMetadata := get(t, e.URL+"/login/federated/corp/saml/metadata")
	if !bytes.Contains(spMetadata, []byte(e.URL+"/login/federated/corp/saml/acs")) {
		t.Fatalf("SP metadata without our ACS:\n%s", spMetadata)
	}
	put(t, idpURL+"/services/signet", string(spMetadata))
	put(t, idpURL+"/users/dave", `{"name":"dave","password":"pw-dave","email":"dave@corp.example","common_name":"Dave Lister","groups":["aws-dev"]}`)
	if err := e.Stores.Federation.AddGroupRule(ctx, signet.GroupRule{Group: "aws-dev", AccountID: devAccount, RoleName: devRole,
		CreatedAt: now}); err != nil {
		t.Fatal(err)
	}

	var mu sync.Mutex
	var codes []url.Values
	cli := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/oauth/callback" {
			mu.Lock()
			codes = append(codes, r.URL.Query())
			mu.Unlock()
		}
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, `<!doctype html><title>done</title><p id="done">You can close this window.</p>`)
	}))
	defer cli.Close()
	redirect := cli.URL + "/oauth/callback"
	oc := ssooidc.New(ssooidc.Options{Region: testenv.Region, BaseEndpoint: aws.String(e.URL), RetryMaxAttempts: 1})
	portal := sso.New(sso.Options{Region: testenv.Region, BaseEndpoint: aws.String(e.URL), RetryMaxAttempts: 1})
	reg, err := oc.RegisterClient(ctx, &ssooidc.RegisterClientInput{
		ClientName: aws.String("botocore-client-corp"), ClientType: aws.String("public"),
		Scopes: []string{"sso:account:access"}, GrantTypes: []string{"authorization_code", "refresh_token"},
		RedirectUris: []string{"http://127.0.0.1/oauth/callback"}, IssuerUrl: aws.String("https://d-1234567890.awsapps.com/start"),
	})
	if err != nil {
		t.Fatal(err)
	}

	bctx := testsupport.Chromium(t, 120*time.Second)
	run := func(steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(bctx, steps...); err != nil {
			loc, _ := chromedp.Run(bctx, chromedp.Location())
			body, _ := chromedp.Run(bctx, chromedp.OuterHTML(chromedp.CSS("body")))
			t.Fatalf("%v\nat %s\n%s\nlog:\n%s", err, loc, body, e.log.String())
		}
	}

	var b [48]byte
	_, _ = rand.Read(b[:])
	verifier := base64.RawURLEncoding.EncodeToString(b[:])
	sum := sha256.Sum256([]byte(verifier))
	auth := e.URL + "/authorize?" + url.Values{
		"response_type": {"code"}, "client_id": {aws.ToString(reg.ClientId)}, "redirect_uri": {redirect},
		"state": {"st-saml"}, "code_challenge_method": {"S256"}, "scopes": {"sso:account:access"},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])},
	}.Encode()
	run(chromedp.Navigate(auth))
	run(chromedp.WaitVisible(chromedp.CSS("#idp-corp")), chromedp.Click(chromedp.CSS("#idp-corp")),
		chromedp.WaitVisible(chromedp.CSS(`input[name=user]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name=user]`), "dave"),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), "pw-dave"),
		chromedp.Click(chromedp.CSS(`input[type=submit]`)))
	run(chromedp.WaitVisible(chromedp.CSS("#approve")), chromedp.Click(chromedp.CSS("#approve")),
		chromedp.WaitVisible(chromedp.CSS("#done")))
	mu.Lock()
	got := codes[len(codes)-1]
	mu.Unlock()
	if got.Get("state") != "st-saml" || got.Get("code") == "" {
		t.Fatalf("callback %v", got)
	}
	tok, err := oc.CreateToken(ctx, &ssooidc.CreateTokenInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret,
		GrantType: aws.String("authorization_code"), Code: aws.String(got.Get("code")), RedirectUri: aws.String(redirect),
		CodeVerifier: aws.String(verifier)})
	if err != nil {
		t.Fatal(err)
	}
	id, err := e.Stores.Federation.GetIdentity(ctx, "corp", "dave@corp.example")
	if err != nil {
		t.Fatalf("identity keyed by (corp, NameID): %v", err)
	}
	u, err := e.Stores.Users.GetUser(ctx, id.UserID)
	if err != nil || u.Name != "dave" {
		t.Errorf("user %+v, %v", u, err)
	}
	creds, err := portal.GetRoleCredentials(ctx, &sso.GetRoleCredentialsInput{AccessToken: tok.AccessToken,
		AccountId: aws.String(devAccount), RoleName: aws.String(devRole)})
	if err != nil || aws.ToString(creds.RoleCredentials.AccessKeyId) == "" {
		t.Fatalf("GetRoleCredentials for the group's assignment: %+v, %v", creds, err)
	}
	// The device flow, in the same browser after signing out of signet:
	// the device page sends the person through the IdP too (whose own
	// session answers at once this time).
	run(chromedp.Navigate(e.URL+"/login"), chromedp.WaitVisible(chromedp.CSS("form.signout button")),
		chromedp.Click(chromedp.CSS("form.signout button")), chromedp.WaitNotPresent(chromedp.CSS("form.signout button")),
		chromedp.WaitVisible(chromedp.CSS("#idp-corp")))
	devReg, err := oc.RegisterClient(ctx, &ssooidc.RegisterClientInput{ClientName: aws.String("botocore-device"),
		ClientType: aws.String("public"), Scopes: []string{"sso:account:access"}})
	if err != nil {
		t.Fatal(err)
	}
	da, err := oc.StartDeviceAuthorization(ctx, &ssooidc.StartDeviceAuthorizationInput{ClientId: devReg.ClientId,
		ClientSecret: devReg.ClientSecret, StartUrl: aws.String("https://d-1234567890.awsapps.com/start")})
	if err != nil {
		t.Fatal(err)
	}
	run(chromedp.Navigate(aws.ToString(da.VerificationUriComplete)))
	run(chromedp.WaitVisible(chromedp.CSS("#idp-corp")), chromedp.Click(chromedp.CSS("#idp-corp")))
	run(chromedp.WaitVisible(chromedp.CSS("#continue, #approve")))
	if loc, _ := chromedp.Run(bctx, chromedp.Location()); strings.Contains(loc, "/device") {
		if n, _ := chromedp.Run(bctx, chromedp.Evaluate[int](`document.querySelectorAll("#continue").length`)); n > 0 {
			run(chromedp.Click(chromedp.CSS("#continue")))
		}
	}
	run(chromedp.WaitVisible(chromedp.CSS("#approve")), chromedp.Click(chromedp.CSS("#approve")),
		chromedp.WaitNotPresent(chromedp.CSS("#approve")))
	dtok, err := oc.CreateToken(ctx, &ssooidc.CreateTokenInput{ClientId: devReg.ClientId, ClientSecret: devReg.ClientSecret,
		GrantType: aws.String("urn:ietf:params:oauth:grant-type:device_code"), DeviceCode: da.DeviceCode})
	if err != nil {
		t.Fatalf("device CreateToken: %v", err)
	}
	if _, err := portal.GetRoleCredentials(ctx, &sso.GetRoleCredentialsInput{AccessToken: dtok.AccessToken,
		AccountId: aws.String(devAccount), RoleName: aws.String(devRole)}); err != nil {
		t.Fatalf("GetRoleCredentials after the device flow: %v", err)
	}
	if n := userCount(t, e); n != 2 {
		t.Errorf("%d users; want the environment's user and the one federated user", n)
	}

	// The IdP's post came from another site: the ACS posted it again from
	// its own page, and the second post carried the session cookie.
	if !strings.Contains(e.log.String(), "posted again from this site") {
		t.Errorf("the ACS was not reposted:\n%s", e.log.String())
	}
}
