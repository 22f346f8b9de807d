package testenv

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// Browser is a person's browser on the pages: it keeps cookies, sends the
// forms' CSRF tokens and flow state back, and does not follow redirects, so
// the test sees every 303.
type Browser struct {
	t      testing.TB
	base   string
	client *http.Client
}

// Browser returns a browser with an empty cookie jar.
func (e *Env) Browser(t testing.TB) *Browser {
	jar, _ := cookiejar.New(nil)
	return &Browser{t: t, base: e.URL, client: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// Page is a response as the test looks at it.
type Page struct {
	Status   int
	Location string
	Body     string
}

func (b *Browser) do(req *http.Request) Page {
	b.t.Helper()
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return Page{Status: resp.StatusCode, Location: resp.Header.Get("Location"), Body: string(body)}
}

// Get fetches a path (or an absolute URL) of the server.
func (b *Browser) Get(path string) Page {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodGet, b.abs(path), nil)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.do(req)
}

// Post submits a form.
func (b *Browser) Post(path string, form url.Values) Page {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodPost, b.abs(path), strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

func (b *Browser) abs(path string) string {
	if strings.HasPrefix(path, "http://") || strings.HasPrefix(path, "https://") {
		return path
	}
	return b.base + path
}

var hiddenInput = regexp.MustCompile(`<input type="hidden" name="([a-z]+)" value="([^"]*)">`)

// Hidden returns the hidden inputs of a page's form (csrf, flow, return).
func (p Page) Hidden() url.Values {
	v := url.Values{}
	for _, m := range hiddenInput.FindAllStringSubmatch(p.Body, -1) {
		v.Set(m[1], unescapeAttr(m[2]))
	}
	return v
}

// unescapeAttr undoes what html/template does to the characters our
// values can hold.
func unescapeAttr(s string) string {
	return strings.NewReplacer("&amp;", "&", "&#43;", "+", "&#34;", `"`, "&#39;", "'", "&lt;", "<", "&gt;", ">").Replace(s)
}

// SignIn signs the browser in as the environment's user.
func (b *Browser) SignIn() {
	b.t.Helper()
	b.SignInAs(UserName, UserPassword, "")
}

// SignInAs submits the login form and returns where it sends the browser.
func (b *Browser) SignInAs(name, password, returnTo string) string {
	b.t.Helper()
	login := b.Get("/login?return=" + url.QueryEscape(returnTo))
	form := login.Hidden()
	form.Set("username", name)
	form.Set("password", password)
	p := b.Post("/login", form)
	if p.Status != http.StatusSeeOther {
		b.t.Fatalf("login: status %d, want 303", p.Status)
	}
	return p.Location
}

// DecideDevice types the user code on the device page, confirms and
// approves (or denies) it, signing in first if needed, and returns the
// final page.
func (b *Browser) DecideDevice(userCode string, approve bool) Page {
	b.t.Helper()
	form := b.Get("/device?user_code=" + url.QueryEscape(userCode)).Hidden()
	form.Set("user_code", userCode)
	p := b.Post("/device", form)
	if p.Status != http.StatusSeeOther {
		return p
	}
	confirm := p.Location
	p = b.Get(confirm)
	if p.Status == http.StatusSeeOther && strings.HasPrefix(p.Location, "/login") {
		b.SignInAs(UserName, UserPassword, confirm)
		p = b.Get(confirm)
	}
	if p.Status != http.StatusOK || !strings.Contains(p.Body, `action="/device/decision"`) {
		return p
	}
	decision := p.Hidden()
	decision.Set("decision", "deny")
	if approve {
		decision.Set("decision", "approve")
	}
	return b.Post("/device/decision", decision)
}

// Authorize runs an authorization request (the query of GET /authorize)
// through sign-in and consent, approving, and returns the Location the
// server finally sends the browser to: the client's redirect URI with code
// and state, or with an error.
func (b *Browser) Authorize(query url.Values) string {
	b.t.Helper()
	return b.AuthorizeURL("/authorize?" + query.Encode())
}

// AuthorizeURL is Authorize for a whole authorization URL on this server
// (a path with its query, or an absolute URL such as an OAuth library's
// AuthCodeURL gives), whatever the authorization endpoint.
func (b *Browser) AuthorizeURL(start string) string {
	b.t.Helper()
	if u, err := url.Parse(start); err == nil && u.IsAbs() {
		start = u.RequestURI()
	}
	p := b.Get(start)
	if p.Status == http.StatusSeeOther && strings.HasPrefix(p.Location, "/login") {
		next := b.SignInAs(UserName, UserPassword, start)
		p = b.Get(next)
	}
	if p.Status == http.StatusSeeOther {
		return p.Location // an error sent back, or an auto-approval
	}
	if p.Status != http.StatusOK || !strings.Contains(p.Body, `action="/consent"`) {
		b.t.Fatalf("authorize: status %d, not the consent page:\n%s", p.Status, p.Body)
	}
	form := p.Hidden()
	form.Set("decision", "approve")
	p = b.Post("/consent", form)
	if p.Status != http.StatusSeeOther {
		b.t.Fatalf("consent: status %d, want 303:\n%s", p.Status, p.Body)
	}
	return p.Location
}

// Clone returns a second browser holding a copy of b's cookies: what
// someone who copied the session cookie (off a shared machine, out of a
// browser profile) holds.
func (b *Browser) Clone(t testing.TB) *Browser {
	c := b.withJar(t)
	u, err := url.Parse(b.base)
	if err != nil {
		t.Fatal(err)
	}
	c.client.Jar.SetCookies(u, b.client.Jar.Cookies(u))
	return c
}

func (b *Browser) withJar(t testing.TB) *Browser {
	jar, _ := cookiejar.New(nil)
	return &Browser{t: t, base: b.base, client: &http.Client{Jar: jar, CheckRedirect: b.client.CheckRedirect}}
}

// SignOut posts the sign-out form every signed-in page carries.
func (b *Browser) SignOut() Page {
	b.t.Helper()
	form := b.Get("/login").Hidden()
	form.Del("return")
	return b.Post("/logout", form)
}

// SignedIn reports whether the browser is signed in: the login page shows
// the sign-out form only then.
func (b *Browser) SignedIn() bool {
	b.t.Helper()
	return strings.Contains(b.Get("/login").Body, `action="/logout"`)
}
