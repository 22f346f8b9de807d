package federation

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
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
	"github.com/zitadel/oidc/v3/example/server/storage"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/internal/testenv"
	"github.com/signet-auth/signet/internal/testsupport"
	"github.com/signet-auth/signet/internal/zitadeltest"
)

const (
	devAccount = "111122223333"
	devRole    = "Developer"
)

// TestFD05_UpstreamLoginInChromium: in a real headless Chromium, aws sso
// login's authorization-code flow goes from signet's login page to the
// upstream provider's own login form and back, through consent, and the
// code reaches the aws-sdk-go-v2 ssooidc client; the device flow likewise.
// GetRoleCredentials (aws-sdk-go-v2 sso) then works for the assignment the
// group rule gave. When the group is removed upstream, the person's next
// login replaces their groups and the same access token's
// GetRoleCredentials for that assignment is refused (catalogue FD-05).
func TestFD05_UpstreamLoginInChromium(t *testing.T) {
	testsupport.NeedChromium(t)
	e := newEnv(t)
	ctx := context.Background()
	clientID := "signet-chromium"
	z := zitadeltest.Start(t, clientID, "zsecret", e.callback("corp"))
	z.Users.Add(zitadeltest.User{User: storage.User{ID: "zu-dave", Username: "dave@corp.example", Password: "pw-dave",
		FirstName: "Dave", LastName: "Lister", Email: "dave@corp.example", EmailVerified: true}, Groups: []string{"aws-dev"}})
	e.addIdP(t, "corp", z.Issuer, clientID, "zsecret", "corp.example")
	if err := e.Stores.Federation.AddGroupRule(ctx, signet.GroupRule{Group: "aws-dev", AccountID: devAccount, RoleName: devRole,
		CreatedAt: e.Clock.Now()}); err != nil {
		t.Fatal(err)
	}

	// The AWS CLI's loopback listener.
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
	// upstreamLogin: on signet's login page, the provider's button, then
	// the provider's own form.
	upstreamLogin := []chromedp.Action[chromedp.Void]{
		chromedp.WaitVisible(chromedp.CSS("#idp-corp")),
		chromedp.Click(chromedp.CSS("#idp-corp")),
		chromedp.WaitVisible(chromedp.CSS(`input[name=username]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name=username]`), "dave@corp.example"),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), "pw-dave"),
		chromedp.Click(chromedp.CSS(`button[type=submit]`)),
	}

	// aws sso login (PKCE): /authorize → login → upstream → consent → code.
	var b [48]byte
	_, _ = rand.Read(b[:])
	verifier := base64.RawURLEncoding.EncodeToString(b[:])
	sum := sha256.Sum256([]byte(verifier))
	auth := e.URL + "/authorize?" + url.Values{
		"response_type": {"code"}, "client_id": {aws.ToString(reg.ClientId)}, "redirect_uri": {redirect},
		"state": {"st-1"}, "code_challenge_method": {"S256"}, "scopes": {"sso:account:access"},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])},
	}.Encode()
	run(chromedp.Navigate(auth))
	run(upstreamLogin...)
	run(chromedp.WaitVisible(chromedp.CSS("#approve")), chromedp.Click(chromedp.CSS("#approve")),
		chromedp.WaitVisible(chromedp.CSS("#done")))
	mu.Lock()
	got := codes[len(codes)-1]
	mu.Unlock()
	if got.Get("state") != "st-1" || got.Get("code") == "" {
		t.Fatalf("callback %v", got)
	}
	tok, err := oc.CreateToken(ctx, &ssooidc.CreateTokenInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret,
		GrantType: aws.String("authorization_code"), Code: aws.String(got.Get("code")), RedirectUri: aws.String(redirect),
		CodeVerifier: aws.String(verifier)})
	if err != nil {
		t.Fatal(err)
	}
	id, err := e.Stores.Federation.GetIdentity(ctx, "corp", "zu-dave")
	if err != nil {
		t.Fatal(err)
	}
	accts, err := portal.ListAccounts(ctx, &sso.ListAccountsInput{AccessToken: tok.AccessToken})
	if err != nil || len(accts.AccountList) != 1 || aws.ToString(accts.AccountList[0].AccountId) != devAccount {
		t.Fatalf("ListAccounts: %+v, %v", accts, err)
	}
	creds, err := portal.GetRoleCredentials(ctx, &sso.GetRoleCredentialsInput{AccessToken: tok.AccessToken,
		AccountId: aws.String(devAccount), RoleName: aws.String(devRole)})
	if err != nil || aws.ToString(creds.RoleCredentials.AccessKeyId) == "" {
		t.Fatalf("GetRoleCredentials for the group's assignment: %+v, %v", creds, err)
	}

	// The device flow, in the same browser after signing out: the device
	// page sends the person through the provider too.
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
	run(upstreamLogin...)
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
		t.Errorf("%d users; want alice and the one federated user", n)
	}

	// FD-05: the group goes upstream; the next login says so.
	z.Users.SetGroups("zu-dave")
	hb := newBrowser(t)
	hb.zitadelLogin(hb.follow(e.URL+"/login/federated/corp", nil), "dave@corp.example", "pw-dave", nil)
	if groups, _ := e.Stores.Federation.UserGroups(ctx, id.UserID); len(groups) != 0 {
		t.Fatalf("groups after the upstream change: %v", groups)
	}
	for _, at := range []*string{tok.AccessToken, dtok.AccessToken} {
		_, err := portal.GetRoleCredentials(ctx, &sso.GetRoleCredentialsInput{AccessToken: at,
			AccountId: aws.String(devAccount), RoleName: aws.String(devRole)})
		if err == nil {
			t.Fatal("GetRoleCredentials still works for an assignment whose group was removed upstream")
		}
	}
	accts, err = portal.ListAccounts(ctx, &sso.ListAccountsInput{AccessToken: tok.AccessToken})
	if err != nil || len(accts.AccountList) != 0 {
		t.Fatalf("ListAccounts after the group went: %+v, %v", accts, err)
	}
}
