package testenv_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/internal/testenv"
	"github.com/signet-auth/signet/internal/testsupport"
)

// axeScript is axe-core as `npm ci` in test/axe installs it (.ci/run).
const axeScript = "../../test/axe/node_modules/axe-core/axe.min.js"

// needChromium skips without Chromium or axe-core locally and fails on CI.
func needChromium(t *testing.T) []byte {
	t.Helper()
	axe, err := os.ReadFile(axeScript)
	for _, missing := range []error{statErr(testsupport.ChromiumPath), err} {
		if missing == nil {
			continue
		}
		if os.Getenv("CI") == "true" {
			t.Fatalf("required on CI: %v (run npm ci in test/axe)", missing)
		}
		t.Skipf("skipped: %v", missing)
	}
	return axe
}

func statErr(path string) error {
	_, err := os.Stat(path)
	return err
}

// newChromium starts a headless Chromium for the test.
func newChromium(t *testing.T) context.Context {
	t.Helper()
	ctx := testsupport.Chromium(t, 120*time.Second, chromedp.WindowSize(1400, 1000))
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	// axe-core is evaluated through the DevTools protocol; the pages'
	// CSP (no script at all) stays in force for everything they load.
	if _, err := chromedp.Call(ctx, page.SetBypassCSP, page.SetBypassCSPParams{Enabled: true}); err != nil {
		t.Fatalf("bypass CSP for axe: %v", err)
	}
	return ctx
}

// axeViolation is the part of an axe-core result the test reports.
type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target []any `json:"target"`
	} `json:"nodes"`
}

// checkA11y runs axe-core on the page the browser shows and fails on any
// serious or critical violation.
func checkA11y(t *testing.T, ctx context.Context, axe []byte, name string) {
	t.Helper()
	_, err := chromedp.Run(ctx, chromedp.Evaluate[bool](string(axe)+";true"))
	var res string
	if err == nil {
		res, err = chromedp.Run(ctx, chromedp.Evaluate[string](
			`axe.run(document, {resultTypes: ["violations"]}).then(r => JSON.stringify(r.violations))`, chromedp.EvalAwaitPromise))
	}
	if err != nil {
		t.Fatalf("%s: axe: %v", name, err)
	}
	var vs []axeViolation
	if err := json.Unmarshal([]byte(res), &vs); err != nil {
		t.Fatalf("%s: axe result: %v", name, err)
	}
	for _, v := range vs {
		if v.Impact == "serious" || v.Impact == "critical" {
			t.Errorf("%s: %s (%s): %s at %v", name, v.ID, v.Impact, v.Help, v.Nodes)
		}
	}
}

// shoot saves a screenshot of the page when SIGNET_SCREENSHOTS names a
// directory (docs/screenshots is made this way).
func shoot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("SIGNET_SCREENSHOTS")
	if dir == "" {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestConsoleInChromium: an administrator signs in to the console in a real
// Chromium, adds a user and gives them a role; the user runs the device
// flow; their session appears on the sessions page, the administrator
// revokes it, and the user's next refresh is refused. Every console page
// passes axe-core with no serious or critical violation, and every action
// is in the audit trail with the administrator as its actor.
func TestConsoleInChromium(t *testing.T) {
	axe := needChromium(t)
	e := testenv.New(t, testenv.Options{AdminUsers: []string{testenv.UserName}})
	ctx := newChromium(t)
	const carolPassword = "violet stapler ocean 42"

	run := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			loc, _ := chromedp.Run(ctx, chromedp.Location())
			body, _ := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("body")))
			t.Fatalf("%s: %v\nat %s\n%s", what, err, loc, body)
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}
	location := func() string {
		t.Helper()
		loc, err := chromedp.Run(ctx, chromedp.Location())
		if err != nil {
			t.Fatal(err)
		}
		return loc
	}
	type css = chromedp.CSS

	// Not signed in: the console sends the browser to the login page.
	run("open the console", chromedp.Navigate(e.URL+"/admin"), chromedp.WaitVisible(css(`#username`)))
	if loc := location(); !strings.Contains(loc, "/login?return=%2Fadmin") {
		t.Fatalf("the console without a sign-in went to %s", loc)
	}
	checkA11y(t, ctx, axe, "login")
	// The console holds its administrators to a second factor: after the
	// password, the authenticator is set up before the console opens.
	run("sign in as the administrator",
		chromedp.SendKeys(css(`#username`), testenv.UserName),
		chromedp.SendKeys(css(`#password`), testenv.UserPassword),
		chromedp.Submit(css(`#password`)),
		chromedp.WaitVisible(css(`#setup-totp`)))
	run("set up the authenticator", chromedp.Click(css(`#setup-totp`)), chromedp.WaitVisible(css(`#code`)))
	secret, err := chromedp.Run(ctx, chromedp.TextContent(css(`#totp-secret`)))
	if err != nil {
		t.Fatalf("the authenticator's key: %v", err)
	}
	run("confirm the authenticator",
		chromedp.SendKeys(css(`#code`), testsupport.TOTPCode(strings.TrimSpace(secret), e.Clock.Now())),
		chromedp.Click(css(`#confirm`)),
		chromedp.WaitVisible(css(`#recovery-codes`)))
	run("continue to the console", chromedp.Click(css(`#continue`)), chromedp.WaitVisible(css(`#add-user`)))
	if loc := location(); !strings.HasSuffix(loc, "/admin/users") {
		t.Fatalf("after sign-in: %s", loc)
	}
	run("add a user",
		chromedp.SendKeys(css(`#add-user input[name=name]`), "carol"),
		chromedp.SendKeys(css(`#add-user input[name=display_name]`), "Carol"),
		chromedp.SendKeys(css(`#add-user input[name=password]`), carolPassword),
		chromedp.Submit(css(`#add-user input[name=password]`)),
		chromedp.WaitVisible(css(`#user-carol`)))
	run("give carol a role",
		chromedp.SendKeys(css(`#user-carol input[name=account]`), testenv.AccountID),
		chromedp.SendKeys(css(`#user-carol input[name=role]`), "ReadOnly"),
		chromedp.Submit(css(`#user-carol input[name=role]`)),
		// The page before showed a notice too: wait for the assignment's own button.
		chromedp.WaitVisible(css(`button[aria-label="Remove `+testenv.AccountID+`/ReadOnly from carol"]`)))
	if row := text(`#user-carol`); !strings.Contains(row, testenv.AccountID+"/ReadOnly") {
		t.Fatalf("carol's row after the assignment: %q", row)
	}
	checkA11y(t, ctx, axe, "users")
	shoot(t, ctx, "admin-users")

	// Carol signs in on her own device and runs the device flow.
	f := &se06Flow{t: t, e: e, secrets: map[string]string{carolPassword: "carol's password"}}
	carol := e.Browser(t)
	carol.SignInAs("carol", carolPassword, "")
	clientID, clientSecret, tok := deviceFlow(f, carol)

	run("find carol's session", chromedp.Navigate(e.URL+"/admin/sessions?user=carol"),
		chromedp.WaitVisible(css(`#token-sessions`)))
	row := text(`#token-sessions`)
	sessions, err := e.Engine.ListSessions(context.Background(), signet.SessionFilter{LiveOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	var sid string
	for _, s := range sessions {
		if s.ClientID == clientID {
			sid = s.ID
		}
	}
	if sid == "" || !strings.Contains(row, sid) || !strings.Contains(row, clientID) {
		t.Fatalf("carol's session %q is not on the sessions page: %q", sid, row)
	}
	checkA11y(t, ctx, axe, "sessions")
	shoot(t, ctx, "admin-sessions")
	run("revoke it", chromedp.Click(css(fmt.Sprintf(`button[aria-label="Revoke session %s"]`, sid))),
		chromedp.WaitVisible(css(`.success`)))
	if row = text(`#token-sessions`); strings.Contains(row, sid) {
		t.Errorf("the revoked session is still listed as live: %q", row)
	}
	status, body := f.call("POST", "/token", map[string]any{
		"clientId": clientID, "clientSecret": clientSecret,
		"grantType": "refresh_token", "refreshToken": str(tok, "refreshToken"),
	}, nil)
	if status != 400 || str(body, "error") != "invalid_grant" {
		t.Errorf("refresh after the revocation: %d %v, want 400 invalid_grant", status, body)
	}

	// A provider and a rule for the identity providers page to show.
	now := e.Clock.Now()
	if err := e.Stores.Federation.SetIdP(context.Background(), signet.IdentityProvider{Name: "okta", Kind: signet.IdPOIDC,
		DisplayName: "Okta", Issuer: "https://example.okta.com", ClientID: "0oa1example", ClientSecretRef: "env:OKTA_CLIENT_SECRET",
		Scopes: []string{"profile", "email", "groups"}, Domains: []string{"example.com"}, CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	if err := e.Stores.Federation.AddGroupRule(context.Background(), signet.GroupRule{Group: "aws-dev",
		AccountID: testenv.AccountID, RoleName: "ReadOnly", CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []struct{ path, ready, name string }{
		{"/admin/clients", `#create-client`, "admin-clients"},
		{"/admin/keys", `table.list`, "admin-keys"},
		{"/admin/audit", `#audit`, "admin-audit"},
		{"/admin/idps", `#add-idp`, "admin-idps"},
	} {
		run(p.path, chromedp.Navigate(e.URL+p.path), chromedp.WaitVisible(css(p.ready)))
		checkA11y(t, ctx, axe, p.path)
		shoot(t, ctx, p.name)
	}

	// The console's actions are in the trail, by the administrator.
	recs := auditRecords(t, e)
	actor := "user:" + testenv.UserName
	for _, want := range []struct {
		ev     signet.AuditEvent
		detail string
	}{
		{signet.AuditAdminChange, "user added name=carol"},
		{signet.AuditAdminChange, "assignments=" + testenv.AccountID + "/ReadOnly"},
		{signet.AuditSessionRevoked, "session=" + sid + " reason=admin"},
	} {
		got := find(recs, want.ev, want.detail)
		if len(got) != 1 || got[0].Actor != actor || got[0].Address != "127.0.0.1" {
			t.Errorf("%s %q: %+v, want one by %s", want.ev, want.detail, got, actor)
		}
	}
}

// A signed-in user who is not an administrator is refused, in the
// console's own words, and nothing else.
func TestConsoleRefusesNonAdministrators(t *testing.T) {
	e := testenv.New(t, testenv.Options{AdminUsers: []string{"somebody-else"}})
	b := e.Browser(t)
	b.SignIn()
	p := b.Get("/admin/users")
	if p.Status != 403 || !strings.Contains(p.Body, "Not an administrator") || strings.Contains(p.Body, testenv.UserName+"</td>") {
		t.Fatalf("non-administrator: %d %s", p.Status, p.Body)
	}
	form := b.Get("/login").Hidden()
	form.Set("action", "add")
	form.Set("name", "mallory")
	form.Set("password", "a long enough password 1")
	if p := b.Post("/admin/users", form); p.Status != 403 {
		t.Fatalf("a non-administrator's POST: %d", p.Status)
	}
	if _, err := e.Stores.Users.GetUserByName(context.Background(), "mallory"); err == nil {
		t.Fatal("a non-administrator added a user")
	}
}
