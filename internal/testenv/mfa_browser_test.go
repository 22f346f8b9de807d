package testenv_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/signet-auth/signet/internal/testenv"
	"github.com/signet-auth/signet/internal/testsupport"
)

// screenshotsEnv names a directory to write the pages' screenshots to
// (docs/screenshots: go test ./internal/testenv -run TestMFABrowser with
// SIGNET_SCREENSHOTS=$PWD/docs/screenshots).
const screenshotsEnv = "SIGNET_SCREENSHOTS"

// TestMFABrowser walks second factors in a real headless Chromium against
// the real server, under the pages' strict CSP: forced enrolment after the
// password, the authenticator's QR code (an image from our own origin),
// the recovery codes shown once, the security page, and the second step of
// the next sign-in (catalogue MF-01, MF-03).
func TestMFABrowser(t *testing.T) {
	testsupport.NeedChromium(t)
	e := testenv.New(t, testenv.Options{MFA: "required"})

	ctx := testsupport.Chromium(t, 90*time.Second)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(720, 860)); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}

	run := func(steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			loc, _ := chromedp.Run(ctx, chromedp.Location())
			body, _ := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("body")))
			t.Fatalf("%v\nat %s\n%s", err, loc, body)
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.TextContent(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return strings.TrimSpace(s)
	}
	shot := func(name string) {
		t.Helper()
		png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatal(err)
		}
		dir := os.Getenv(screenshotsEnv)
		if dir == "" {
			dir = t.TempDir()
		}
		if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	signIn := func() {
		t.Helper()
		run(chromedp.Navigate(e.URL+"/login"),
			chromedp.WaitVisible(chromedp.CSS("#username")),
			chromedp.SendKeys(chromedp.CSS("#username"), testenv.UserName),
			chromedp.SendKeys(chromedp.CSS("#password"), testenv.UserPassword),
			chromedp.Click(chromedp.CSS(`button[type=submit]`)))
	}

	// The password, then enrolment: the policy requires a factor.
	signIn()
	run(chromedp.WaitVisible(chromedp.CSS("#setup-totp")))
	if got := text("h1"); got != "Set up two-step verification" {
		t.Fatalf("after the password: %q", got)
	}
	shot("mfa-enrol.png")
	run(chromedp.Click(chromedp.CSS("#setup-totp")), chromedp.WaitVisible(chromedp.CSS("#code")))
	// The QR code loads under img-src 'self'.
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.getElementById("qr").complete && document.getElementById("qr").naturalWidth > 100`)); err != nil {
		t.Fatalf("QR code not shown: %v", err)
	}
	shot("mfa-authenticator.png")
	secret := text("#totp-secret")
	run(chromedp.SendKeys(chromedp.CSS("#code"), testsupport.TOTPCode(secret, e.Clock.Now())),
		chromedp.Click(chromedp.CSS("#confirm")),
		chromedp.WaitVisible(chromedp.CSS("#recovery-codes")))
	codes, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("#recovery-codes code"), c => c.textContent)`))
	if err != nil || len(codes) != 10 {
		t.Fatalf("recovery codes shown: %q", codes)
	}
	shot("mfa-recovery-codes.png")
	run(chromedp.Click(chromedp.CSS("#continue")), chromedp.WaitVisible(chromedp.CSS("#new-codes")))
	if got := text("h1"); got != "Security" {
		t.Fatalf("after the codes: %q", got)
	}
	shot("mfa-security.png")

	// The next sign-in: password, then the code of the next step.
	if _, err := chromedp.Call(ctx, network.ClearBrowserCookies, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	e.Clock.Add(30 * time.Second)
	signIn()
	run(chromedp.WaitVisible(chromedp.CSS("#code")))
	if got := text("h1"); got != "Two-step verification" {
		t.Fatalf("after the password: %q", got)
	}
	shot("mfa-verify.png")
	run(chromedp.SendKeys(chromedp.CSS("#code"), "000000"), chromedp.Click(chromedp.CSS("#verify")),
		chromedp.WaitVisible(chromedp.CSS("#mfa-error")))
	run(chromedp.SendKeys(chromedp.CSS("#code"), testsupport.TOTPCode(secret, e.Clock.Now())),
		chromedp.Click(chromedp.CSS("#verify")),
		// The second-step page has a sign-out form too: wait for it to go
		// first, or the wait can end before the answer arrives.
		chromedp.WaitNotPresent(chromedp.CSS("#verify")),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/logout"]`)))
	if loc, _ := chromedp.Run(ctx, chromedp.Location()); !strings.HasSuffix(loc, "/login") {
		t.Errorf("signed in at %s", loc)
	}
}
