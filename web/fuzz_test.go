package web

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// FuzzAuthorize feeds arbitrary query strings to the three authorize
// endpoints: whatever comes in, a GET never issues a code, and a redirect
// goes only to the login page or to a redirect URI the client may use.
func FuzzAuthorize(f *testing.F) {
	f.Add("/authorize", authorizeQuery(ssoClientID, ssoRedirect))
	f.Add("/authorize", authorizeQuery(ssoClientID, "http://127.0.0.1:8000/oauth/callback", "code_challenge", "\x00"))
	f.Add("/oauth2/authorize", authorizeQuery(webClientID, webRedirect, "scope", "openid", "prompt", "login"))
	f.Add("/oauth2/authorize", authorizeQuery(webClientID, webRedirect+"/..;/x", "scope", "openid"))
	f.Add("/v1/authorize", authorizeQuery(SignInSameDevice, "http://127.0.0.1:53219/oauth/callback", "code_challenge_method", "SHA-256"))
	f.Add("/v1/authorize", authorizeQuery(SignInCrossDevice, testIssuer+"/v1/sessions/confirmation"))
	f.Add("/v1/authorize", "client_id=arn%3Aaws%3Asignin%3A%3A%3Adevtools%2Fsame-device&redirect_uri=http%3A%2F%2F127.0.0.1%3A1%2Foauth%2Fcallback&state=%3Cscript%3E")
	f.Add("/authorize", "%zz&client_id=;;")
	hs := newHarness(f)
	signedIn := hs.agent("192.0.2.1")
	signedIn.login("alice", alicePass)
	anon := hs.agent("192.0.2.2")
	f.Fuzz(func(t *testing.T, path, query string) {
		switch path {
		case "/authorize", "/oauth2/authorize", "/v1/authorize":
		default:
			path = "/authorize"
		}
		for _, c := range []byte(query) {
			if c <= ' ' || c >= 0x7f || c == '#' {
				return // not a request line a client can send
			}
		}
		for _, a := range []*agent{signedIn, anon} {
			a.t = t
			r := a.get(path + "?" + query)
			switch r.Code {
			case http.StatusOK, http.StatusBadRequest, http.StatusForbidden:
			case http.StatusSeeOther:
				loc, err := url.Parse(r.Header().Get("Location"))
				if err != nil {
					t.Fatalf("bad Location %q", r.Header().Get("Location"))
				}
				if loc.Host == "" && loc.Path == "/login" {
					continue
				}
				origin := loc.Scheme + "://" + loc.Host
				ok := origin == "https://app.example" || origin == testIssuer ||
					loc.Scheme == "http" && (loc.Host == "127.0.0.1" || strings.HasPrefix(loc.Host, "127.0.0.1:"))
				if !ok || loc.User != nil {
					t.Fatalf("redirect to %q", loc)
				}
			default:
				t.Fatalf("status %d", r.Code)
			}
		}
		if n := len(hs.be.issued()); n != 0 {
			t.Fatalf("a GET issued %d codes", n)
		}
	})
}

// FuzzIsLoopbackRedirect: whatever the same-device Sign-In client may use
// is an http URL on the IPv4 loopback literal, with no user info, query or
// fragment.
func FuzzIsLoopbackRedirect(f *testing.F) {
	for _, s := range []string{"http://127.0.0.1:53219/oauth/callback", "http://127.0.0.1/x", "http://127.0.0.1:53682\\@evil.com/",
		"http://127.0.0.1.nip.io/", "http://[::1]:1/", "http://127.0.0.1:1/%2e%2e/", "http://127.0.0.1:99999/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !isLoopbackRedirect(s) {
			return
		}
		u, err := url.Parse(s)
		if err != nil || u.Scheme != "http" || u.Hostname() != "127.0.0.1" || u.User != nil || u.RawQuery != "" || u.Fragment != "" || !strings.HasPrefix(u.Path, "/") {
			t.Fatalf("accepted %q (%+v)", s, u)
		}
	})
}

// FuzzSafeReturn: the login page only ever continues to one of our own
// flow pages.
func FuzzSafeReturn(f *testing.F) {
	for _, s := range []string{"/authorize?a=b", "//evil/authorize", "/\\evil", "https://evil/authorize", "/device/confirm?t=x", "/%2f/evil"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := safeReturn(s)
		if got == "" {
			return
		}
		u, err := url.Parse(got)
		if err != nil || u.Host != "" || u.Scheme != "" || !strings.HasPrefix(got, "/") || strings.HasPrefix(got, "//") || strings.Contains(got, "\\") {
			t.Fatalf("safeReturn(%q) = %q", s, got)
		}
		switch u.Path {
		case "/authorize", "/oauth2/authorize", "/v1/authorize", "/device", "/device/confirm":
		default:
			t.Fatalf("safeReturn(%q) = %q", s, got)
		}
	})
}

// FuzzSessionCookie: no cookie value we did not seal signs anyone in.
func FuzzSessionCookie(f *testing.F) {
	f.Add("")
	f.Add("AAAA")
	f.Add(strings.Repeat("A", 200))
	f.Add("eyJzaWQiOiJ4IiwidWlkIjoidS1hbGljZSJ9")
	hs := newHarness(f)
	f.Fuzz(func(t *testing.T, v string) {
		for _, c := range []byte(v) {
			if c <= ' ' || c >= 0x7f || c == ';' || c == '"' || c == ',' || c == '\\' {
				return // not a cookie value a browser sends
			}
		}
		a := hs.agent("192.0.2.1")
		a.t = t
		a.cookies["__Host-signet"] = v
		w := a.get("/authorize?" + authorizeQuery(ssoClientID, ssoRedirect))
		if w.Code != http.StatusSeeOther || !strings.HasPrefix(w.Header().Get("Location"), "/login?") {
			t.Fatalf("cookie %q: status %d Location %q", v, w.Code, w.Header().Get("Location"))
		}
	})
}

var userCodeRE = regexp.MustCompile(`<input id="user_code" name="user_code" type="text" value="([^"]*)"`)

// FuzzDeviceCode: whatever is typed on the device page gets a page, and
// the page never carries it unescaped.
func FuzzDeviceCode(f *testing.F) {
	for _, s := range []string{"BCDF-GHJK", "bcdf ghjk", "<script>", "\"><svg onload=alert(1)>", "ZZZZ-ZZZZ", strings.Repeat("B", 100)} {
		f.Add(s)
	}
	hs := newHarness(f, func(o *Options) {
		o.Limits.DeviceIP = Limit{Max: 1 << 30, Window: 1}
		o.Limits.DeviceSession = o.Limits.DeviceIP
		o.Limits.DeviceGlobal = o.Limits.DeviceIP
	})
	hs.be.addDevice("BCDF-GHJK", ssoClientID, nil, 1<<62)
	a := hs.agent("192.0.2.1")
	form := formOf(f, a.get("/device").Body.String(), "/device")
	f.Fuzz(func(t *testing.T, code string) {
		a.t = t
		form.Set("user_code", code)
		w := a.post("/device", form)
		switch w.Code {
		case http.StatusSeeOther, http.StatusBadRequest:
		default:
			t.Fatalf("status %d for %q", w.Code, code)
		}
		if w.Code != http.StatusBadRequest {
			return
		}
		// The form comes back with what was typed, as an attribute value
		// that decodes to exactly the input (or to nothing).
		m := userCodeRE.FindStringSubmatch(w.Body.String())
		if m == nil || strings.ContainsAny(m[1], "<>") || (m[1] != "" && printable(code) && html.UnescapeString(m[1]) != code) {
			t.Fatalf("%q echoed as %q", code, m)
		}
	})
}

// printable reports whether s is printable ASCII, which the template
// escapes reversibly (it replaces NUL and keeps invalid UTF-8 as it is).
func printable(s string) bool {
	for _, c := range []byte(s) {
		if c < ' ' || c > '~' {
			return false
		}
	}
	return true
}
