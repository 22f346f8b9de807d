package web

import (
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/internal/testsupport"
)

// seenPosts records the cross-site signals the browser sent with each POST.
type seenPosts struct {
	mu sync.Mutex
	m  map[string][]string // path → "Sec-Fetch-Site Origin"
}

func (s *seenPosts) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			s.mu.Lock()
			s.m[r.URL.Path] = append(s.m[r.URL.Path], r.Header.Get("Sec-Fetch-Site")+" "+r.Header.Get("Origin"))
			s.mu.Unlock()
		}
		next.ServeHTTP(w, r)
	})
}

func (s *seenPosts) last(path string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	v := s.m[path]
	if len(v) == 0 {
		return ""
	}
	return v[len(v)-1]
}

// TestBrowser walks the pages in a real headless Chromium, as a person
// would: the device flow, a phishing link, a cross-site form post, aws
// login on the same device and on another one. One browser serves every
// subtest.
func TestBrowser(t *testing.T) {
	testsupport.NeedChromium(t)

	// signet on a loopback port, its issuer the very URL the browser uses.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	issuer := "http://" + ln.Addr().String()
	hs := newHarness(t, func(o *Options) { o.Issuer = issuer })
	posts := &seenPosts{m: map[string][]string{}}
	srv := &httptest.Server{Listener: ln, Config: &http.Server{Handler: posts.wrap(hs.mux)}}
	srv.Start()
	defer srv.Close()

	// The AWS CLI's loopback listener.
	var cbMu sync.Mutex
	var callbacks []url.Values
	cli := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/oauth/callback" { // not /favicon.ico
			cbMu.Lock()
			callbacks = append(callbacks, r.URL.Query())
			cbMu.Unlock()
		}
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, `<!doctype html><title>done</title><p id="done">You can close this window.</p>`)
	}))
	defer cli.Close()

	// Another site (localhost is a different site from 127.0.0.1) whose page
	// posts an approval to signet as soon as it loads.
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprintf(w, `<!doctype html><title>win a prize</title>
<form id="f" method="post" action="%s/device/decision">
<input type="hidden" name="decision" value="approve">
<input type="hidden" name="flow" value="x"><input type="hidden" name="csrf" value="x">
</form><script>document.getElementById("f").submit()</script>`, issuer)
	}))
	defer evil.Close()
	evilURL := strings.Replace(evil.URL, "127.0.0.1", "localhost", 1)

	ctx := testsupport.Chromium(t, 90*time.Second)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}

	run := func(t *testing.T, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			loc, _ := chromedp.Run(ctx, chromedp.Location())
			body, _ := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("body")))
			t.Fatalf("%v\nat %s\n%s", err, loc, body)
		}
	}
	text := func(t *testing.T, sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}
	signIn := []chromedp.Action[chromedp.Void]{
		chromedp.WaitVisible(chromedp.CSS("#username")),
		chromedp.SendKeys(chromedp.CSS("#username"), "alice"),
		chromedp.SendKeys(chromedp.CSS("#password"), alicePass),
		chromedp.Click(chromedp.CSS(`button[type=submit]`)),
	}

	t.Run("device flow", func(t *testing.T) {
		code := hs.be.addDevice("BCDFG-HJKLM", dynClientID, []string{"sso:account:access"}, 10*time.Minute)
		// Sign-in comes first (catalogue AB-01), then the code.
		run(t, chromedp.Navigate(issuer+"/device"))
		run(t, signIn...)
		run(t,
			chromedp.WaitVisible(chromedp.CSS("#user_code")),
			chromedp.SendKeys(chromedp.CSS("#user_code"), "bcdfghjklm"),
			chromedp.Click(chromedp.CSS("#continue")),
		)
		run(t, chromedp.WaitVisible(chromedp.CSS("#approve")))
		if got := text(t, "#user-code"); got != code {
			t.Errorf("page shows code %q, want %q", got, code)
		}
		if got := text(t, "#client-name"); !strings.Contains(got, "<img src=x onerror=alert(1)>Acme") {
			t.Errorf("page shows client %q", got)
		}
		if hs.be.device(code).Status != signet.DevicePending {
			t.Fatal("approved before the click")
		}
		run(t, chromedp.Click(chromedp.CSS("#approve")), chromedp.WaitVisible(chromedp.CSS("#message")))
		if got := text(t, "h1"); got != "Device approved" {
			t.Errorf("result page %q", got)
		}
		if d := hs.be.device(code); d.Status != signet.DeviceApproved || d.UserID != aliceID {
			t.Errorf("device %+v", d)
		}
		t.Logf("browser POST /device/decision with %q", posts.last("/device/decision"))
	})

	t.Run("verificationUriComplete alone approves nothing", func(t *testing.T) {
		code := hs.be.addDevice("CDFGH-JKLMN", ssoClientID, nil, 10*time.Minute)
		run(t, chromedp.Navigate(issuer+"/device?user_code="+code), chromedp.WaitVisible(chromedp.CSS("#user_code")))
		v, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#user_code")))
		if err != nil || v != code {
			t.Errorf("prefilled %q, %v", v, err)
		}
		if st := hs.be.device(code).Status; st != signet.DevicePending {
			t.Errorf("status %s after opening the link, want pending", st)
		}
	})

	t.Run("cross-site form post is refused", func(t *testing.T) {
		code := hs.be.addDevice("DFGHJ-KLMNP", ssoClientID, nil, 10*time.Minute)
		run(t, chromedp.Navigate(evilURL), chromedp.WaitVisible(chromedp.CSS("#message")))
		if got := text(t, "h1"); got != "Request refused" {
			t.Errorf("page %q, want Request refused", got)
		}
		if sig := posts.last("/device/decision"); !strings.HasPrefix(sig, "cross-site ") {
			t.Errorf("browser sent %q", sig)
		}
		if st := hs.be.device(code).Status; st != signet.DevicePending {
			t.Errorf("status %s, want pending", st)
		}
	})

	t.Run("aws login same device", func(t *testing.T) {
		if _, err := chromedp.Call(ctx, network.ClearBrowserCookies, cdp.Empty{}); err != nil {
			t.Fatal(err)
		}
		redirect := cli.URL + "/oauth/callback"
		q := authorizeQuery(SignInSameDevice, redirect, "code_challenge_method", "SHA-256", "scope", "openid", "state", "3f0e8c7a-2b1d-4e5f-9a6b-7c8d9e0f1a2b")
		run(t, chromedp.Navigate(issuer+"/v1/authorize?"+q))
		run(t, signIn...)
		run(t,
			chromedp.WaitVisible(chromedp.CSS("#approve")),
			chromedp.Click(chromedp.CSS("#assignment-1")),
			chromedp.Click(chromedp.CSS("#approve")),
			chromedp.WaitVisible(chromedp.CSS("#done")),
		)
		cbMu.Lock()
		got := callbacks[len(callbacks)-1]
		cbMu.Unlock()
		if got.Get("code") == "" || got.Get("state") != "3f0e8c7a-2b1d-4e5f-9a6b-7c8d9e0f1a2b" || got.Has("error") {
			t.Errorf("callback query %v", got)
		}
		issued := hs.be.issued()
		last := issued[len(issued)-1]
		if last.Assignment != (signet.Assignment{AccountID: "222222222222", RoleName: "ReadOnly"}) || last.RedirectURI != redirect || last.CodeChallengeMethod != "S256" {
			t.Errorf("issued %+v", last)
		}
		t.Logf("browser POST /consent with %q", posts.last("/consent"))
	})

	t.Run("aws login --remote", func(t *testing.T) {
		q := authorizeQuery(SignInCrossDevice, issuer+"/v1/sessions/confirmation", "code_challenge_method", "SHA-256", "scope", "openid", "state", "st-remote")
		run(t,
			chromedp.Navigate(issuer+"/v1/authorize?"+q),
			chromedp.WaitVisible(chromedp.CSS("#approve")),
			chromedp.Click(chromedp.CSS("#approve")),
			chromedp.WaitVisible(chromedp.CSS("#verification-code")),
		)
		shown := strings.TrimSpace(text(t, "#verification-code"))
		raw, err := base64.StdEncoding.DecodeString(shown)
		if err != nil {
			t.Fatalf("shown code %q: %v", shown, err)
		}
		v, err := url.ParseQuery(string(raw))
		if err != nil || !strings.HasPrefix(v.Get("code"), "sac_code") || v.Get("state") != "st-remote" {
			t.Errorf("decoded %q: %v %v", raw, v, err)
		}
		issued := hs.be.issued()
		if last := issued[len(issued)-1]; last.ClientID != SignInCrossDevice || last.Assignment.AccountID != "111111111111" {
			t.Errorf("issued %+v", last)
		}
	})
}
