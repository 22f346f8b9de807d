package signin_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/signet-auth/signet/internal/signintest"
	"github.com/signet-auth/signet/internal/testsupport"
)

// In a real browser, `aws login` from outside the account's allowed
// network ends on the Sign-In error page and never reaches the CLI's
// listener; from inside, it does.
func TestSigninPolicyPageInChromium(t *testing.T) {
	testsupport.NeedChromium(t)
	e := signintest.New(t, signintest.Options{})
	p := policy{t, adminClient(t, e)}
	var mu sync.Mutex
	var codes []string
	cli := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/oauth/callback" {
			mu.Lock()
			codes = append(codes, r.URL.Query().Get("code"))
			mu.Unlock()
		}
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, `<!doctype html><title>done</title><p id="done">You can close this window.</p>`)
	}))
	defer cli.Close()

	ctx := testsupport.Chromium(t, 90*time.Second)

	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}
	p.set(true, outside)
	if err := chromedp.Do(ctx, chromedp.Navigate(e.AuthorizeURL(sameDevice, cli.URL+"/oauth/callback", verifier, "state-1")),
		chromedp.WaitVisible(chromedp.CSS("h1"))); err != nil {
		t.Fatal(err)
	}
	title, body := text("h1"), text("body")
	mu.Lock()
	n := len(codes)
	mu.Unlock()
	if title != "Sign-in not allowed from this network" || !strings.Contains(body, "sign-in policy") || n != 0 {
		t.Fatalf("outside the range: %q %q, %d codes", title, body, n)
	}

	p.set(true, inside)
	if err := chromedp.Do(ctx, chromedp.Navigate(e.AuthorizeURL(sameDevice, cli.URL+"/oauth/callback", verifier, "state-2")),
		chromedp.WaitVisible(chromedp.CSS("#done"))); err != nil {
		t.Fatal(err)
	}
	done := text("#done")
	mu.Lock()
	defer mu.Unlock()
	if len(codes) != 1 || codes[0] == "" {
		t.Fatalf("inside the range: %q, codes %v", done, codes)
	}
}
